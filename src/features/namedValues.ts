import { ListedEvent, type FeatureValue, type L1Event } from '../core/event.js';
import { featureName } from './vocabulary.js';

/** A canonical array index ("0", "17"): `Object.keys` lists such names first, in numeric order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function isArrayIndex(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && ARRAY_INDEX.test(name) && Number(name) < 2 ** 32 - 1;
}

/**
 * Each field of an event with its value (null or undefined: absent, as the engine reads it), in
 * the order of `Object.keys(event.features)`. An event read by a fast reader (`ListedEvent`) is read from its
 * lists of names and values: its `features` record is not built (with thousands of distinct
 * names across events, building one costs more than reading the line).
 */
export function forEachFeature(
  event: L1Event,
  visit: (field: string, value: FeatureValue | null | undefined) => void,
): void {
  if (event instanceof ListedEvent) {
    const names = event.fieldNames;
    // (names such as "12" come first in a record's keys: the record keeps that order)
    if (!names.some(isArrayIndex)) {
      const values = event.fieldValues;
      for (let k = 0; k < names.length; k++) visit(names[k]!, values[k]);
      return;
    }
  }
  const features = event.features;
  for (const field of Object.keys(features)) visit(field, features[field]);
}

/** A feature's value as the engine featurizes it (`forEachNamedValue`): each name and number. */
function visitValue(
  field: string,
  v: FeatureValue | null | undefined,
  visit: (name: string, value: number) => void,
): void {
  if (typeof v === 'number') visit(field, v);
  else if (typeof v === 'boolean') visit(field, v ? 1 : 0);
  else if (typeof v === 'string') visit(featureName(field, v), 1);
  else if (Array.isArray(v)) for (const item of v as readonly string[]) visit(featureName(field, item), 1);
}

/**
 * Each feature of an event by name and value, as the engine featurizes it: a number by its field,
 * a boolean as 0/1, a string and each string of an array one-hot (`field=value`, 1).
 */
export function forEachNamedValue(
  features: L1Event['features'],
  visit: (name: string, value: number) => void,
): void {
  for (const field of Object.keys(features)) visitValue(field, features[field], visit);
}

/** `forEachNamedValue` over an event (`forEachFeature`: a `ListedEvent` from its lists). */
export function forEachEventValue(event: L1Event, visit: (name: string, value: number) => void): void {
  forEachFeature(event, (field, v) => visitValue(field, v, visit));
}

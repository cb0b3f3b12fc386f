import type { L1Event } from '../core/event.js';
import { featureName } from './vocabulary.js';

/**
 * Each feature of an event by name and value, as the engine featurizes it: a number by its field,
 * a boolean as 0/1, a string and each string of an array one-hot (`field=value`, 1).
 */
export function forEachNamedValue(
  features: L1Event['features'],
  visit: (name: string, value: number) => void,
): void {
  for (const field of Object.keys(features)) {
    const v = features[field];
    if (typeof v === 'number') visit(field, v);
    else if (typeof v === 'boolean') visit(field, v ? 1 : 0);
    else if (typeof v === 'string') visit(featureName(field, v), 1);
    else if (Array.isArray(v)) for (const item of v as readonly string[]) visit(featureName(field, item), 1);
  }
}

import { map, type OperatorFunction } from 'rxjs';

import { keyText, type L1Event } from '../core/event.js';
import type { KeyedEvents, RoutedBatch } from './engineTypes.js';
import { originalValue, recordAt, recordOrigin } from './recordOrigin.js';
import type { DeadLetterSink, EventBatch, RecordPosition } from './types.js';

/** The model key of an event, or why it has none; `single` is set when every event has that key. */
export type KeyOf = ((event: L1Event) => string | { readonly missing: string }) & {
  readonly single?: string;
};

/**
 * The key function of keyed models (README): `keyBy` null → every event goes to `defaultKey`; `"key"` → the
 * event's own key; any other name → that feature field's value (`"c7"`, not `"campaign=c7"`).
 */
export function keyFunction(keyBy: string | null, defaultKey: string): KeyOf {
  if (keyBy === null) return Object.assign(() => defaultKey, { single: defaultKey });
  if (keyBy === 'key')
    return (e) =>
      e.key === undefined
        ? { missing: 'the event has no "key" (model.keyBy is "key")' }
        : e.key === ''
          ? { missing: 'the event\'s "key" is empty (model.keyBy is "key"): give it a non-empty key' }
          : e.key;
  // a number or boolean keys the model of its text (keyText), as in the event's own "key"
  return (e) => {
    const v = Object.hasOwn(e.features, keyBy) ? e.features[keyBy] : undefined;
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return keyText(v);
    return { missing: `feature "${keyBy}" (model.keyBy) ${whyNoKey(v)}` };
  };
}

/** Why a key field's value keys no model. */
function whyNoKey(v: unknown): string {
  if (v === undefined || v === null) return 'is missing';
  if (v === '') return 'is an empty string: give it a non-empty value';
  if (Array.isArray(v)) return 'is a list: it must be one string, number or boolean';
  return 'is not a string, number or boolean';
}

/**
 * Splits each decoded batch by model key, keeping each key's events in stream order (keys are
 * independent models, so only the order within a key matters). An event without a key goes to
 * the dead-letter sink with the reason. Single-key runs pass through without copying.
 *
 * @example
 * events$.pipe(routeByKey(keyFunction('campaign', 'default'), deadLetters))
 */
export function routeByKey(
  keyOf: KeyOf,
  deadLetters: DeadLetterSink,
): OperatorFunction<EventBatch, RoutedBatch> {
  return map((batch: EventBatch): RoutedBatch => {
    const partial = batch.partial === true;
    if (keyOf.single !== undefined) {
      // one model: the batch is its only part (no copy)
      const events = batch.events as L1Event[];
      const positions = batch.positions as RecordPosition[];
      const parts = events.length === 0 ? [] : [{ key: keyOf.single, events, positions }];
      return { parts, records: batch.records, partial };
    }
    const parts: KeyedEvents[] = [];
    const byKey = new Map<string, KeyedEvents>();
    const { events, positions } = batch;
    for (let i = 0; i < events.length; i++) {
      const key = keyOf(events[i]);
      if (typeof key !== 'string') {
        const record = recordAt(batch.records, positions[i]);
        deadLetters.deadLetter({
          reason: key.missing,
          stage: 'validate',
          position: positions[i],
          value: originalValue(record, () => JSON.stringify(events[i])),
          ...recordOrigin(record),
        });
        continue;
      }
      let part = byKey.get(key);
      if (part === undefined) {
        part = { key, events: [], positions: [] };
        byKey.set(key, part);
        parts.push(part);
      }
      part.events.push(events[i]);
      part.positions.push(positions[i]);
    }
    return { parts, records: batch.records, partial };
  });
}

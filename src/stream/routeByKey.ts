import { map, type OperatorFunction } from 'rxjs';

import { shownValue, typoDistance, typoLimit, unicodeTwin } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { keyText, type L1Event } from '../core/event.js';
import { safeKeyNumber, unsafeKeyReason } from '../core/keyNumbers.js';
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
  checkKeyArguments(keyBy, defaultKey);
  if (keyBy === null) return Object.assign(() => defaultKey, { single: defaultKey });
  if (keyBy === 'key')
    return (e) =>
      e.key === undefined
        ? {
            missing:
              'the event has no "key" (model.keyBy is "key": the event\'s own field, not a Kafka record\'s key)',
          }
        : e.key === ''
          ? { missing: 'the event\'s "key" is empty (model.keyBy is "key"): give it a non-empty key' }
          : e.key;
  const meant = fieldMeant(keyBy);
  // a number or boolean keys the model of its text (keyText), as in the event's own "key"
  return (e) => {
    const v = Object.hasOwn(e.features, keyBy) ? e.features[keyBy] : undefined;
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && !safeKeyNumber(v))
      return { missing: unsafeKeyReason(`feature "${keyBy}" (model.keyBy)`, v) };
    if (typeof v === 'number' || typeof v === 'boolean') return keyText(v);
    const guess = v === undefined ? meant(e.features) : undefined;
    return {
      missing: `feature "${keyBy}" (model.keyBy) ${whyNoKey(v)}${guess !== undefined ? `; did you mean "${guess}"?${unicodeTwin(keyBy, guess)}` : ''}`,
    };
  };
}

/**
 * From JavaScript, `keyFunction(undefined, "d")` failed with a TypeError from inside (reading
 * `length`) and `keyFunction(null)` at the first batch (reading `partition`): both are a
 * `ConfigError` naming the argument and what it must be.
 */
function checkKeyArguments(keyBy: unknown, defaultKey: unknown): void {
  const problems: ConfigProblem[] = [];
  if (keyBy !== null && !(typeof keyBy === 'string' && keyBy !== ''))
    problems.push({
      path: 'keyFunction: keyBy',
      message: `must be a feature field's name, "key" (the event's own) or null (one model), got ${shownValue(keyBy)}`,
    });
  // read only without keyBy
  if (keyBy === null && !(typeof defaultKey === 'string' && defaultKey !== ''))
    problems.push({
      path: 'keyFunction: defaultKey',
      message: `must be a non-empty string (the key of the one model), got ${shownValue(defaultKey)}`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Feature names whose distance to the key field is remembered (`fieldMeant`): the rest are measured each time. */
const MEANT_CACHE = 4096;

/**
 * The feature of an event that a missing key field probably meant (a typo: `campagin` for
 * `campaign`, `Campaign`), by `typoDistance` within `typoLimit`; each name's verdict is remembered, since a
 * misspelt field misses in every event.
 */
function fieldMeant(keyBy: string): (features: Readonly<Record<string, unknown>>) => string | undefined {
  const verdicts = new Map<string, number>();
  const limit = typoLimit(keyBy);
  const distanceOf = (name: string): number => {
    let d = verdicts.get(name);
    if (d === undefined) {
      d = typoDistance(keyBy, name);
      if (d > limit) d = Infinity;
      if (verdicts.size < MEANT_CACHE) verdicts.set(name, d);
    }
    return d;
  };
  return (features) => {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const name of Object.keys(features)) {
      const d = distanceOf(name);
      if (d < bestDistance) {
        best = name;
        bestDistance = d;
      }
    }
    return best;
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
  // from JavaScript, a field name for keyOf (`routeByKey("campaign", ...)`) or no dead-letter sink
  // failed at the first batch with a TypeError
  const problems: ConfigProblem[] = [];
  if (typeof keyOf !== 'function')
    problems.push({
      path: 'routeByKey: keyOf',
      message: `must be a key function, got ${shownValue(keyOf)}: pass keyFunction(keyBy, defaultKey)`,
    });
  const sink = deadLetters as { readonly deadLetter?: unknown } | null;
  if (typeof sink !== 'object' || sink === null || typeof sink.deadLetter !== 'function')
    problems.push({
      path: 'routeByKey: deadLetters',
      message: `must be a dead-letter sink (an object with a deadLetter(letter) method), got ${shownValue(deadLetters)}`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
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

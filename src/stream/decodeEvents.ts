import { map, type OperatorFunction } from 'rxjs';

import { validateEvent, type Family, type L1Event } from '../core/event.js';
import type { DeadLetterSink, EventBatch, RawBatch, RecordPosition } from './types.js';

/** Turns a record's bytes into a value (JSON by default; Avro codecs plug in here). */
export type RecordDecoder = (value: string | Uint8Array) => unknown;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON decoder: UTF-8 text, one JSON document per record. */
export const jsonDecoder: RecordDecoder = (value) =>
  JSON.parse(typeof value === 'string' ? value : utf8.decode(value));

export interface DecodeEventsOptions {
  readonly family: Family;
  readonly deadLetters: DeadLetterSink;
  readonly decoder?: RecordDecoder;
}

/**
 * Decodes and validates each record of a batch (DESIGN §2). A record that is not JSON (or not
 * decodable), or not a valid event, goes to the dead-letter sink with the reason and its position;
 * the batch goes on with the rest.
 *
 * @example
 * lines$.pipe(decodeEvents({ family: 'binomial', deadLetters }), learn(model))
 */
export function decodeEvents(options: DecodeEventsOptions): OperatorFunction<RawBatch, EventBatch> {
  const decode = options.decoder ?? jsonDecoder;
  const { family, deadLetters } = options;
  return map((batch) => {
    const events: L1Event[] = [];
    const positions: RecordPosition[] = [];
    let rejected = 0;
    for (const record of batch.records) {
      let raw: unknown;
      try {
        raw = decode(record.value);
      } catch (err) {
        rejected++;
        deadLetters.deadLetter({
          reason: `cannot decode: ${err instanceof Error ? err.message : String(err)}`,
          stage: 'decode',
          position: record.position,
          value: record.value,
          ...(record.headers ? { headers: record.headers } : {}),
        });
        continue;
      }
      const checked = validateEvent(raw, family);
      if (!checked.ok) {
        rejected++;
        deadLetters.deadLetter({
          reason: checked.reason,
          stage: 'validate',
          position: record.position,
          value: record.value,
          ...(record.headers ? { headers: record.headers } : {}),
        });
        continue;
      }
      events.push(checked.event);
      positions.push(record.position);
    }
    return { events, positions, rejected, records: batch.records };
  });
}

import { from, lastValueFrom, toArray } from 'rxjs';

import {
  decodeEvents,
  type DeadLetter,
  type DecodeEventsOptions,
  type L1Event,
  type RawBatch,
} from '../../src/index.js';

/** The events `decodeEvents` (binomial, with `options`) gives for `batch`, and its dead letters. */
export async function decodeBatch(
  batch: RawBatch,
  options: Omit<DecodeEventsOptions, 'family' | 'deadLetters'>,
): Promise<{ events: L1Event[]; letters: DeadLetter[] }> {
  const letters: DeadLetter[] = [];
  const out = await lastValueFrom(
    from([batch]).pipe(
      decodeEvents({ ...options, family: 'binomial', deadLetters: { deadLetter: (l) => letters.push(l) } }),
      toArray(),
    ),
  );
  return { events: out.flatMap((b) => b.events), letters };
}

/** The message `f` throws ('' if none). */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

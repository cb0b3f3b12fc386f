import { from, lastValueFrom, map, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { OnlineModel } from '../../src/model/onlineModel.js';
import { decodeEvents, jsonDecoder } from '../../src/stream/decodeEvents.js';
import { learn } from '../../src/stream/learn.js';
import type { DeadLetter, EventBatch, LearnedBatch, RawBatch } from '../../src/stream/types.js';
import { Rng } from '../helpers/random.js';

/** Raw JSON batches with a few records that fail at each stage (decode, validate, featurize). */
function rawBatches(sizes: readonly number[]): RawBatch[] {
  const rng = new Rng(5);
  let offset = 0;
  return sizes.map((size) => {
    const records = Array.from({ length: size }, () => {
      const o = offset++;
      let value: string;
      if (o % 29 === 7) value = '{"features": ';
      else if (o % 31 === 3)
        value = JSON.stringify({ label: 1, features: { x: 'Infinity', y: null } }).replace(
          '"Infinity"',
          '1e999',
        );
      else if (o % 37 === 11) value = JSON.stringify({ label: 1, features: { x: 'now a string' } });
      else
        value = JSON.stringify({
          label: rng.normal(),
          features: { x: rng.normal(), c: `c${rng.int(5)}`, t: rng.next() < 0.5 ? ['a'] : [] },
        });
      return { value, position: { source: 't', partition: 0, offset: String(o) } };
    });
    return { records };
  });
}

async function run(batches: readonly RawBatch[], partSize?: number) {
  const model = new OnlineModel({ key: 'm', family: 'gaussian', labelWarmup: 0 });
  const letters: DeadLetter[] = [];
  const deadLetters = { deadLetter: (l: DeadLetter) => letters.push(l) };
  const learned = await lastValueFrom(
    from(batches).pipe(
      decodeEvents({ family: 'gaussian', deadLetters, ...(partSize ? { partSize } : {}) }),
      learn(model, { deadLetters }),
      toArray(),
    ),
  );
  return { model, learned, letters };
}

const plain = (b: LearnedBatch) => ({
  ...b,
  nameOf: undefined,
  fieldOf: undefined,
  labelled: [...b.labelled],
  labels: [...b.labels],
  predictions: [...b.predictions],
  losses: [...b.losses],
  featureStarts: [...b.featureStarts],
  featureIndices: [...b.featureIndices],
});

describe('decodeEvents in parts, put back together by learn', () => {
  it('gives the same learned batches, model and dead letters as whole batches', async () => {
    const batches = rawBatches([120, 0, 1, 77, 64]);
    const whole = await run(batches);
    for (const partSize of [1, 7, 64, 1000]) {
      const parts = await run(batches, partSize);
      expect(parts.learned).toHaveLength(batches.length);
      expect(parts.learned.map(plain)).toEqual(whole.learned.map(plain));
      parts.learned.forEach((b, i) => expect(b.records).toBe(batches[i].records));
      expect(parts.model.snapshot().coefficients).toEqual(whole.model.snapshot().coefficients);
      const byOffset = (ls: DeadLetter[]) =>
        [...ls].sort((a, b) => Number(a.position.offset) - Number(b.position.offset));
      expect(byOffset(parts.letters)).toEqual(byOffset(whole.letters));
    }
    // a string in the numeric field x is its one-hot, not a dead letter
    expect(new Set(whole.letters.map((l) => l.stage))).toEqual(new Set(['decode', 'validate']));
  });

  it('emits parts marked partial, and decodes a part only after the previous one went downstream', async () => {
    const log: string[] = [];
    const batch: RawBatch = {
      records: Array.from({ length: 7 }, (_, i) => ({
        value: JSON.stringify({ features: { x: i } }),
        position: { source: 't', offset: String(i) },
      })),
    };
    const parts = await lastValueFrom(
      from([batch]).pipe(
        decodeEvents({
          family: 'gaussian',
          deadLetters: { deadLetter: () => undefined },
          partSize: 3,
          decoder: (v) => {
            log.push('decode');
            return jsonDecoder(v);
          },
        }),
        tap((p: EventBatch) => log.push(`part of ${p.events.length}`)),
        toArray(),
      ),
    );
    expect(parts.map((p) => [p.events.length, p.partial])).toEqual([
      [3, true],
      [3, true],
      [1, undefined],
    ]);
    expect(log.join(',')).toBe(
      'decode,decode,decode,part of 3,decode,decode,decode,part of 3,decode,part of 1',
    );
    expect(() =>
      decodeEvents({ family: 'gaussian', deadLetters: { deadLetter: () => undefined }, partSize: 0 }),
    ).toThrow(RangeError);
  });

  it('emits one learned batch per raw batch, in time with the raw batches', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const [a, b] = rawBatches([10, 5]);
      const model = new OnlineModel({ key: 'm', family: 'gaussian', labelWarmup: 0 });
      const deadLetters = { deadLetter: () => undefined };
      const learned = cold('a--b|', { a, b }).pipe(
        decodeEvents({ family: 'gaussian', deadLetters, partSize: 4 }),
        learn(model, { deadLetters }),
        // records covered / events learned per emitted batch (offsets 3 and 7 are dead letters;
        // 11 has a string in x, learned as the one-hot x=now a string)
        map((l) => `${l.records.length}/${l.count}`),
      );
      expectObservable(learned).toBe('a--b|', { a: '10/8', b: '5/5' });
    });
  });

  it('learn takes parts from anywhere, even with more events than records', async () => {
    const model = new OnlineModel({ key: 'm', family: 'gaussian', labelWarmup: 0 });
    const part = (k: number, partial: boolean): EventBatch => ({
      events: Array.from({ length: k }, (_, i) => ({ label: i, features: { x: i + 1 } })),
      positions: Array.from({ length: k }, (_, i) => ({ source: 't', offset: String(i) })),
      rejected: 0,
      records: [],
      ...(partial ? { partial } : {}),
    });
    const learned = await lastValueFrom(
      from([part(5, true), part(3, true), part(4, false)]).pipe(
        learn(model, { deadLetters: { deadLetter: () => undefined } }),
        toArray(),
      ),
    );
    expect(learned).toHaveLength(1);
    expect(learned[0].count).toBe(12);
    expect([...learned[0].labels]).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 2, 3]);
    expect(learned[0].featureStarts).toHaveLength(13);
  });
});

describe('decodeEvents with yieldAfterMs', () => {
  it('lets the event loop run between parts once a batch held it that long, and keeps every part in order', async () => {
    const batches = rawBatches([40, 25]);
    const deadLetters = { deadLetter: () => undefined };
    const turns: string[] = [];
    const parts = await lastValueFrom(
      from(batches).pipe(
        decodeEvents({ family: 'gaussian', deadLetters, partSize: 10, yieldAfterMs: 0 }),
        tap((p) => {
          turns.push(`part ${p.records.length}:${p.partial === true}`);
          // a timer-like task queued now runs before the next part only if decoding yields
          setImmediate(() => turns.push('loop'));
        }),
        toArray(),
      ),
    );
    expect(parts.map((p) => p.partial === true)).toEqual([true, true, true, false, true, true, false]);
    // every part but the last of each batch is followed by a turn of the event loop
    expect(turns.slice(0, 4)).toEqual(['part 40:true', 'loop', 'part 40:true', 'loop']);
    const sequential = await lastValueFrom(
      from(batches).pipe(decodeEvents({ family: 'gaussian', deadLetters, partSize: 10 }), toArray()),
    );
    expect(parts.map((p) => p.positions.map((q) => q.offset))).toEqual(
      sequential.map((p) => p.positions.map((q) => q.offset)),
    );
  });
});

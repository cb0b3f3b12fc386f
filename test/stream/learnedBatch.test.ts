import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { LearnedBatchBuilder } from '../../src/stream/learn.js';
import type { LearnedBatch, RecordPosition } from '../../src/stream/types.js';
import { Rng } from '../helpers/random.js';

/** Events of 1 to 60 features over 500 names. */
function events(seed: number, n: number): L1Event[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const features: Record<string, number> = {};
    for (let m = 1 + rng.int(60); m > 0; m--) features[`f${rng.int(500)}`] = rng.normal();
    return { label: rng.int(2), features };
  });
}

/** Learns `batches` of events with builders made room for `perEvent(previous builder)` indices per event. */
function learnAll(batches: L1Event[][], perEvent: (b: LearnedBatchBuilder | null) => number): LearnedBatch[] {
  const model = new OnlineModel({ family: 'binomial', lambda: 1e-3 });
  const deadLetters = { deadLetter: () => undefined };
  let previous: LearnedBatchBuilder | null = null;
  return batches.map((evs, b) => {
    const positions: RecordPosition[] = evs.map((_, i) => ({ source: 't', offset: `${b}:${i}` }));
    const builder = new LearnedBatchBuilder(evs.length, true, perEvent(previous));
    builder.learn({ events: evs, positions }, model, deadLetters, String);
    previous = builder;
    return builder.build(model, { records: [] });
  });
}

const plain = (b: LearnedBatch) => ({
  count: b.count,
  labelled: Array.from(b.labelled),
  predictions: Array.from(b.predictions),
  losses: Array.from(b.losses),
  featureStarts: Array.from(b.featureStarts),
  featureIndices: Array.from(b.featureIndices),
  fieldCodes: b.fieldCodes === undefined ? null : Array.from(b.fieldCodes),
});

describe('LearnedBatchBuilder sized from the previous batch', () => {
  it('builds the same batches whatever room it was made, and asks for a quarter more than the mean', () => {
    const all = events(3, 900);
    const batches = [all.slice(0, 10), all.slice(10, 400), all.slice(400, 401), all.slice(401)];
    const tight = learnAll(batches, () => 1).map(plain);
    const hinted = learnAll(batches, (b) => (b === null ? 8 : b.indicesPerEvent())).map(plain);
    expect(hinted).toEqual(tight);
    expect(learnAll(batches, () => 64).map(plain)).toEqual(tight);
    expect(new LearnedBatchBuilder(0).indicesPerEvent()).toBe(8);
    const seen: number[] = [];
    learnAll(batches, (b) => (b === null ? 8 : (seen.push(b.indicesPerEvent()), 8)));
    tight.slice(0, 3).forEach((b, i) => {
      const mean = b.featureIndices.length / b.count;
      expect(seen[i]).toBeGreaterThanOrEqual(1.25 * mean);
      expect(seen[i]).toBeLessThanOrEqual(1.25 * mean + 2);
    });
  });
});

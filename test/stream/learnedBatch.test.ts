import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { LearnedBatchBuilder } from '../../src/stream/learn.js';
import type { LearnedBatch, RecordPosition } from '../../src/stream/types.js';
import { Rng } from '../helpers/random.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from '../engine/helpers.js';

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

describe('LearnedBatchBuilder without indices (nothing downstream reads them)', () => {
  it('learns the same and records the same outcomes, and copies no index', () => {
    const evs = events(5, 700);
    const positions: RecordPosition[] = evs.map((_, i) => ({ source: 't', offset: String(i) }));
    const run = (indices: boolean) => {
      const model = new OnlineModel({ family: 'binomial', lambda: 1e-3 });
      const builder = new LearnedBatchBuilder(evs.length, true, 8, null, indices);
      builder.learn({ events: evs, positions }, model, { deadLetter: () => undefined }, String);
      const { createdAt: _, ...snapshot } = model.snapshot();
      return { batch: plain(builder.build(model, { records: [] })), snapshot };
    };
    const withIndices = run(true);
    const without = run(false);
    expect(without.snapshot).toEqual(withIndices.snapshot);
    const { featureStarts, featureIndices, fieldCodes, ...outcomes } = without.batch;
    const { featureIndices: all, ...want } = withIndices.batch;
    expect(all.length).toBeGreaterThan(700);
    expect({ ...outcomes, featureStarts, fieldCodes }).toEqual({
      ...want,
      featureStarts: new Array(701).fill(0),
      fieldCodes: null,
    });
    expect(featureIndices).toEqual([]);
  });

  it("LiveModel.driftReadsIndices is true exactly when its drift monitor reads a batch's features", () => {
    for (const drift of [
      { enabled: false },
      {},
      { inputSparsity: { enabled: false } },
      { inputSequential: { enabled: false } },
      { inputSparsity: { enabled: false }, inputSequential: { enabled: false } },
      { enabled: false, inputSparsity: { enabled: true } },
    ]) {
      const live = liveModel('k', engineConfig({ drift: { threads: 0, ...drift } }));
      const learned = learnBatch(live, gaussianEvents(3, 300)).parts[0].learned;
      let read = false;
      const watched = Object.create(learned, {
        featureStarts: {
          get: () => {
            read = true;
            return learned.featureStarts;
          },
        },
      }) as LearnedBatch;
      live.drift.onBatch(watched);
      expect(live.driftReadsIndices, JSON.stringify(drift)).toBe(read);
    }
  });
});

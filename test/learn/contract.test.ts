import { describe, expect, it } from 'vitest';

import { sparseOf, type SparseVector } from '../../src/core/sparse.js';
import { createLearner, learnerNames } from '../../src/learn/factory.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import { Rng } from '../helpers/random.js';
import { plantedStream } from '../helpers/streams.js';

const roundTrip = <T>(state: T): T => decodeState(encodeState(state)) as T;

/** The contract every learner meets (in the spirit of River's estimator checks). */
function events(seed: number, n: number): Array<{ x: SparseVector; y: number }> {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const pairs = new Map<number, number>();
    for (let k = 0; k < 1 + rng.int(5); k++) pairs.set(rng.int(40), rng.normal());
    return { x: sparseOf([...pairs]), y: rng.next() < 0.4 ? 1 : 0 };
  });
}

describe.each(learnerNames)('learner contract: %s', (name) => {
  for (const family of ['gaussian', 'binomial'] as const) {
    const make = () => createLearner(name, family, 0.01, 0.7);

    it(`${family}: does not mutate its inputs`, () => {
      const l = make();
      for (const { x, y } of events(1, 200)) {
        const before = [Array.from(x.indices), Array.from(x.values)];
        l.learnOne(x, y);
        expect([Array.from(x.indices), Array.from(x.values)]).toEqual(before);
      }
    });

    it(`${family}: the order of features within an event does not matter`, () => {
      const a = make();
      const b = make();
      for (const { x, y } of events(2, 300)) {
        const pairs = Array.from({ length: x.nnz }, (_, k) => [x.indices[k], x.values[k]] as const).reverse();
        const ma = a.learnOne(x, y);
        const mb = b.learnOne(sparseOf(pairs), y);
        expect(Math.abs(ma - mb)).toBeLessThan(1e-12);
      }
    });

    it(`${family}: new features appear and unseen features predict nothing`, () => {
      const l = make();
      for (const { x, y } of events(3, 100)) l.learnOne(x, y);
      const unseen = sparseOf([[5000, 3]]);
      expect(l.marginOne(unseen)).toBe(l.intercept());
      l.learnOne(unseen, 1);
      expect(l.coefficient(5000)).not.toBe(0);
    });

    it(`${family}: state round-trips through the binary codec and the run continues identically`, () => {
      const stream = events(4, 400);
      const a = make();
      stream.slice(0, 200).forEach(({ x, y }) => a.learnOne(x, y));
      const b = make();
      b.restore(roundTrip(a.state()));
      for (const { x, y } of stream.slice(200)) expect(b.learnOne(x, y)).toBe(a.learnOne(x, y));
      expect(() => createLearner(name, family, 0.02, 0.7).restore(a.state())).toThrow(/lambda/);
    });

    it(`${family}: seeded runs repeat exactly`, () => {
      const run = () => {
        const l = make();
        return events(5, 300).map(({ x, y }) => l.learnOne(x, y));
      };
      expect(run()).toEqual(run());
    });
  }
});

describe('OnlineModel checkpoints', () => {
  it('a model restored from a checkpoint continues exactly like the original', () => {
    for (const family of ['gaussian', 'binomial'] as const) {
      const s = plantedStream(family, 31, 3000);
      const options = { family, learner: 'fobos' as const, hashBits: 12 };
      const a = new OnlineModel(options);
      s.rows.slice(0, 1500).forEach((r) => a.process(r));
      const b = OnlineModel.restore(options, roundTrip(a.checkpoint()));
      expect(b.offset).toBe(1500);
      for (const r of s.rows.slice(1500)) expect(b.process(r).prediction).toBe(a.process(r).prediction);
      const sa = a.snapshot();
      const sb = b.snapshot();
      expect(sb.coefficients).toEqual(sa.coefficients);
      expect(sb.version).toBe(sa.version);
    }
  });
});

import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import type { L1Event } from '../../src/core/event.js';
import { sparseOf, type SparseVector } from '../../src/core/sparse.js';
import {
  createLearner,
  learnerNames,
  type LearnerHyperparameters,
  type LearnerName,
} from '../../src/learn/factory.js';
import type { LearnerState } from '../../src/learn/learner.js';
import {
  OnlineModel,
  type OnlineModelCheckpoint,
  type OnlineModelOptions,
} from '../../src/model/onlineModel.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import { exact } from '../helpers/exact.js';
import { Rng } from '../helpers/random.js';

const families = ['gaussian', 'binomial'] as const;
const viaBytes = <T>(state: T): T => decodeState(encodeState(state)) as T;

/** Seeded sparse events over 80 columns, a few informative ones. */
function vectors(seed: number, n: number, family: 'gaussian' | 'binomial') {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const pairs = new Map<number, number>();
    for (let k = 0; k < 1 + rng.int(8); k++) pairs.set(rng.int(80), rng.normal());
    const eta = 0.3 + 1.5 * (pairs.get(1) ?? 0) - (pairs.get(2) ?? 0) + 0.5 * (pairs.get(3) ?? 0);
    const y =
      family === 'gaussian' ? eta + 0.3 * rng.normal() : rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    return { x: sparseOf([...pairs]), y, weight: rng.next() < 0.1 ? 2 : 1 };
  });
}

interface Variant {
  readonly name: string;
  readonly l1Ratio: number;
  readonly hyper: LearnerHyperparameters;
  readonly penalty: ReadonlyArray<readonly [number, number]>;
}

const variants: readonly Variant[] = [
  { name: 'lasso', l1Ratio: 1, hyper: {}, penalty: [] },
  {
    name: 'elastic net, penalty factors',
    l1Ratio: 0.6,
    hyper: {},
    penalty: [
      [0, 0],
      [3, 2.5],
      [70, 0.5],
    ],
  },
  { name: 'cumulative, penalty factors', l1Ratio: 0.8, hyper: { cumulative: true }, penalty: [[5, 0]] },
];

function learnerFor(name: LearnerName, family: 'gaussian' | 'binomial', v: Variant) {
  const hyper = name === 'ftrl' ? {} : v.hyper;
  const l = createLearner(name, family, 0.02, v.l1Ratio, {
    ...hyper,
    truncatedGradient: { truncateEvery: 7 },
  });
  for (const [j, f] of v.penalty) l.setPenaltyFactor(j, f);
  return l;
}

describe.each(learnerNames)('learner state through the codec: %s', (name) => {
  for (const family of families) {
    for (const v of variants) {
      it(`${family}, ${v.name}: split at random points, continues bit for bit`, () => {
        const stream = vectors(7, 1200, family);
        const probe: SparseVector = sparseOf([
          [1, 1],
          [2, -0.5],
          [3, 2],
          [60, 1],
        ]);
        const rng = new Rng(name.length * 31 + family.length + v.l1Ratio * 10);
        for (let trial = 0; trial < 4; trial++) {
          const split = trial === 0 ? 0 : rng.int(stream.length);
          const a = learnerFor(name, family, v);
          stream.slice(0, split).forEach((e) => a.learnOne(e.x, e.y, e.weight));
          const b = learnerFor(name, family, v);
          b.restore(viaBytes(a.state()));
          expect(b.steps).toBe(a.steps);
          for (const e of stream.slice(split)) {
            expect(b.predictOne(probe)).toBe(a.predictOne(probe));
            expect(b.learnOne(e.x, e.y, e.weight)).toBe(a.learnOne(e.x, e.y, e.weight));
          }
          expect(b.intercept()).toBe(a.intercept());
          for (let j = 0; j < 90; j++) expect(Object.is(b.coefficient(j), a.coefficient(j))).toBe(true);
          const nonZero = (l: typeof a) => {
            const out: Array<[number, number]> = [];
            l.forEachNonZero((j, w) => out.push([j, w]));
            return out;
          };
          expect(exact(nonZero(b))).toEqual(exact(nonZero(a)));
          expect(exact(b.state())).toEqual(exact(a.state()));
        }
      });
    }

    it(`${family}: state is typed arrays of dimension entries, copies of the live buffers`, () => {
      const l = learnerFor(name, family, variants[1]);
      vectors(3, 400, family).forEach((e) => l.learnOne(e.x, e.y));
      const s = l.state();
      // 80 columns, most touched: dense; a hashed-like spread of 3 columns over 5000: sparse
      expect(s.columns).toBeUndefined();
      for (const a of Object.values(s.arrays)) {
        expect(a).toBeInstanceOf(Float64Array);
        expect(a.length).toBe(s.dimension);
      }
      const spread = learnerFor(name, family, variants[0]);
      spread.learnOne(
        sparseOf([
          [10, 1],
          [2000, -1],
          [4999, 0.5],
        ]),
        1,
      );
      const sparse = spread.state();
      expect(sparse.dimension).toBe(5000);
      expect(Array.from(sparse.columns!)).toEqual([10, 2000, 4999]);
      for (const a of Object.values(sparse.arrays)) expect(a.length).toBe(3);
      const back = learnerFor(name, family, variants[0]);
      back.restore(viaBytes(sparse));
      expect(exact(back.state())).toEqual(exact(sparse));
      for (const j of [10, 2000, 4999]) expect(back.coefficient(j)).toBe(spread.coefficient(j));
      expect(s.arrays.pf).toBeDefined();
      const before = exact(s);
      vectors(4, 50, family).forEach((e) => l.learnOne(e.x, e.y));
      expect(exact(s)).toEqual(before);
      expect(learnerFor(name, family, variants[0]).state().arrays.pf).toBeUndefined();
    });

    it(`${family}: wrong learner, family, hyperparameters, penalty factors or lengths give StateErrors`, () => {
      const a = learnerFor(name, family, variants[1]);
      vectors(5, 100, family).forEach((e) => a.learnOne(e.x, e.y));
      const s = a.state();
      const other = learnerNames.find((n) => n !== name)!;
      const otherFamily = family === 'gaussian' ? 'binomial' : 'gaussian';
      const fails = (restore: () => void, message: RegExp) => {
        expect(restore).toThrow(StateError);
        expect(restore).toThrow(message);
      };
      fails(() => learnerFor(other, family, variants[1]).restore(s), /checkpoint is for learner/);
      fails(() => learnerFor(name, otherFamily, variants[1]).restore(s), /checkpoint is for learner/);
      fails(() => createLearner(name, family, 0.03, 0.6).restore(s), /lambda/);
      fails(
        () => learnerFor(name, family, { ...variants[1], penalty: [[3, 2.5]] }).restore(s),
        /penalty factor/,
      );
      const key = Object.keys(s.arrays)[0];
      const short: LearnerState = { ...s, arrays: { ...s.arrays, [key]: s.arrays[key].subarray(1) } };
      fails(() => learnerFor(name, family, variants[1]).restore(short), /entries, expected/);
      const plain = {
        ...s,
        arrays: { ...s.arrays, [key]: Array.from(s.arrays[key]) },
      } as unknown as LearnerState;
      fails(() => learnerFor(name, family, variants[1]).restore(plain), /not a Float64Array/);
      const spread = learnerFor(name, family, variants[0]);
      spread.learnOne(
        sparseOf([
          [10, 1],
          [2000, -1],
        ]),
        1,
      );
      const sparse = spread.state();
      const swapped: LearnerState = { ...sparse, columns: Int32Array.from([2000, 10]) };
      fails(() => learnerFor(name, family, variants[0]).restore(swapped), /not ascending/);
      const outside: LearnerState = { ...sparse, columns: Int32Array.from([10, 2001]) };
      fails(() => learnerFor(name, family, variants[0]).restore(outside), /not ascending within 0\.\.2000/);
    });
  }
});

/** Events with numbers, one-hots, names that are Object.prototype members, and unlabelled ones. */
function events(seed: number, n: number, family: 'gaussian' | 'binomial'): L1Event[] {
  const rng = new Rng(seed);
  const fields = ['age', 'income', '__proto__', 'constructor', 'toString', 'x5', 'x6'];
  return Array.from({ length: n }, () => {
    const entries: Array<[string, number | string]> = [];
    let eta = 0.2;
    fields.forEach((f, j) => {
      if (rng.next() < 0.5) {
        const v = Math.round(rng.normal() * 100) / 10 + j;
        entries.push([f, v]);
        eta += [0.4, -0.2, 0.3, 0, -0.5, 0, 0.1][j] * v;
      }
    });
    const country = ['DE', 'FR', 'hasOwnProperty', 'valueOf'][rng.int(4)];
    entries.push(['country', country]);
    if (country === 'DE') eta += 1;
    const features = Object.fromEntries(entries);
    if (rng.next() < 0.05) return { features };
    const label =
      family === 'gaussian'
        ? 50 + 10 * eta + rng.normal()
        : rng.next() < 1 / (1 + Math.exp(-eta / 3))
          ? 1
          : 0;
    return { features, label, weight: rng.next() < 0.1 ? 3 : 1 };
  });
}

function modelOptions(
  family: 'gaussian' | 'binomial',
  learner: LearnerName,
  hashed: boolean,
): OnlineModelOptions {
  return {
    family,
    learner,
    key: 'c7',
    lambda: 0.01,
    l1Ratio: 0.7,
    penaltyFactors: { age: 0, 'country=DE': 0.5, constructor: 2 },
    ...(hashed ? { hashBits: 10, hashSeed: 3 } : {}),
    clock: () => new Date('2026-11-30T00:00:00.000Z'),
  };
}

describe('OnlineModel checkpoints (format 2) through the codec', () => {
  for (const learner of learnerNames) {
    for (const family of families) {
      for (const hashed of [false, true]) {
        it(`${learner}, ${family}, hashing ${hashed ? 'on' : 'off'}: restored at random points, the run is the same`, () => {
          const stream = events(17, 1500, family);
          const options = modelOptions(family, learner, hashed);
          const rng = new Rng(learner.length + family.length * 7 + (hashed ? 1 : 0));
          // 40: inside the gaussian label warm-up (100 events); the others anywhere
          const splits = [0, 40, ...Array.from({ length: 3 }, () => rng.int(stream.length))];
          for (const split of splits) {
            const a = new OnlineModel(options);
            const snapshotsA: unknown[] = [];
            stream.slice(0, split).forEach((e, i) => {
              a.process(e);
              if (i % 300 === 299) snapshotsA.push(a.snapshot());
            });
            const bytes = a.encodeCheckpoint();
            const b = OnlineModel.decodeCheckpoint(options, bytes);
            expect(b.offset).toBe(a.offset);
            expect(b.scoredEvents).toBe(a.scoredEvents);
            for (const n of ['age', 'income', '__proto__']) expect(b.featureScale(n)).toBe(a.featureScale(n));
            expect(exact(b.metrics.summary())).toEqual(exact(a.metrics.summary()));
            const snapshotsB = snapshotsA.slice();
            stream.slice(split).forEach((e, k) => {
              expect(exact(b.process(e))).toEqual(exact(a.process(e)));
              if ((split + k) % 300 === 299) {
                snapshotsA.push(a.snapshot());
                snapshotsB.push(b.snapshot());
              }
            });
            expect(exact(b.metrics.summary())).toEqual(exact(a.metrics.summary()));
            expect(b.metrics.events).toBe(a.offset);
            expect([b.offset, b.scoredEvents]).toEqual([a.offset, a.scoredEvents]);
            expect(exact(snapshotsB)).toEqual(exact(snapshotsA));
            const last = b.snapshot() as { version: number };
            expect(last.version).toBe((a.snapshot() as { version: number }).version);
            const names = (m: OnlineModel) =>
              Array.from({ length: m.featurizer.dimension }, (_, j) => m.featurizer.nameOf(j)).filter(
                (n) => n[0] !== '#',
              );
            expect(names(b)).toEqual(names(a));
            expect(names(a)).toEqual(
              expect.arrayContaining(['__proto__', 'constructor', 'country=hasOwnProperty']),
            );
            expect(b.featureScale('income')).toBe(a.featureScale('income'));
            expect(exact(b.checkpoint())).toEqual(exact(a.checkpoint()));
          }
        });
      }
    }
  }

  it('taking a checkpoint during the label warm-up does not cut the warm-up short', () => {
    const stream = events(3, 300, 'gaussian');
    const options = modelOptions('gaussian', 'ftrl', false);
    const a = new OnlineModel(options);
    const b = new OnlineModel(options);
    stream.slice(0, 50).forEach((e) => {
      a.process(e);
      b.process(e);
    });
    const cp = b.checkpoint();
    expect(cp.learner).toBeNull();
    expect(cp.pending!.labels.length).toBeGreaterThan(40);
    for (const e of stream.slice(50)) expect(b.process(e).prediction).toBe(a.process(e).prediction);
  });

  it('keeps the version of the last online snapshot apart from the versions refits claimed', () => {
    const options = modelOptions('binomial', 'ftrl', false);
    const a = new OnlineModel(options);
    events(5, 50, 'binomial').forEach((e) => a.process(e));
    a.snapshot();
    a.claimVersion();
    const b = OnlineModel.decodeCheckpoint(options, a.encodeCheckpoint());
    expect([b.onlineVersion, b.currentVersion]).toEqual([1, 2]);
  });

  it('format 1, another family, learner, key, hashing, λ, penalty factors or standardize give StateErrors', () => {
    const options = modelOptions('binomial', 'ftrl', true);
    const a = new OnlineModel(options);
    events(5, 200, 'binomial').forEach((e) => a.process(e));
    const cp = a.checkpoint();
    const fails = (o: OnlineModelOptions, c: OnlineModelCheckpoint, message: RegExp) => {
      expect(() => OnlineModel.restore(o, c)).toThrow(StateError);
      expect(() => OnlineModel.restore(o, c)).toThrow(message);
    };
    const v1 = { ...cp, format: 1 } as unknown as OnlineModelCheckpoint;
    fails(options, v1, /format 1 has no metrics state/);
    fails({ ...options, family: 'gaussian' }, cp, /family binomial/);
    fails({ ...options, learner: 'fobos' }, cp, /learner ftrl/);
    fails({ ...options, key: 'c8' }, cp, /model key "c7"/);
    fails({ ...options, hashBits: 11 }, cp, /10 bits/);
    const { hashBits: _b, hashSeed: _s, ...exactOptions } = options;
    fails(exactOptions, cp, /hashing on/);
    fails({ ...options, lambda: 0.02 }, cp, /lambda/);
    fails({ ...options, penaltyFactors: { age: 0 } }, cp, /penalty factor/);
    // the default ("auto") against true and false: the coefficients are of another scaling
    for (const standardize of [true, false])
      fails(
        { ...options, standardize },
        cp,
        new RegExp(
          `^checkpoint was learned with standardize "auto", the configuration says ${standardize}: `,
        ),
      );
    fails(
      options,
      JSON.parse(JSON.stringify(cp)) as OnlineModelCheckpoint,
      /^checkpoint has lost its typed arrays and maps \(it went through JSON\?\): keep the bytes of encodeCheckpoint\(\)/,
    );
    // a checkpoint from before the field: not checked
    const { standardize: _z, ...older } = cp;
    expect(OnlineModel.restore({ ...options, standardize: true }, older).key).toBe('c7');
    expect(() => OnlineModel.decodeCheckpoint(options, a.encodeCheckpoint().subarray(0, 100))).toThrow(
      /checkpoint truncated: 100 of/,
    );
    const { key: _k, ...keyless } = options;
    expect(OnlineModel.restore(keyless, cp).key).toBe('c7');
  });
});

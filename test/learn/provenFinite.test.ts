import { describe, expect, it } from 'vitest';

import type { Family } from '../../src/core/event.js';
import { sparseOf, type SparseVector } from '../../src/core/sparse.js';
import { Fobos } from '../../src/learn/fobos.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import { UPDATE_FINITE, type LearnerState } from '../../src/learn/learner.js';
import type { ProximalSgd } from '../../src/learn/proximalSgd.js';
import { TruncatedGradient } from '../../src/learn/truncatedGradient.js';
import { Rng } from '../helpers/random.js';

/**
 * `checkUpdate` skips staging an update when `provenFinite` bounds it: the learner then updates in
 * place. Each learner is run beside a copy that always stages (`provenFinite` false), on the same
 * events: the answers, margins, states and non-zero weights must agree bit for bit, and the proof
 * must never pass an update that staging finds not finite.
 */
interface Probe {
  checkUpdate(x: SparseVector, y: number, weight?: number): number;
  learnChecked(): void;
  readonly checkedMargin: number;
  state(): LearnerState;
  forEachNonZero(fn: (index: number, value: number) => void): void;
  setPenaltyFactor(index: number, factor: number): void;
  /** How many updates `provenFinite` passed. */
  proven: number;
}

type Make = (family: Family, stagedOnly: boolean) => Probe;

/** The learner with `provenFinite` counted, or (`stagedOnly`) never holding: every update staged. */
function watch(learner: Ftrl | ProximalSgd, stagedOnly: boolean): Probe {
  const probe = learner as unknown as Probe & { provenFinite(g: number): boolean };
  const proof = probe.provenFinite.bind(learner);
  probe.proven = 0;
  probe.provenFinite = (g) => {
    const p = !stagedOnly && proof(g);
    if (p) probe.proven++;
    return p;
  };
  return probe;
}

const learners: Array<[string, (family: Family) => Ftrl | ProximalSgd]> = [
  ['ftrl', (family) => new Ftrl({ family, lambda: 0.01, l1Ratio: 0.7 })],
  ['ftrl (α = 2, β = 0.01)', (family) => new Ftrl({ family, lambda: 0.001, alpha: 2, beta: 0.01 })],
  ['fobos', (family) => new Fobos({ family, lambda: 0.01, l1Ratio: 0.7 })],
  [
    'fobos (constant rate)',
    (family) => new Fobos({ family, lambda: 0.01, rates: { schedule: 'constant', eta0: 0.5 } }),
  ],
  [
    'truncated-gradient (K = 3, θ = 2)',
    (family) => new TruncatedGradient({ family, lambda: 0.01, l1Ratio: 0.5, truncateEvery: 3, theta: 2 }),
  ],
];

/** 10^u for u uniform in [lo, hi], with a random sign when `signed`. */
function magnitude(rng: Rng, lo: number, hi: number, signed = true): number {
  const v = 10 ** (lo + (hi - lo) * rng.next());
  return signed && rng.next() < 0.5 ? -v : v;
}

/**
 * Ordinary events (values of order 1) mixed with extreme ones: values and labels from 1e-300 to
 * 1e200, most near where squares overflow (1e150 – 1e160), and weights from 1e-300 to 3 (a learner
 * scales an event's gradient by its weight over the mean weight so far, so one large weight
 * learned would make every later event's update tiny).
 */
function fuzzed(
  seed: number,
  n: number,
  family: Family,
): Array<{ x: SparseVector; y: number; weight: number }> {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const kind = rng.next();
    const value = () =>
      kind < 0.6
        ? rng.normal()
        : kind < 0.75
          ? magnitude(rng, -300, 200)
          : kind < 0.9
            ? magnitude(rng, 153, 154.5)
            : magnitude(rng, 0, 100);
    const pairs = new Map<number, number>();
    for (let k = 0; k < 1 + rng.int(6); k++) pairs.set(rng.int(40), value());
    const y = family === 'binomial' ? rng.int(2) : kind < 0.8 ? rng.normal() : magnitude(rng, 0, 200);
    const weight = kind < 0.8 || rng.next() < 0.5 ? 1 + rng.int(3) : magnitude(rng, -300, 0, false);
    return { x: sparseOf([...pairs]), y, weight };
  });
}

function nonZero(l: Probe): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  l.forEachNonZero((j, w) => out.push([j, w]));
  return out;
}

/** Feeds both learners the event; expects the same answer, margin and state; learns it if finite. */
function step(fast: Probe, staged: Probe, x: SparseVector, y: number, weight: number): number {
  const answer = staged.checkUpdate(x, y, weight);
  expect(fast.checkUpdate(x, y, weight)).toBe(answer);
  expect(Object.is(fast.checkedMargin, staged.checkedMargin)).toBe(true);
  if (answer === UPDATE_FINITE) {
    fast.learnChecked();
    staged.learnChecked();
  }
  return answer;
}

describe.each(learners)('provenFinite, the fast path of checkUpdate: %s', (_, create) => {
  const make: Make = (family, stagedOnly) => watch(create(family), stagedOnly);
  for (const family of ['gaussian', 'binomial'] as const) {
    it(`${family}: in place or staged, the same answers, margins, states and weights on fuzzed events`, () => {
      const fast = make(family, false);
      const staged = make(family, true);
      let learned = 0;
      let stagedFinite = 0;
      fuzzed(7, 1500, family).forEach(({ x, y, weight }, i) => {
        const before = fast.proven;
        if (step(fast, staged, x, y, weight) !== UPDATE_FINITE) return;
        learned++;
        if (fast.proven === before) stagedFinite++;
        // reads of the weights keep FTRL's candidates, which the in-place update lists
        if (i % 25 === 0) expect(nonZero(fast)).toEqual(nonZero(staged));
      });
      expect(fast.state()).toEqual(staged.state());
      expect(nonZero(fast)).toEqual(nonZero(staged));
      // both paths and both answers were taken
      expect(fast.proven).toBeGreaterThan(300);
      expect(learned).toBeLessThan(1500);
      if (family === 'binomial') expect(stagedFinite).toBeGreaterThan(5);
    });
  }

  it('with penalty factors (0, large, fractional), the same as staging', () => {
    const fast = make('gaussian', false);
    const staged = make('gaussian', true);
    for (const [j, f] of [
      [3, 0],
      [5, 1e300],
      [7, 0.25],
    ] as const) {
      fast.setPenaltyFactor(j, f);
      staged.setPenaltyFactor(j, f);
    }
    for (const { x, y, weight } of fuzzed(8, 800, 'gaussian')) step(fast, staged, x, y, weight);
    expect(fast.state()).toEqual(staged.state());
    expect(fast.proven).toBeGreaterThan(100);
  });

  it('at the edge of the bound: an event just inside is proven, one just outside is staged, both learn as staging does', () => {
    // a state with weights, sums of squares and z of all sizes
    const ordinary = fuzzed(9, 300, 'binomial').filter((_e, i) => i % 3 !== 0);
    const prepare = (stagedOnly: boolean) => {
      const l = make('binomial', stagedOnly);
      for (const { x, y, weight } of ordinary)
        if (l.checkUpdate(x, y, weight) === UPDATE_FINITE) l.learnChecked();
      return l;
    };
    const event = (v: number) =>
      sparseOf([
        [1, 0.5],
        [2, v],
        [3, -1],
      ]);
    // the label that a large value of column 2 gets wrong (a gradient of about 1, not 0)
    const probe = prepare(true);
    probe.checkUpdate(event(1e300), 0, 1);
    const y = probe.checkedMargin < 0 ? 1 : 0;
    // the largest value of column 2 the bound passes, found on the bits of positive doubles
    const bits = new Float64Array(1);
    const asInt = new BigInt64Array(bits.buffer);
    const proven = (v: number) => {
      const l = prepare(false);
      const before = l.proven;
      l.checkUpdate(event(v), y, 1);
      return l.proven > before;
    };
    let lo = ((bits[0] = 1), asInt[0]);
    let hi = ((bits[0] = 1e300), asInt[0]);
    const at = (i: bigint) => ((asInt[0] = i), bits[0]);
    expect(proven(at(lo))).toBe(true);
    expect(proven(at(hi))).toBe(false);
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (proven(at(mid))) lo = mid;
      else hi = mid;
    }
    for (const v of [at(lo - 1n), at(lo), at(hi), at(hi + 1n)]) {
      const fast = prepare(false);
      const staged = prepare(true);
      const before = fast.proven;
      const answer = step(fast, staged, event(v), y, 1);
      expect(fast.proven - before).toBe(v <= at(lo) ? 1 : 0);
      expect(fast.state()).toEqual(staged.state());
      expect(nonZero(fast)).toEqual(nonZero(staged));
      // the bound is conservative: just outside it, staging finds the update finite
      expect(answer).toBe(UPDATE_FINITE);
    }
  });
});

/** A learner restored to a state of two columns (dense arrays), the intercept at 0. */
function restored(
  learner: Ftrl | ProximalSgd,
  steps: number,
  arrays: Record<string, number[]>,
): Ftrl | ProximalSgd {
  const base = learner.state();
  learner.restore({
    ...base,
    steps,
    dimension: 2,
    columns: undefined,
    arrays: Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, Float64Array.from(v)])),
  });
  return learner;
}

const two = (x0: number, x1: number) =>
  sparseOf([
    [0, x0],
    [1, x1],
  ]);

/**
 * States and events where only one term of a bound overflows (the others stay finite): without
 * that term the proof would pass an update that is not finite.
 */
const edges: Array<[string, () => Ftrl | ProximalSgd, SparseVector, number]> = [
  [
    'ftrl: z_j near the largest double, its step finite (Σ|z|)',
    // w_0 = −z_0/10 = −1.7e307; the step 10·|g|·|w_0| with g = −0.1 is 1.7e307, finite
    () => restored(new Ftrl({ family: 'binomial', lambda: 1e-9 }), 1, { z: [1.7e308, 0], n: [0, 0] }),
    two(0.1, 0),
    1,
  ],
  [
    'ftrl: a weight of 1e299 and a small gradient (the σ·w term)',
    () => restored(new Ftrl({ family: 'gaussian', lambda: 1e-9 }), 1, { z: [1e300, 0], n: [0, 0] }),
    two(1e-145, 0),
    0,
  ],
  [
    'ftrl: n_j near the largest double (squaresBound, restored)',
    () => restored(new Ftrl({ family: 'binomial', lambda: 1e-9 }), 1, { z: [0, 0], n: [1.7e308, 0] }),
    two(2e154, 0),
    0,
  ],
  [
    'fobos: a rate of 1e300 times a gradient of 1e10 (rate·g)',
    () => new Fobos({ family: 'binomial', lambda: 1e-9, rates: { schedule: 'constant', eta0: 1e300 } }),
    two(1e10, 0),
    1,
  ],
  [
    'fobos: w_j near the largest double, its step finite (Σ|w|)',
    () =>
      restored(
        new Fobos({ family: 'gaussian', lambda: 1e-9, rates: { schedule: 'constant', eta0: 1e217 } }),
        1,
        {
          w: [1.79e308, 0],
          g2: [1, 0],
          last: [1, 0],
        },
      ),
    two(1e-110, 0),
    1e200,
  ],
  [
    'fobos: λ = 0 and a penalty factor of 1e300 (an infinite gravity)',
    () => {
      const l = new Fobos({ family: 'binomial', lambda: 0, rates: { schedule: 'constant', eta0: 1e10 } });
      l.setPenaltyFactor(0, 1e300);
      return l;
    },
    two(1, 0),
    1,
  ],
  [
    'truncated-gradient: Σg²_j near the largest double (squaresBound, restored)',
    () =>
      restored(new TruncatedGradient({ family: 'binomial', lambda: 1e-9 }), 1, {
        w: [0, 0],
        g2: [1.7e308, 0],
        last: [1, 0],
      }),
    two(2e154, 0),
    0,
  ],
];

describe('provenFinite: each term of the bound is needed', () => {
  it.each(edges)('%s', (what, create, x, y) => {
    const fast = watch(create(), false);
    const staged = watch(create(), true);
    const answer = step(fast, staged, x, y, 1);
    expect(answer).not.toBe(UPDATE_FINITE);
    expect(fast.proven).toBe(0);
    expect(fast.state()).toEqual(staged.state());
    // an ordinary event on the other column, learned as staging learns it (proven, but where a
    // penalty factor makes every gravity unbounded)
    expect(step(fast, staged, sparseOf([[1, 1]]), 1, 1)).toBe(UPDATE_FINITE);
    expect(fast.proven).toBe(/gravity/.test(what) ? 0 : 1);
    expect(fast.state()).toEqual(staged.state());
  });
});

import { describe, expect, it } from 'vitest';

import { StreamingAuc, aucOf } from '../../src/index.js';
import { sortScores } from '../../src/metrics/auc.js';

/** The definition: P(score of a positive > score of a negative), ties counting one half. */
function pairwiseAuc(scores: readonly number[], labels: readonly number[]): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] === 1) continue;
      pairs++;
      if (scores[i] > scores[j]) u += 1;
      else if (scores[i] === scores[j]) u += 0.5;
    }
  }
  return pairs === 0 ? NaN : u / pairs;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('aucOf', () => {
  it('matches the pairwise definition, with many ties and both signs of zero', () => {
    const rand = seeded(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rand() * 300);
      const levels = 1 + Math.floor(rand() * 12); // few distinct scores: lots of ties
      const scores: number[] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const level = Math.floor(rand() * levels) - levels / 2;
        scores.push(level === 0 && rand() < 0.5 ? -0 : level / 7);
        labels.push(rand() < 0.3 ? 1 : 0);
      }
      const got = aucOf(Float64Array.from(scores), Float64Array.from(labels));
      const want = pairwiseAuc(scores, labels);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(got).toBeCloseTo(want, 12);
    }
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, 1/2 when all scores tie', () => {
    const labels = Float64Array.from([0, 0, 1, 1]);
    expect(aucOf(Float64Array.from([0.1, 0.2, 0.8, 0.9]), labels)).toBe(1);
    expect(aucOf(Float64Array.from([0.9, 0.8, 0.2, 0.1]), labels)).toBe(0);
    expect(aucOf(Float64Array.from([0.5, 0.5, 0.5, 0.5]), labels)).toBe(0.5);
  });

  it('is NaN when a class is missing', () => {
    expect(aucOf(Float64Array.from([0.1, 0.2]), Float64Array.from([1, 1]))).toBeNaN();
    expect(aucOf(Float64Array.from([0.1, 0.2]), Float64Array.from([0, 0]))).toBeNaN();
    expect(aucOf(new Float64Array(0), new Float64Array(0))).toBeNaN();
  });

  it('streams: the same value as over the whole sample', () => {
    const rand = seeded(3);
    const auc = new StreamingAuc();
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const y = rand() < 0.4 ? 1 : 0;
      const s = Math.round((rand() + 0.3 * y) * 20) / 20;
      auc.update(s, y);
      scores.push(s);
      labels.push(y);
    }
    expect(auc.value()).toBeCloseTo(pairwiseAuc(scores, labels), 12);
  });
});

describe('StreamingAuc, incremental', () => {
  it.each([
    { capacity: 500, levels: 10 }, // many ties across merges
    { capacity: 40, levels: 0 }, // distinct scores; replaced before they were merged
  ])(
    'equals the AUC of its sample after every batch of updates ($capacity, $levels levels)',
    ({ capacity, levels }) => {
      const rand = seeded(11);
      const auc = new StreamingAuc(capacity, 5);
      // A twin that keeps the same reservoir (same seed) and recomputes from scratch each time.
      const twin = { scores: [] as number[], labels: [] as number[], seen: 0, rng: 5 };
      const twinRandom = () => {
        let x = twin.rng;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        twin.rng = x >>> 0;
        return twin.rng / 4294967296;
      };
      for (let round = 0; round < 60; round++) {
        const k = Math.floor(rand() * 80);
        for (let i = 0; i < k; i++) {
          const y = rand() < 0.35 ? 1 : 0;
          const raw = rand() + 0.25 * y;
          const s = levels > 0 ? Math.round(raw * levels) / levels : raw;
          auc.update(s, y);
          twin.seen++;
          if (twin.scores.length < capacity) {
            twin.scores.push(s);
            twin.labels.push(y);
          } else {
            const r = Math.floor(twinRandom() * twin.seen);
            if (r < capacity) {
              twin.scores[r] = s;
              twin.labels[r] = y;
            }
          }
        }
        const want = pairwiseAuc(twin.scores, twin.labels);
        if (Number.isNaN(want)) expect(auc.value()).toBeNaN();
        else expect(auc.value()).toBeCloseTo(want, 12);
        expect(auc.sampled).toBe(twin.scores.length);
      }
      expect(twin.seen).toBeGreaterThan(2 * capacity);
    },
  );
});

describe('StreamingAuc without incremental sorting (the engine-wide AUC)', () => {
  it('gives the incremental value at every read, before and after the reservoir is full, and from state', () => {
    const rand = seeded(13);
    const incremental = new StreamingAuc(500);
    const lazy = new StreamingAuc(500, 1, false);
    for (let i = 0; i < 4000; i++) {
      // ties and both signs of zero among the scores
      const score = rand() < 0.1 ? (rand() < 0.5 ? 0 : -0) : Math.round(rand() * 200) / 200;
      const label = rand() < score ? 1 : 0;
      incremental.update(score, label);
      lazy.update(score, label);
      if (i % 97 === 0 || i === 3999) expect(lazy.value()).toBe(incremental.value());
    }
    expect(lazy.state()).toEqual(incremental.state());
    const restored = StreamingAuc.fromState(lazy.state(), false);
    expect(restored.value()).toBe(incremental.value());
    const pairwise = incremental.state();
    expect(lazy.value()).toBe(pairwiseAuc([...pairwise.scores], [...pairwise.positive]));
  });
});

describe('sortScores (radix sort of the AUC queues)', () => {
  it('sorts as the native typed-array sort does: negatives, ±0, ±Infinity, subnormals, ties, NaN', () => {
    const rand = seeded(29);
    const special = [0, -0, 1, -1, Infinity, -Infinity, 5e-324, -5e-324, 0.5, -0.5, 1e300, -1e300];
    const kinds: Array<() => number> = [
      () => rand(),
      () => (rand() - 0.5) * 2e300,
      () => special[Math.floor(rand() * special.length)],
      () => Math.round(rand() * 20) / 10 - 1,
    ];
    for (const kind of kinds) {
      for (const n of [5, 2047, 2048, 5000, 32_767, 32_768, 70_000]) {
        const a = new Float64Array(n).map(kind);
        const want = a.slice().sort();
        const got = sortScores(a);
        expect(got).toBe(a);
        expect(Array.from(got, (v) => Object.is(v, -0))).toEqual(Array.from(want, (v) => Object.is(v, -0)));
        expect(got).toEqual(want);
      }
    }
    const withNaN = new Float64Array(40_000).map(() => rand());
    withNaN[17] = NaN;
    expect(sortScores(withNaN.slice())).toEqual(withNaN.slice().sort());
    // a view that does not start at its buffer's start
    const whole = new Float64Array(50_000).map(() => rand() - 0.5);
    const view = whole.subarray(1000, 41_000);
    const want = view.slice().sort();
    sortScores(view);
    expect(view).toEqual(want);
  });
});

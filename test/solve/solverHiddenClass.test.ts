import { setFlagsFromString } from 'node:v8';

import { describe, expect, it } from 'vitest';

import { SparseDesign } from '../../src/solve/design.js';
import { Engine } from '../../src/solve/engine.js';
import { prepareProblem } from '../../src/solve/problem.js';

/**
 * A field that starts as a small integer and later holds a double gives its object a new hidden
 * class (V8 "map"): every optimized function that checked the old one is deoptimized ("wrong map":
 * the refit worker's fullGradient, exactViolation, kktViolation, rawViolation, binomialObjective
 * and refreshSums after the first solve's intercept, residual shift and weight sums, issue 14).
 * An object keeps the map of one made fresh when no field of it changed representation.
 */
setFlagsFromString('--allow-natives-syntax');
// %HaveSameMap only parses in code compiled after the flag is set
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** A sparse binomial problem: 400 rows, 60 indicator columns, 6 per row, labels from 5 of them. */
function problem() {
  let s = 11;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const rows: number[] = [];
  const cols: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) {
    let eta = -0.3;
    const seen = new Set<number>();
    while (seen.size < 6) seen.add(Math.floor(u() * u() * 60));
    for (const j of seen) {
      rows.push(i);
      cols.push(j);
      if (j < 5) eta += j % 2 === 0 ? 1.1 : -0.9;
    }
    y.push(u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0);
  }
  const x = SparseDesign.fromTriplets(
    400,
    60,
    rows,
    cols,
    rows.map(() => 1),
  );
  return prepareProblem(x, y, { family: 'binomial' });
}

interface Insides {
  readonly st: object;
  readonly binomial: { readonly probe: object };
}

describe('the binomial solver keeps its hidden classes through a solve', () => {
  it('its state (intercept, residual shift, weight sums), its solver and KKT probe', () => {
    const pr = problem();
    const fresh = new Engine(pr) as unknown as Insides;
    const engine = new Engine(pr);
    const outcome = engine.solve(0.01);
    expect(outcome.passes).toBeGreaterThan(0);
    expect(engine.b0).not.toBe(Math.trunc(engine.b0));
    const used = engine as unknown as Insides;
    expect(sameMap(fresh.st, used.st)).toBe(true);
    expect(sameMap(fresh.binomial, used.binomial)).toBe(true);
    expect(sameMap(fresh.binomial.probe, used.binomial.probe)).toBe(true);
    engine.release();
    (fresh as unknown as Engine).release();
  });
});

import { describe, expect, it } from 'vitest';

import { FlatMoves } from '../../src/solve/flatMoves.js';
import { prepareProblem } from '../../src/solve/problem.js';
import { CdState } from '../../src/solve/state.js';
import { sparseFromRows } from '../helpers/designs.js';

/**
 * Flat moves search for directions that leave η unchanged at every Newton step of a sparse
 * binomial fit. Where the design has none, the searches are pure cost (a 20k × 2,000 sparse path
 * made 249 of them, found nothing, and spent about a fifth of its time there): after three fruitless
 * searches in a row each further one skips twice as many calls as the last, and a move resets that.
 */
describe('flat moves back off where they find nothing', () => {
  // columns 0 and 1 are equal (rows 0 and 1), so with opposite signs the penalty falls along
  // (1, −1) while the loss stays flat; column 2 (rows 2–4) has no partner
  const rows = [
    [1, 1, 0],
    [2, 2, 0],
    [0, 0, 1],
    [0, 0, 2],
    [0, 0, 1.5],
    [0, 0, 0],
  ];
  const y = [1, 0, 1, 0, 1, 0];
  const lambda = 0.01;

  function state(beta: number[]): { st: CdState; flat: FlatMoves } {
    const problem = prepareProblem(sparseFromRows(rows), y, {
      family: 'binomial',
      standardize: false,
      wasm: false,
    });
    const st = new CdState(problem);
    st.setPoint(0, Float64Array.from(beta));
    st.computeEta();
    return { st, flat: new FlatMoves(st) };
  }

  it('searches on calls 1–4, 6, 10 and 18 of 20 that find nothing, leaving the point as it is', () => {
    const { st, flat } = state([0, 0, 0.5]);
    const seeds = Int32Array.of(2);
    const searched: number[] = [];
    for (let call = 1; call <= 20; call++) {
      const before = flat.searches;
      const obj = st.binomialObjective(lambda);
      expect(flat.move(lambda, seeds, 1, obj)).toBe(obj);
      if (flat.searches > before) searched.push(call);
    }
    expect(searched).toEqual([1, 2, 3, 4, 6, 10, 18]);
    expect(flat.moves).toBe(0);
    expect(Array.from(st.beta)).toEqual([0, 0, 0.5]);
  });

  it('a move still comes at the next search, and resets the back-off', () => {
    const { st, flat } = state([0.4, -0.3, 0.5]);
    const idle = Int32Array.of(2);
    for (let call = 1; call <= 5; call++) flat.move(lambda, idle, 1, st.binomialObjective(lambda));
    expect(flat.searches).toBe(4); // the fifth call was skipped
    // now the two equal columns seed the search: the next search moves along (1, −1) until the
    // smaller coefficient is zero, with η unchanged
    const both = Int32Array.of(0, 1);
    const etaBefore = Float64Array.from(st.eta);
    let calls = 0;
    while (flat.moves === 0 && calls < 10) {
      flat.move(lambda, both, 2, st.binomialObjective(lambda));
      calls++;
    }
    expect(flat.moves).toBe(1);
    expect(calls).toBe(1); // the sixth call searches (the fifth used up the skip)
    expect(st.beta[1]).toBe(0);
    expect(st.beta[0]).toBeCloseTo(0.1, 12);
    for (let i = 0; i < st.n; i++) expect(st.eta[i]).toBeCloseTo(etaBefore[i]!, 12);
    // the move reset the count: the next three calls all search
    const searches = flat.searches;
    for (let call = 0; call < 3; call++) flat.move(lambda, idle, 1, st.binomialObjective(lambda));
    expect(flat.searches).toBe(searches + 3);
  });
});

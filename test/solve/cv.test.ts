import { describe, expect, it } from 'vitest';

import { assignFolds, crossValidate } from '../../src/solve/cv.js';
import { DenseDesign } from '../../src/solve/design.js';
import { glmnetFixture } from '../helpers/glmnetFixture.js';

const fixture = glmnetFixture();

describe('cross-validation against cv.glmnet (same folds, same λ)', () => {
  it.each(fixture.cv)('$name: cvm, cvsd, λ_min and λ_1se', (cs) => {
    const data = fixture.datasets[cs.dataset]!;
    const res = crossValidate(DenseDesign.fromRows(data.x), data.y, {
      family: cs.family,
      lambdas: cs.lambdas,
      foldIds: cs.foldIds,
    });
    expect(res.folds).toBe(5);
    cs.reference.cvm.forEach((m, l) => {
      expect(Math.abs(res.cvm[l]! - m) / m).toBeLessThan(1e-6);
      expect(Math.abs(res.cvsd[l]! - cs.reference.cvsd[l]!) / cs.reference.cvsd[l]!).toBeLessThan(1e-4);
    });
    expect(res.lambdaMin).toBeCloseTo(cs.reference.lambdaMin, 12);
    expect(res.lambda1se).toBeCloseTo(cs.reference.lambda1se, 12);
  });
});

describe('seeded folds', () => {
  it('are balanced, cover every row and repeat for a seed', () => {
    const a = assignFolds(103, 10, 7);
    const b = assignFolds(103, 10, 7);
    const c = assignFolds(103, 10, 8);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const counts = new Array<number>(10).fill(0);
    for (const f of a) counts[f]!++;
    expect(Math.min(...counts)).toBe(10);
    expect(Math.max(...counts)).toBe(11);
  });
});

import { describe, expect, it } from 'vitest';

import { assignFolds } from '../../src/solve/cv.js';
import { DenseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { solvePath } from '../../src/solve/path.js';
import { glmnetFixture } from '../helpers/glmnetFixture.js';

const fixture = glmnetFixture();

// Breast cancer (569 × 30): radius, perimeter and area columns are nearly collinear, and at the
// small-λ end of the path some training folds are nearly separable. Coordinate descent then needs
// tens of thousands of sweeps per λ (5-fold CV with seed 1 hit the 100,000-sweep limit in folds 0
// and 3); the Newton finish must take over instead of giving up when the support still moves.
describe('binomial paths on collinear, nearly separable folds', () => {
  const data = fixture.datasets['cancer']!;
  const full = DenseDesign.fromRows(data.x);
  const lambdas = solvePath(full, data.y, { family: 'binomial' }).fits.map((f) => f.lambda);
  const foldIds = assignFolds(data.y.length, 5, 1);

  it.each([0, 3])('fold %i of 5: every λ converges within 5,000 sweeps, to KKT 1e-9', (fold) => {
    const rows = data.x.filter((_, i) => foldIds[i] !== fold);
    const y = data.y.filter((_, i) => foldIds[i] !== fold);
    const x = DenseDesign.fromRows(rows);
    const path = solvePath(x, y, { family: 'binomial', lambdas, maxPasses: 5000 });
    expect(path.fits).toHaveLength(lambdas.length);
    for (const fit of path.fits) {
      expect(fit.converged, `λ = ${fit.lambda}: ${fit.reason}`).toBe(true);
      const kkt = checkKkt(x, y, fit, fit.lambda, { family: 'binomial' });
      expect(kkt.maxViolation, `λ = ${fit.lambda}`).toBeLessThan(1e-9);
      expect(kkt.interceptResidual).toBeLessThan(1e-9);
    }
  });
});

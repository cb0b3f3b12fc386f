import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DenseDesign } from '../../src/solve/design.js';
import { solvePath } from '../../src/solve/path.js';

/**
 * solvePath stops its default path where glmnet does (scripts/fixtures/solve/glmnet_path_length.R):
 * when the deviance ratio passes 0.999, or gains less than 1e-5 from one λ to the next: relative
 * to it for gaussian, absolute for binomial (glmnetpp's elnet_path/gaussian_base.hpp and
 * binomial_base.hpp). The relative rule on binomial paths went on for 2 to 12 more λ.
 */
interface Fixture {
  readonly glmnet: string;
  readonly data: ReadonlyArray<{ readonly x: number[][]; readonly y: number[] }>;
  readonly cases: ReadonlyArray<{
    readonly family: 'gaussian' | 'binomial';
    readonly seed: number;
    readonly standardize: boolean;
    readonly data: number;
    readonly lambdas: number;
    readonly lambdaMax: number;
    readonly devRatio: number[];
  }>;
}

const fixture = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../fixtures/solve/glmnet-path-length.json'), 'utf8'),
) as Fixture;

describe(`the default path stops where glmnet ${fixture.glmnet}'s does`, () => {
  for (const c of fixture.cases) {
    it(`${c.family}, seed ${c.seed}, standardize ${c.standardize}: ${c.lambdas} λ`, () => {
      const d = fixture.data[c.data]!;
      const path = solvePath(DenseDesign.fromRows(d.x), d.y, {
        family: c.family,
        standardize: c.standardize,
      });
      expect(path.lambdaMax).toBeCloseTo(c.lambdaMax, 10);
      expect(path.fits.length).toBe(c.lambdas);
      expect(path.stoppedEarly?.reason).toBe('flat');
      // the same deviance ratios along the way (glmnet at thresh 1e-14)
      path.fits.forEach((f, k) => expect(f.devianceRatio).toBeCloseTo(c.devRatio[k]!, 8));
    });
  }
});

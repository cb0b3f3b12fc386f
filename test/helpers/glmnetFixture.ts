/** The solver's fixtures (test/fixtures/solve/, made by scripts/fixtures/solve/). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Family } from '../../src/core/event.js';

/** glmnet's fits (R, thresh = 1e-14) and cv.glmnet's curves on scikit-learn's public data sets. */
export interface GlmnetFixture {
  readonly datasets: Record<string, { x: number[][]; y: number[]; names: string[] }>;
  readonly cases: ReadonlyArray<{
    name: string;
    dataset: string;
    family: Family;
    standardize: boolean;
    l1Ratio: number;
    weights?: number[];
    penaltyFactors?: number[];
    lambdaMax: number;
    fits: ReadonlyArray<{ lambda: number; intercept: number; coefficients: number[] }>;
  }>;
  readonly cv: ReadonlyArray<{
    name: string;
    dataset: string;
    family: Family;
    foldIds: number[];
    lambdas: number[];
    reference: { lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number };
  }>;
}

/** The parsed `test/fixtures/solve/<name>`. */
export function readSolveFixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`../fixtures/solve/${name}`, import.meta.url)), 'utf8'),
  ) as T;
}

/** `glmnet.json` */
export function glmnetFixture(): GlmnetFixture {
  return readSolveFixture<GlmnetFixture>('glmnet.json');
}

import { Rng } from './random.js';

/**
 * Seeded i.i.d. streams with a planted sparse model, shared by the learner tests and by the
 * fixture script that computes their batch optimum with scikit-learn
 * (scripts/fixtures/learn/batch_optimum.py).
 */
export interface PlantedStream {
  readonly family: 'gaussian' | 'binomial';
  readonly p: number;
  readonly beta: readonly number[];
  readonly intercept: number;
  readonly rows: ReadonlyArray<{ readonly features: Record<string, number>; readonly label: number }>;
}

export function plantedStream(
  family: 'gaussian' | 'binomial',
  seed: number,
  n: number,
  p = 20,
): PlantedStream {
  const rng = new Rng(seed);
  const beta = Array.from({ length: p }, (_, j) => [1.5, -1, 0.8, -0.6, 0.4][j] ?? 0);
  const intercept = family === 'gaussian' ? 3 : -0.5;
  const scales = Array.from({ length: p }, (_, j) => [1, 2, 0.5, 5, 1][j % 5]);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number> = {};
    let eta = intercept;
    for (let j = 0; j < p; j++) {
      if (rng.next() < 0.4) {
        const v = Math.round((1 + rng.normal()) * scales[j] * 1e6) / 1e6;
        if (v !== 0) {
          features[`x${j}`] = v;
          eta += (beta[j] / scales[j]) * v;
        }
      }
    }
    const label =
      family === 'gaussian'
        ? Math.round((eta + rng.normal()) * 1e9) / 1e9
        : rng.next() < 1 / (1 + Math.exp(-eta))
          ? 1
          : 0;
    rows.push({ features, label });
  }
  return { family, p, beta: beta.map((b, j) => b / scales[j]), intercept, rows };
}

import { writeFileSync } from 'node:fs';

/** Writes a gaussian `fit`-style snapshot with these coefficients to `path` (for `score --model`). */
export function writeBatchModel(path: string, coefficients: Record<string, number>, intercept = 0): string {
  const snapshot = {
    key: 'm',
    version: 1,
    offset: 100,
    source: 'batch',
    family: 'gaussian',
    learner: 'coordinate-descent',
    lambda: 0.01,
    l1Ratio: 1,
    intercept,
    coefficients,
    createdAt: '2026-12-02T00:00:00Z',
  };
  writeFileSync(path, JSON.stringify(snapshot));
  return path;
}

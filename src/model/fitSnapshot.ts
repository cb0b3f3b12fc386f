import type { Family } from '../core/event.js';
import type { TrainingData } from '../solve/input.js';
import type { LambdaFit } from '../solve/solve.js';
import type { ModelSnapshot } from './snapshot.js';

/** The snapshot record (docs/outputs.md) of one batch fit: `source: "batch"`. */
export function snapshotOf(
  fit: LambdaFit,
  data: TrainingData,
  meta: {
    key: string;
    version: number;
    family: Family;
    l1Ratio: number;
    extra?: Record<string, number | string | boolean | null>;
  },
): ModelSnapshot {
  // names are data: a null-prototype record keeps `__proto__` and friends as plain entries
  const coefficients = Object.create(null) as Record<string, number>;
  fit.coefficients.forEach((c, j) => {
    if (c !== 0) coefficients[data.names[j]!] = c;
  });
  return {
    key: meta.key,
    version: meta.version,
    offset: data.x.rows,
    source: 'batch',
    family: meta.family,
    learner: 'coordinate-descent',
    lambda: fit.lambda,
    l1Ratio: meta.l1Ratio,
    intercept: fit.intercept,
    coefficients,
    metrics: {
      // the same names as the online and refit snapshots' metrics for the same things
      events: data.x.rows,
      deviance: fit.deviance,
      devianceRatio: fit.devianceRatio,
      objective: fit.objective,
      nonZero: fit.nonzero,
      features: data.names.length,
      passes: fit.passes,
      newtonIterations: fit.outerIterations,
      converged: fit.converged,
      // JSON lines skipped as not valid events (absent when none was)
      ...(data.rejected ? { rejected: data.rejected } : {}),
      ...(meta.extra ?? {}),
    },
    createdAt: new Date().toISOString(),
  };
}

import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { Engine } from '../../src/engine/engine.js';
import { readEventsDesign } from '../../src/solve/events.js';
import { solveAt } from '../../src/solve/solve.js';
import { engineConfig } from '../engine/helpers.js';
import { MemorySink, memorySource } from '../engine/memoryPorts.js';

/** Seeded events: 8 numeric features (3 informative), a 4-level field, some weights. */
function events(seed: number, n: number, family: 'gaussian' | 'binomial'): L1Event[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: L1Event[] = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number | string> = {};
    for (let j = 0; j < 8; j++) if (u() < 0.7) features[`x${j}`] = Math.round((u() * 4 - 2) * 1000) / 1000;
    features.plan = ['basic', 'pro', 'team', 'free'][Math.floor(u() * 4)];
    const eta =
      1.5 * Number(features.x0 ?? 0) -
      Number(features.x1 ?? 0) +
      0.5 * Number(features.x2 ?? 0) +
      (features.plan === 'pro' ? 0.8 : 0);
    const label = family === 'gaussian' ? 10 + 3 * eta + (u() - 0.5) : u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push({ label, ...(i % 7 === 3 ? { weight: 2 } : {}), features });
  }
  return out;
}

describe('refits in the stream (DESIGN §7)', () => {
  for (const family of ['gaussian', 'binomial'] as const) {
    for (const standardize of [true, false, 'auto'] as const) {
      it(`${family}, standardize ${standardize}: each refit equals a batch fit on its window's events, and is certified`, async () => {
        const stream = events(family === 'gaussian' ? 11 : 12, 1500, family);
        const lambda = family === 'gaussian' ? 0.02 : 0.005;
        const config = engineConfig({
          model: { family, lambda, l1Ratio: family === 'gaussian' ? 0.8 : 1, standardize, labelWarmup: 50 },
          refit: { everyEvents: 400, window: 300, threads: 0, tolerance: 1e-10 },
          snapshots: { everyEvents: 'Infinity', everySeconds: 'Infinity' },
        });
        const sink = new MemorySink();
        await new Engine(config, { source: memorySource(stream, 100), sink }).run();
        const refits = sink.models.filter((m) => m.source === 'refit');
        expect(refits.map((r) => r.window)).toEqual([
          { first: 101, last: 400, events: 300 },
          { first: 501, last: 800, events: 300 },
          { first: 901, last: 1200, events: 300 },
        ]);
        for (const refit of refits) {
          const w = refit.window!;
          const text = stream
            .slice(w.first - 1, w.last)
            .map((e) => JSON.stringify(e))
            .join('\n');
          const data = readEventsDesign(text, family);
          const reference = solveAt(data.x, data.y, {
            family,
            lambda,
            l1Ratio: config.model.l1Ratio,
            standardize,
            weights: data.weights,
          });
          const metrics = refit.metrics!;
          expect(metrics.converged).toBe(true);
          expect(
            Math.abs((metrics.objective as number) - reference.objective) / reference.objective,
          ).toBeLessThan(1e-9);
          expect(metrics.kktMaxViolation as number).toBeLessThan(1e-6);
          const support = data.names.filter((_, j) => reference.coefficients[j] !== 0).sort();
          // The four plan levels sum to the (unpenalized) intercept's column: the optimum is unique in
          // their contrasts only (a common shift moves to the intercept), so compare those.
          const numeric = (names: string[]) => names.filter((n) => !n.startsWith('plan=')).sort();
          expect(numeric(Object.keys(refit.coefficients))).toEqual(numeric(support));
          const ref = (name: string) => {
            const j = data.names.indexOf(name);
            return j < 0 ? 0 : reference.coefficients[j];
          };
          for (const name of numeric(support)) expect(refit.coefficients[name]).toBeCloseTo(ref(name), 6);
          const levels = ['plan=basic', 'plan=pro', 'plan=team', 'plan=free'];
          const mine = (name: string) => refit.coefficients[name] ?? 0;
          for (const level of levels.slice(1))
            expect(mine(level) - mine('plan=basic')).toBeCloseTo(ref(level) - ref('plan=basic'), 6);
          const shift = mine('plan=basic') - ref('plan=basic');
          expect(refit.intercept + shift).toBeCloseTo(reference.intercept, 6);
          expect(['online', 'refit']).toContain(metrics.warmStart);
        }
      });
    }
  }
});

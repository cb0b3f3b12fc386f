/**
 * A model evicted while its refit ran, and restored before it finished: the refit's window's level
 * gauge (not state) comes from the model that started the refit, so the drift checks judge its
 * levels centred, as they would have without the eviction.
 */
import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { LiveModel } from '../../src/model/liveModel.js';
import { solveRefitJob } from '../../src/refit/job.js';
import { engineConfig, learnBatch } from './helpers.js';

/** Binomial events: a text field `plan` with one of 4 levels in every event, and x0. */
function events(n: number): L1Event[] {
  let s = 7;
  const u = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const effects = [1, 0.3, -0.3, -1];
  return Array.from({ length: n }, () => {
    const level = Math.floor(u() * 4);
    const x0 = u() * 2 - 1;
    const eta = -0.2 + effects[level]! + 0.8 * x0;
    return { label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features: { plan: 'abcd'[level]!, x0 } };
  });
}

describe('a refit accepted by a model restored while it ran', () => {
  it("centres the refit's levels as the model that started it would", () => {
    const config = engineConfig({ model: { family: 'binomial' }, refit: { window: 3000 } });
    const context = { config, clock: () => new Date('2026-11-30T00:00:00Z'), now: () => 0 };
    const started = new LiveModel('k', context);
    learnBatch(started, events(3000));
    const job = started.refitJob()!;
    // evicted: its checkpoint restored as a new model of the key before the refit finishes
    const restored = LiveModel.fromCheckpoint('k', context, started.checkpoint());
    const outcome = solveRefitJob(job);
    const levels = ['plan=a', 'plan=b', 'plan=c', 'plan=d'];
    const named = (c: Readonly<Record<string, number>>): number[] =>
      levels.map((l) => (Object.hasOwn(c, l) ? c[l]! : 0));
    const own = started.acceptRefit(outcome, 1);
    const expected = named(started.driftSnapshot(own).coefficients);
    // centring moves the levels from the refit's own split
    expect(expected).not.toEqual(named(own.coefficients));
    const taken = restored.acceptRefit(outcome, 1, started);
    expect(named(restored.driftSnapshot(taken).coefficients)).toEqual(expected);
  });
});

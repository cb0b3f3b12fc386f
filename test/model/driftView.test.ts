import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { DriftMonitor } from '../../src/drift/driftMonitor.js';
import type { Alert } from '../../src/model/snapshot.js';
import { OnlineModel, type OnlineModelOptions } from '../../src/model/onlineModel.js';
import { fixedClock } from '../drift/helpers.js';
import { Rng } from '../helpers/random.js';

/**
 * Planted columns whose effects change twice (signs flip, some shrink into the hysteresis band
 * between `exit` and `enter`, one appears), among 400 rare ids that FOBOS leaves at small non-zero
 * values; `__proto__` and `constructor` are planted names. With `clash`, a numeric column is named
 * like a one-hot level ("site=a"), so two columns share a name (its sign flips in the last phase).
 */
function events(n: number, seed: number, clash: boolean): L1Event[] {
  const rng = new Rng(seed);
  const phases = [
    { __proto__: 1.5, constructor: -1.2, p2: 1.0, p3: 0.9, p4: 0 },
    { __proto__: -1.5, constructor: -1.2, p2: 0.06, p3: 0.9, p4: 1.1 },
    { __proto__: -1.5, constructor: 1.2, p2: 0.06, p3: 0.04, p4: 1.1 },
  ];
  const out: L1Event[] = [];
  for (let i = 0; i < n; i++) {
    const effects = phases[Math.min(2, Math.floor((3 * i) / n))];
    const features = new Map<string, number | string>();
    let eta = -0.3;
    for (const [name, beta] of Object.entries(effects)) {
      const x = rng.normal();
      features.set(name, x);
      eta += beta * x;
    }
    for (let k = 0; k < 12; k++) features.set(`id${rng.int(400)}`, 1);
    features.set('site', rng.next() < 0.5 ? 'a' : 'b');
    if (clash) {
      const x = rng.normal();
      features.set('site=a', x);
      eta += (effects.constructor > 0 ? -1 : 1) * x;
    }
    const label = rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push({ label, features: Object.fromEntries(features) });
  }
  return out;
}

/** Runs one model, checking it every `every` events with `view()` and with `driftView`. */
function compare(options: OnlineModelOptions, stream: readonly L1Event[], every: number) {
  const model = new OnlineModel(options);
  const monitor = () =>
    new DriftMonitor({ family: 'binomial', clock: fixedClock, scaleOf: (n) => model.featureScale(n) });
  const full = monitor();
  const reduced = monitor();
  const alerts: { full: Alert[]; reduced: Alert[] } = { full: [], reduced: [] };
  let fewer = 0;
  for (let i = 0; i < stream.length; i++) {
    model.process(stream[i]);
    if ((i + 1) % every !== 0) continue;
    const view = model.view();
    const small = model.driftView(reduced.materialFilter()!);
    if (small.count < Object.keys(view.coefficients).length) fewer++;
    alerts.full.push(...full.onSnapshot(view));
    alerts.reduced.push(...reduced.onSnapshot(small));
    expect(reduced.state()).toEqual(full.state());
  }
  return { alerts, fewer, checks: Math.floor(stream.length / every) };
}

describe('OnlineModel.driftView', () => {
  const base = { family: 'binomial', learner: 'fobos', lambda: 2e-4, clock: fixedClock } as const;

  it.each(['auto', true, false] as const)(
    'raises the alerts view() raises, from far fewer coefficients (standardize %s)',
    (standardize) => {
      const { alerts, fewer, checks } = compare({ ...base, standardize }, events(24_000, 7, false), 400);
      expect(alerts.reduced).toEqual(alerts.full);
      const types = new Set(alerts.full.map((a) => a.type));
      expect(types).toContain('support-drift');
      expect(types).toContain('sign-flip');
      expect(fewer).toBeGreaterThan(checks / 2);
    },
  );

  it('gives the whole view when two columns share a name', () => {
    const { alerts, fewer } = compare({ ...base, standardize: 'auto' }, events(12_000, 8, true), 400);
    expect(alerts.reduced).toEqual(alerts.full);
    expect(alerts.full.length).toBeGreaterThan(0);
    expect(fewer).toBe(0);
  });
});

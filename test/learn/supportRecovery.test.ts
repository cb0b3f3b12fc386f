import { describe, expect, it } from 'vitest';

import { adClicks, truth } from '../../examples/ad-clicks/generate.js';
import type { L1Event } from '../../src/core/event.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { plantedStream } from '../helpers/streams.js';

type LearnerName = 'ftrl' | 'fobos' | 'truncated-gradient';

/** Two-pass population sd of each named feature over the events (absent = 0). */
function sds(events: readonly L1Event[], model: OnlineModel): Map<string, number> {
  const sum = new Map<string, number>();
  const sq = new Map<string, number>();
  for (const e of events) {
    for (const [k, v] of Object.entries(e.features)) {
      const items: Array<[string, number]> =
        typeof v === 'number'
          ? [[k, v]]
          : typeof v === 'boolean'
            ? [[k, v ? 1 : 0]]
            : Array.isArray(v)
              ? v.map((s) => [`${k}=${s}`, 1])
              : [[`${k}=${String(v)}`, 1]];
      for (const [name, x] of items) {
        sum.set(name, (sum.get(name) ?? 0) + x);
        sq.set(name, (sq.get(name) ?? 0) + x * x);
      }
    }
  }
  void model;
  const n = events.length;
  return new Map([...sum].map(([k, s]) => [k, Math.sqrt(Math.max(0, (sq.get(k) ?? 0) / n - (s / n) ** 2))]));
}

function check(
  learner: LearnerName,
  family: 'gaussian' | 'binomial',
  events: readonly L1Event[],
  planted: Record<string, number>,
) {
  const model = new OnlineModel({ family, learner }); // default settings
  for (const e of events) model.process(e);
  const snap = model.snapshot();
  for (const [name, b] of Object.entries(planted)) {
    expect(Math.sign(snap.coefficients[name] ?? 0), `${learner}: ${name}`).toBe(Math.sign(b));
  }
  const sd = sds(events, model);
  const spurious = Object.entries(snap.coefficients).filter(([k]) => !(k in planted));
  // "Material" = a standardized coefficient |β_j|·sd_j of at least 0.05.
  const material = spurious.filter(([k, b]) => Math.abs(b) * (sd.get(k) ?? 0) >= 0.05);
  return {
    spurious: spurious.length,
    material: material.length,
    nonZero: Object.keys(snap.coefficients).length,
  };
}

describe('with default settings each learner recovers a planted sparse support', () => {
  for (const family of ['gaussian', 'binomial'] as const) {
    const s = plantedStream(family, 21, 100_000, 50);
    const events = s.rows;
    const planted = Object.fromEntries(
      s.beta.map((b, j) => [`x${j}`, b] as const).filter(([, b]) => b !== 0),
    );
    for (const learner of ['ftrl', 'fobos', 'truncated-gradient'] as const) {
      it(`${learner}, seeded ${family} stream (5 true of 50 features, 100k events)`, () => {
        const r = check(learner, family, events, planted);
        if (learner === 'ftrl') expect(r.spurious).toBeLessThanOrEqual(2);
        expect(r.material).toBeLessThanOrEqual(2);
      });
    }
  }

  const ad = Array.from(adClicks(42, 200_000));
  for (const learner of ['ftrl', 'fobos', 'truncated-gradient'] as const) {
    it(`${learner}, seeded ad-click stream (7 true of ~520 features, 200k events)`, () => {
      const r = check(learner, 'binomial', ad, truth as Record<string, number>);
      if (learner === 'ftrl') expect(r.spurious).toBeLessThanOrEqual(5);
      // One-hot levels of a planted field (ad_position=side, ...) may share its effect with the intercept.
      expect(r.material).toBeLessThanOrEqual(6);
    });
  }
});

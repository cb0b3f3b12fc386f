import { describe, expect, it } from 'vitest';

import { NumericError } from '../../src/core/errors.js';
import type { Family, L1Event } from '../../src/core/event.js';
import { learnerNames } from '../../src/learn/factory.js';
import { OnlineModel, type OnlineModelOptions } from '../../src/model/onlineModel.js';
import type { Standardize } from '../../src/solve/problem.js';
import { Rng } from '../helpers/random.js';

const clock = () => new Date(0);

/** Three numeric columns (one of them rare) and a category; gaussian or 0/1 labels. */
function events(family: Family, n: number, seed: number): L1Event[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const features: Record<string, number | string> = {
      a: 2 + rng.normal(),
      b: 10 * rng.next(),
      site: `s${rng.int(3)}`,
    };
    if (rng.next() < 0.2) features.c = rng.normal();
    const eta = 0.8 * (Number(features.a) - 2) - 0.1 * Number(features.b) + 0.3 * rng.normal();
    const label = family === 'gaussian' ? eta : rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    return { label, features };
  });
}

/** The stream with `bad` at position `at`, learned by a model; and the stream without it by another. */
function both(options: OnlineModelOptions, stream: L1Event[], at: number, bad: L1Event) {
  const withBad = new OnlineModel({ ...options, clock });
  const without = new OnlineModel({ ...options, clock });
  const reasons: string[] = [];
  stream.forEach((e, i) => {
    if (i === at) {
      const outcome = withBad.process(bad);
      if (outcome.rejected !== null) reasons.push(outcome.rejected);
    }
    const a = withBad.process(e);
    const b = without.process(e);
    expect(a).toEqual(b);
  });
  return { reasons, withBad: withBad.snapshot(), without: without.snapshot() };
}

const changed = (e: L1Event, change: Partial<L1Event> & { features?: Record<string, number> }): L1Event => ({
  ...e,
  ...change,
  features: { ...e.features, ...change.features },
});

describe('an event whose numbers would overflow the model is rejected and leaves no trace', () => {
  const standardizes: Standardize[] = [true, 'auto', false];
  for (const learner of learnerNames) {
    for (const standardize of standardizes) {
      type Case = [Family, string, Partial<L1Event> & { features?: Record<string, number> }, RegExp];
      const cases: Case[] = [
        [
          'gaussian',
          'label 1e200',
          { label: 1e200 },
          /^numeric overflow: label 1e200 makes the squared error infinite$/,
        ],
        // (a weight alone overflows no learner now: with itself in the mean, it counts t + 1 events at most)
        ...(standardize === false
          ? []
          : [
              [
                'binomial',
                'weight 1e308',
                { weight: 1e308 },
                /^numeric overflow: weight 1e308 makes the running variance of \S+ infinite$/,
              ] as Case,
            ]),
        [
          'gaussian',
          'feature a = 1e200',
          { features: { a: 1e200 } },
          standardize === false
            ? /^numeric overflow: feature a = 1e200 makes the squared error infinite$/
            : /^numeric overflow: feature a = 1e200 makes its running variance infinite$/,
        ],
      ];
      for (const [family, what, change, reason] of cases) {
        it(`${learner}, standardize ${String(standardize)}, ${family}, ${what} at event 301: rejected, the models equal those without it`, () => {
          const stream = events(family, 600, 5);
          const bad = changed(stream[300], change);
          const r = both({ family, learner, standardize }, stream, 300, bad);
          expect(r.reasons).toHaveLength(1);
          expect(r.reasons[0]).toMatch(reason);
          expect(r.withBad).toEqual(r.without);
        });
      }
    }
  }

  it("a model's first event with a feature of 1e160 (its variance 0 then): rejected, later events learned as without it", () => {
    // it was kept, and every later event with that feature overflowed its running variance (each
    // dead-lettered, blamed on its ordinary value or weight)
    for (const learner of learnerNames) {
      for (const standardize of [true, 'auto'] as const) {
        for (const family of ['gaussian', 'binomial'] as const) {
          const stream = events(family, 300, 8);
          const bad = changed(stream[0], { features: { a: 1e160 } });
          const r = both({ family, learner, standardize }, stream, 0, bad);
          expect(r.reasons).toEqual([
            'numeric overflow: feature a = 1e160 makes its running variance infinite',
          ]);
          expect(r.withBad).toEqual(r.without);
        }
      }
    }
  });

  it('during the label warm-up (no learner yet), a feature of 1e200 without standardization: rejected, no trace', () => {
    // without the check, the learners started on the warm-up's events would take it in, and every
    // later event's update would overflow
    const stream = events('gaussian', 600, 6);
    for (const lambda of ['auto', 0.01] as const) {
      for (const at of [9, 19, 99]) {
        const r = both(
          { family: 'gaussian', lambda, standardize: false },
          stream,
          at,
          changed(stream[at], { features: { b: 1e200 } }),
        );
        expect(r.reasons).toEqual([expect.stringMatching(/^numeric overflow: feature b = 1e200 makes the /)]);
        expect(r.withBad).toEqual(r.without);
      }
    }
  });

  it('a learner that diverges on ordinary events (learning rate far too high) still fails, nothing of that event kept', () => {
    const stream = events('gaussian', 2000, 7);
    for (const [learner, hyper, advice, standardize] of [
      ['fobos', { rates: { schedule: 'constant', eta0: 5 } }, 'rates.eta0', false],
      ['fobos', { rates: { schedule: 'constant', eta0: 5 } }, 'rates.eta0', 'auto'],
      ['truncated-gradient', { rates: { schedule: 'constant', eta0: 3 } }, 'rates.eta0', false],
    ] as const) {
      const options: OnlineModelOptions = {
        family: 'gaussian',
        learner,
        lambda: 0.001,
        standardize,
        ...hyper,
        clock,
      };
      const model = new OnlineModel(options);
      let failedAt = -1;
      try {
        stream.forEach((e, i) => {
          failedAt = i;
          model.process(e);
        });
      } catch (e) {
        expect(e).toBeInstanceOf(NumericError);
        expect((e as Error).message).toMatch(
          new RegExp(
            `^the ${learner} learner diverged at the ${failedAt + 1}\\w\\w event it learns from: its weights \\(up to [0-9.e]+\\) make an ordinary event's update overflow; lower its learning rate \\(${advice.replace('.', '\\.')}\\)$`,
          ),
        );
      }
      expect(failedAt).toBeGreaterThan(10);
      expect(failedAt).toBeLessThan(stream.length - 1);
      // the model is the one of the events before: finite and consistent
      const before = new OnlineModel(options);
      for (const e of stream.slice(0, failedAt)) before.process(e);
      expect(model.snapshot()).toEqual(before.snapshot());
      expect(Object.values(model.snapshot().coefficients).every(Number.isFinite)).toBe(true);
    }
  });
});

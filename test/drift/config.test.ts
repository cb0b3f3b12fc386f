import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/core/errors.js';
import {
  DEFAULT_DRIFT_CONFIG,
  DriftMonitor,
  resolveDriftConfig,
  SequentialSparsityDetector,
  validateDriftConfig,
} from '../../src/drift/index.js';

describe('drift config', () => {
  it('an absent or empty config is valid and gives the frozen defaults', () => {
    expect(validateDriftConfig(undefined)).toEqual([]);
    const c = resolveDriftConfig({});
    expect(c).toEqual(DEFAULT_DRIFT_CONFIG);
    expect(Object.isFrozen(c.loss.pageHinkley)).toBe(true);
  });

  it('a partial config overrides only what it names', () => {
    const c = resolveDriftConfig({ loss: { pageHinkley: { threshold: 40 } }, support: { enabled: false } });
    expect(c.loss.pageHinkley.threshold).toBe(40);
    expect(c.loss.pageHinkley.delta).toBe(DEFAULT_DRIFT_CONFIG.loss.pageHinkley.delta);
    expect(c.support.enabled).toBe(false);
    expect(c.signFlip).toEqual(DEFAULT_DRIFT_CONFIG.signFlip);
  });

  it('reports every problem at once, each by its path', () => {
    const problems = validateDriftConfig({
      loss: { pageHinkley: { threshold: -1 }, adwin: { delta: 2, clock: 1.5 } },
      support: 'yes',
      inputSparsity: { windowEvents: 0, colour: 'red' },
      enabled: 'true',
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'drift.enabled',
      'drift.inputSparsity.colour',
      'drift.inputSparsity.windowEvents',
      'drift.loss.adwin.clock',
      'drift.loss.adwin.delta',
      'drift.loss.pageHinkley.threshold',
      'drift.support',
    ]);
    expect(problems.find((p) => p.path === 'drift.loss.adwin.delta')!.message).toBe(
      'must be a number in (0, 1), got 2',
    );
    expect(problems.find((p) => p.path === 'drift.inputSparsity.colour')!.message).toMatch(
      /unknown setting \(known: enabled, windowEvents/,
    );
  });

  it('names a number too large for a double (1e999 in JSON) as Infinity, not null', () => {
    const [problem] = validateDriftConfig(JSON.parse('{"significance": 1e999}') as Record<string, unknown>);
    expect(problem!.message).toBe('must be a number in [0, ∞), got Infinity');
  });

  it('checks relations between settings (exit below enter)', () => {
    expect(validateDriftConfig({ support: { enter: 0.1, exit: 0.2 } })).toEqual([
      { path: 'drift.support.exit', message: 'must be below support.enter (0.1), got 0.2' },
    ]);
  });

  it('refuses inputSequential.armEvents or appearEvents above horizonEvents (no feature would ever arm or appear)', () => {
    // a slot's exposure is halved past the horizon, and an appearance is judged within one horizon
    expect(validateDriftConfig({ inputSequential: { horizonEvents: 5000 } })).toEqual([
      {
        path: 'drift.inputSequential.armEvents',
        message:
          "must be ≤ inputSequential.horizonEvents (5000), got 10000 (a feature's exposure is halved past it: no stop or rate test would ever start); raise horizonEvents or lower armEvents",
      },
    ]);
    expect(
      validateDriftConfig({ inputSequential: { horizonEvents: 5000, armEvents: 4000, appearEvents: 6000 } }),
    ).toEqual([
      {
        path: 'drift.inputSequential.appearEvents',
        message:
          'must be ≤ inputSequential.horizonEvents (5000), got 6000 (an appearance is judged within it: no feature would be reported as appeared); raise horizonEvents or lower appearEvents',
      },
    ]);
    expect(
      validateDriftConfig({ inputSequential: { horizonEvents: 5000, armEvents: 5000, appearEvents: 5000 } }),
    ).toEqual([]);
  });

  it('refuses inputSequential.armCount or minAppearCount above horizonEvents (a count never reaches them)', () => {
    // a slot's count (one an occurrence, so at most its exposure) is halved with its exposure past
    // the horizon, and an appearance's occurrences are counted within one horizon
    const seq = { horizonEvents: 5000, armEvents: 2000, appearEvents: 1000 };
    expect(
      validateDriftConfig({ inputSequential: { ...seq, armCount: 6000, minAppearCount: 5001 } }),
    ).toEqual([
      {
        path: 'drift.inputSequential.armCount',
        message:
          "must be ≤ inputSequential.horizonEvents (5000), got 6000 (a feature's count is halved past it: no stop or rate test would ever start); raise horizonEvents or lower armCount",
      },
      {
        path: 'drift.inputSequential.minAppearCount',
        message:
          'must be ≤ inputSequential.horizonEvents (5000), got 5001 (an appearance is judged within it: no feature would be reported as appeared); raise horizonEvents or lower minAppearCount',
      },
    ]);
    expect(
      validateDriftConfig({ inputSequential: { ...seq, armCount: 5000, minAppearCount: 5000 } }),
    ).toEqual([]);
  });

  it('at the bound, armCount = minAppearCount = horizonEvents, a feature in every event still arms and appears', () => {
    // the detector the config refuses beyond it: found here, so the bound refuses nothing that works
    const found = (extra: object): string[] => {
      const det = new SequentialSparsityDetector({
        horizonEvents: 5000,
        armEvents: 2000,
        appearEvents: 1000,
        warmupEvents: 5000,
        ...extra,
      });
      const names = ['a', 'c'];
      const kinds: string[] = [];
      for (let t = 1; t <= 60_000; t++) {
        // a in every event until 30 000, then c in every event
        const indices = Int32Array.of(t <= 30_000 ? 0 : 1);
        det.update({ indices, start: 0, end: 1, nameOf: (i) => names[i]! });
        if (det.driftDetected)
          for (const f of det.report!.findings) kinds.push(`${f.kind} ${names[f.index] ?? f.index}`);
      }
      return kinds;
    };
    expect(found({ armCount: 5000, minAppearCount: 5000 })).toEqual(['stopped a', 'appeared c']);
    // one over: neither is ever found (what the config now refuses)
    expect(found({ armCount: 5001, minAppearCount: 5001 })).toEqual([]);
  });

  it('the monitor refuses a bad config with a ConfigError', () => {
    expect(() => new DriftMonitor({ config: { loss: { adwin: { delta: 0 } } } })).toThrow(ConfigError);
  });

  it('a disabled monitor raises nothing', () => {
    const m = new DriftMonitor({ config: { enabled: false } });
    expect(
      m.onSnapshot({
        key: 'm',
        version: 1,
        offset: 1,
        source: 'online',
        family: 'gaussian',
        learner: 'x',
        lambda: 0,
        l1Ratio: 1,
        intercept: 0,
        coefficients: { a: 1 },
        createdAt: '',
      }),
    ).toEqual([]);
  });
});

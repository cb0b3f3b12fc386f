import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/core/errors.js';
import {
  DEFAULT_DRIFT_CONFIG,
  DriftMonitor,
  resolveDriftConfig,
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
        message: 'must be ≤ inputSequential.horizonEvents (5000), got 10000',
      },
    ]);
    expect(
      validateDriftConfig({ inputSequential: { horizonEvents: 5000, armEvents: 4000, appearEvents: 6000 } }),
    ).toEqual([
      {
        path: 'drift.inputSequential.appearEvents',
        message: 'must be ≤ inputSequential.horizonEvents (5000), got 6000',
      },
    ]);
    expect(
      validateDriftConfig({ inputSequential: { horizonEvents: 5000, armEvents: 5000, appearEvents: 5000 } }),
    ).toEqual([]);
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

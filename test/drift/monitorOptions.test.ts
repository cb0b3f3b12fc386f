/**
 * `new DriftMonitor(options)` from plain JavaScript: `famly: "binomial"` was ignored, and the
 * label rate of a binomial model went unwatched without a word. Keys the monitor does not read,
 * and a family that is none, are a ConfigError naming each.
 */
import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/core/errors.js';
import { DriftMonitor, type DriftMonitorOptions } from '../../src/drift/driftMonitor.js';

const js = (o: object) => o as DriftMonitorOptions;

describe('DriftMonitor options from JavaScript', () => {
  it('names keys it does not read, with the key meant, and a family that is none', () => {
    let error: unknown;
    try {
      new DriftMonitor(js({ famly: 'binomial', scaleof: () => 1, family: 'poisson' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        path: 'DriftMonitor: famly',
        message: expect.stringMatching(/^unknown option; did you mean "family"\?/),
      },
      {
        path: 'DriftMonitor: scaleof',
        message: expect.stringMatching(/^unknown option; did you mean "scaleOf"\?/),
      },
      { path: 'DriftMonitor: family', message: 'must be "gaussian" or "binomial", got "poisson"' },
    ]);
  });

  it('takes every option it documents', () => {
    const monitor = new DriftMonitor({
      config: { loss: { warmupEvents: 100 } },
      family: 'binomial',
      clock: () => new Date(0),
      scaleOf: () => 1,
      targetScale: () => 1,
      logger: { info: () => {}, warn: () => {} },
    });
    expect(monitor).toBeInstanceOf(DriftMonitor);
  });
});

/**
 * ProgressiveMetrics and StreamingAuc from plain JavaScript: a family that is none ("binmial")
 * was measured as gaussian (squared error, no AUC), and a StreamingAuc capacity that is no whole
 * number ("x", or an options object) kept no score, so its AUC was NaN. Both are refused.
 */
import { describe, expect, it } from 'vitest';

import { ConfigError, ProgressiveMetrics, StreamingAuc } from '../../src/index.js';

describe('the arguments of the metrics', () => {
  it('ProgressiveMetrics refuses a family that is none', () => {
    expect(() => new ProgressiveMetrics('binmial' as never)).toThrow(ConfigError);
    expect(() => new ProgressiveMetrics('binmial' as never)).toThrow(
      /ProgressiveMetrics: family: must be "gaussian" or "binomial", got "binmial"/,
    );
    const m = new ProgressiveMetrics('binomial', 16);
    m.update(0.9, 1);
    m.update(0.2, 0);
    expect(m.summary().auc).toBe(1);
  });

  it('StreamingAuc refuses a capacity that is no whole number >= 1', () => {
    for (const capacity of ['x', { capacity: 5 }, 0, 2.5, NaN])
      expect(() => new StreamingAuc(capacity as never)).toThrow(
        /^a streaming AUC needs a capacity of at least 1 score, got /,
      );
    const auc = new StreamingAuc(1);
    expect(auc.capacity).toBe(1);
  });
});

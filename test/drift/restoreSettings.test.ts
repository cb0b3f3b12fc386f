/**
 * A drift monitor's checkpoint restores under another `significance` or `noiseFloor` (they only
 * say which of a refit's moves count, and the state directory lets a resumed run change them),
 * and is refused under another setting its state depends on. A resume with another significance
 * failed with the advice for a damaged state file (move it out, losing the model's learning).
 */
import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import { DriftMonitor } from '../../src/drift/index.js';

describe('DriftMonitor.restore under changed settings', () => {
  const saved = new DriftMonitor({ config: {}, family: 'binomial' }).state();

  it('accepts another significance or noise floor', () => {
    for (const config of [{ significance: 3 }, { noiseFloor: 1 }, { significance: 5, noiseFloor: 0.5 }]) {
      const m = new DriftMonitor({ config, family: 'binomial' });
      expect(() => m.restore(saved)).not.toThrow();
    }
  });

  it('refuses another warm-up of the loss tests, naming it', () => {
    const m = new DriftMonitor({ config: { loss: { warmupEvents: 123 } }, family: 'binomial' });
    expect(() => m.restore(saved)).toThrow(StateError);
    expect(() => m.restore(saved)).toThrow(/drift\.loss\.warmupEvents = \d+ but the configuration says 123/);
  });
});

/**
 * What a new keyed model holds (README, keyed models): the typed arrays reachable from a live model
 * fresh from its key's first sight, before and after its first events. A keyed engine makes
 * thousands of these; arrays sized for a busy model (1,024-entry AUC queues, a 64-slot drift
 * table, 1,024 learner columns) made each new model hold ~130 KB.
 */
import { describe, expect, it } from 'vitest';

import { resolveDriftConfig } from '../../src/drift/config.js';
import { arrayBuffers, reachable, typedArrayBytes } from '../helpers/memory.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from './helpers.js';

describe('a new keyed model', () => {
  it('holds little in typed arrays until it sees events (binomial, the defaults: drift on, refits on)', () => {
    const config = engineConfig({ model: { family: 'binomial' } });
    const model = liveModel('c1', config);
    const fresh = typedArrayBytes(model);
    // measured: 12,708 bytes; 29,940 when the ADWIN detectors held 64 bucket rows each (13 KB) and
    // the featurizer's scratch 256 entries (6 KB); 107,348 before that
    expect(fresh).toBeLessThan(20_000);
    expect(fresh).toBeGreaterThan(0);
  });

  it('after 100 events (still in its label warm-up) holds few, small buffers (gaussian, the defaults)', () => {
    const model = liveModel('c1', engineConfig());
    learnBatch(model, gaussianEvents(3, 100));
    // the warm-up's 100 events share a few chunks, not two buffers each (there were 200 for them)
    expect(arrayBuffers(model).size).toBeLessThan(120);
    // measured: 80 buffers, 38,872 bytes; the refit window's first block alone was 118,788 (1,024 rows)
    expect(typedArrayBytes(model)).toBeLessThan(60_000);
  });

  it('keeps its warm-up events in a few flat arrays, not an object and two array views each', () => {
    const model = liveModel('c1', engineConfig());
    learnBatch(model, gaussianEvents(3, 100));
    const { objects } = reachable(model);
    // measured: 82 typed arrays and 178 objects in all; with 100 events each an object, a vector
    // and two views they were 279 typed arrays and 576 objects
    expect([...objects].filter((x) => ArrayBuffer.isView(x)).length).toBeLessThan(150);
    expect(objects.size).toBeLessThan(300);
  });

  it("shares the engine's resolved drift section instead of validating it again per model", () => {
    const config = engineConfig({ model: { family: 'binomial' } });
    expect(resolveDriftConfig(config.drift)).toBe(config.drift);
    // a section not resolved by it is still checked
    expect(() => resolveDriftConfig({ loss: { adwin: { delta: 2 } } })).toThrow(/delta/);
  });
});

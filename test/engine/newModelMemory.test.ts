/**
 * What a new keyed model holds (README, keyed models): the typed arrays reachable from a live model
 * fresh from its key's first sight, before and after its first events. A keyed engine makes
 * thousands of these; arrays sized for a busy model (1,024-entry AUC queues, a 64-slot drift
 * table, 1,024 learner columns) made each new model hold ~130 KB.
 */
import { describe, expect, it } from 'vitest';

import { resolveDriftConfig } from '../../src/drift/config.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from './helpers.js';

/** Bytes of the distinct ArrayBuffers reachable from `root` through own properties. */
function typedArrayBytes(root: unknown): number {
  let bytes = 0;
  for (const b of arrayBuffers(root)) bytes += b.byteLength;
  return bytes;
}

/** The distinct ArrayBuffers reachable from `root` through own properties. */
function arrayBuffers(root: unknown): Set<ArrayBufferLike> {
  const seen = new Set<unknown>();
  const buffers = new Set<ArrayBufferLike>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    if (ArrayBuffer.isView(x)) {
      buffers.add(x.buffer);
      continue;
    }
    if (x instanceof ArrayBuffer) {
      buffers.add(x);
      continue;
    }
    if (x instanceof Map) for (const [k, v] of x) stack.push(k, v);
    else if (x instanceof Set) for (const v of x) stack.push(v);
    for (const k of Reflect.ownKeys(x)) {
      const d = Object.getOwnPropertyDescriptor(x, k);
      if (d !== undefined && 'value' in d) stack.push(d.value);
    }
  }
  return buffers;
}

describe('a new keyed model', () => {
  it('holds little in typed arrays until it sees events (binomial, the defaults: drift on, refits on)', () => {
    const config = engineConfig({ model: { family: 'binomial' } });
    const model = liveModel('c1', config);
    const fresh = typedArrayBytes(model);
    // measured: 29,940 bytes (the ADWIN detectors' fixed bucket rows are 12 KB of it); it was 107,348
    expect(fresh).toBeLessThan(40_000);
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

  it("shares the engine's resolved drift section instead of validating it again per model", () => {
    const config = engineConfig({ model: { family: 'binomial' } });
    expect(resolveDriftConfig(config.drift)).toBe(config.drift);
    // a section not resolved by it is still checked
    expect(() => resolveDriftConfig({ loss: { adwin: { delta: 2 } } })).toThrow(/delta/);
  });
});

import { isDeepStrictEqual } from 'node:util';

import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { DriftMonitor, type DriftMonitorOptions, type DriftMonitorState } from '../../src/drift/index.js';
import type { Alert } from '../../src/model/snapshot.js';
import {
  OnlineModel,
  type OnlineModelCheckpoint,
  type OnlineModelOptions,
} from '../../src/model/onlineModel.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import type { LearnedBatch } from '../../src/stream/types.js';
import { exact } from '../helpers/exact.js';
import { Rng } from '../helpers/random.js';

/**
 * DESIGN §8: "eviction never changes what a model learns". Keyed models (each with its drift
 * monitor) in an lru-cache of 50 over 300 keys, checkpointed to bytes when evicted and restored
 * when their key returns, end in bit-identical states and raise the same alerts as models that
 * are never evicted.
 */
interface Keyed {
  readonly model: OnlineModel;
  readonly drift: DriftMonitor;
}

const drift = {
  loss: { warmupEvents: 20, cooldownEvents: 20 },
  inputSparsity: {
    enabled: true,
    windowEvents: 40,
    warmupEvents: 80,
    maxReferenceEvents: 400,
    maxTracked: 8,
    sketchWidth: 16,
    sketchDepth: 2,
  },
};

const clock = () => new Date('2026-11-30T00:00:00.000Z');

function optionsOf(key: string): { model: OnlineModelOptions; drift: DriftMonitorOptions } {
  const k = Number(key.slice(1));
  const family = k % 2 === 0 ? 'gaussian' : 'binomial';
  const learner = (['ftrl', 'fobos', 'truncated-gradient'] as const)[k % 3];
  return {
    model: {
      key,
      family,
      learner,
      l1Ratio: 0.8,
      labelWarmup: 30,
      clock,
      ...(k % 5 === 0 ? { hashBits: 8 } : {}),
    },
    drift: { family, clock, config: drift },
  };
}

function stream(seed: number, n: number, keys: number): Array<{ key: string; event: L1Event }> {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const k = Math.floor(keys * rng.next() ** 3); // a few hot keys, a long tail
    const shifted = i > n / 2;
    const x = rng.normal();
    const features = Object.fromEntries([
      ['x', x],
      ['z', rng.normal() * 10],
      ['__proto__', rng.next() < 0.5 ? 1 : 0],
      ['country', ['DE', 'FR', 'constructor'][rng.int(3)]],
      ...(shifted && k % 4 === 0 ? [] : [['w', rng.next()]]),
    ]);
    const eta = (shifted ? -1 : 1) * 1.5 * x + 0.2;
    const label = k % 2 === 0 ? 10 * eta + rng.normal() : rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    return { key: `k${k}`, event: rng.next() < 0.05 ? { features } : { features, label } };
  });
}

function fresh(key: string): Keyed {
  const o = optionsOf(key);
  return { model: new OnlineModel(o.model), drift: new DriftMonitor(o.drift) };
}

function encode(m: Keyed): Uint8Array {
  return encodeState({ model: m.model.checkpoint(), drift: m.drift.state() });
}

function decode(key: string, bytes: Uint8Array): Keyed {
  const o = optionsOf(key);
  const s = decodeState(bytes) as { model: OnlineModelCheckpoint; drift: DriftMonitorState };
  return { model: OnlineModel.restore(o.model, s.model), drift: DriftMonitor.fromState(o.drift, s.drift) };
}

/** One event through a keyed model and its monitor, as the pipeline does; returns the alerts. */
function step(m: Keyed, event: L1Event): Alert[] {
  const outcome = m.model.process(event);
  if (outcome.rejected !== null) return [];
  const x = m.model.lastFeatures();
  const batch: LearnedBatch = {
    key: m.model.key,
    offset: m.model.offset,
    count: 1,
    labelled: Uint8Array.of(outcome.labelled ? 1 : 0),
    labels: Float64Array.of(event.label ?? NaN),
    predictions: Float64Array.of(outcome.prediction),
    losses: Float64Array.of(outcome.loss),
    featureStarts: Int32Array.of(0, x.nnz),
    featureIndices: x.indices.slice(0, x.nnz),
    nameOf: (j) => m.model.featurizer.nameOf(j),
    rejected: 0,
    records: [],
  };
  const alerts = m.drift.onBatch(batch);
  if (outcome.labelled && m.model.offset % 25 === 0) alerts.push(...m.drift.onSnapshot(m.model.snapshot()));
  return alerts;
}

describe('keyed models in an lru-cache: eviction never changes what a model learns', () => {
  it('300 keys through a cache of 50: bit-identical final states and the same alerts', () => {
    const events = stream(21, 5000, 300);

    const all = new Map<string, Keyed>();
    const alertsAll: Alert[] = [];
    for (const { key, event } of events) {
      let m = all.get(key);
      if (m === undefined) all.set(key, (m = fresh(key)));
      alertsAll.push(...step(m, event));
    }

    const stored = new Map<string, Uint8Array>();
    let evictions = 0;
    const cache = new LRUCache<string, Keyed>({
      max: 50,
      dispose: (m, key, reason) => {
        if (reason !== 'evict') return;
        stored.set(key, encode(m));
        evictions++;
      },
    });
    const alertsCached: Alert[] = [];
    let restores = 0;
    for (const { key, event } of events) {
      let m = cache.get(key);
      if (m === undefined) {
        const bytes = stored.get(key);
        stored.delete(key);
        if (bytes !== undefined) restores++;
        m = bytes === undefined ? fresh(key) : decode(key, bytes);
        cache.set(key, m);
      }
      alertsCached.push(...step(m, event));
    }

    expect(evictions).toBeGreaterThan(2000);
    expect(restores).toBeGreaterThan(2000);
    expect(alertsAll.length).toBeGreaterThan(10);
    expect(new Set(alertsAll.map((a) => a.type))).toEqual(
      new Set(['loss-drift', 'input-drift', 'support-drift', 'sign-flip']),
    );
    expect(alertsCached).toEqual(alertsAll);
    expect(stored.size + cache.size).toBe(all.size);
    // Compared as decoded values, bit for bit: equal states need not encode to equal bytes (V8
    // writes a whole number as an int32 or as a double depending on how the engine holds it).
    let differing = 0;
    for (const [key, m] of all) {
      const cached = cache.get(key);
      const bytes = cached !== undefined ? encode(cached) : stored.get(key)!;
      if (!isDeepStrictEqual(exact(decodeState(bytes)), exact(decodeState(encode(m))))) differing++;
    }
    expect(differing).toBe(0);
  });
});

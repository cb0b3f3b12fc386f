/**
 * A hashed model with columns as seen (`compactHashing`, what keyed models use) learns what the
 * model whose columns are the buckets learns, holds arrays for the buckets its events use, and
 * its checkpoint (penalty factors included) goes on as the model it came from.
 */
import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { HashedVocabulary } from '../../src/features/vocabulary.js';
import { OnlineModel, type OnlineModelOptions } from '../../src/model/onlineModel.js';

/** A binomial stream over a few numbers and a site of 300 levels, hashed into 2^bits buckets. */
function events(n: number, seed: number): L1Event[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return Array.from({ length: n }, (_, i) => {
    const site = Math.floor(u() * u() * 300);
    const x = Math.round((u() * 4 - 2) * 100) / 100;
    const eta = 1.2 * x + (site % 3 === 0 ? 0.8 : -0.4);
    const features = {
      site: `s${site}`,
      x,
      rare: i % 7 === 0 ? u() * 50 : 0,
      device: u() < 0.5 ? 'ios' : 'web',
    };
    return { label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features };
  });
}

const base: OnlineModelOptions = {
  family: 'binomial',
  key: 'c1',
  clock: () => new Date('2026-12-07T00:00:00Z'),
};

describe('hashed models with columns as seen', () => {
  it('learn the same coefficients, predictions and metrics as bucket-numbered ones, in arrays of the buckets used', () => {
    const stream = events(6000, 11);
    for (const options of [
      { hashBits: 18 },
      // many names in few buckets: collisions counted the same; centred columns, whose sums go in
      // column order, so to the last bits only
      { hashBits: 9, lambda: 0.002, standardize: true as const },
      { hashBits: 12, learner: 'fobos' as const, penaltyFactors: { x: 0.5, 'site=s1': 0 } },
    ]) {
      const dense = new OnlineModel({ ...base, ...options });
      const compact = new OnlineModel({ ...base, ...options, compactHashing: true });
      for (const e of stream) {
        const a = dense.process(e);
        const b = compact.process(e);
        expect(b.rejected).toBe(a.rejected);
        expect(b.prediction).toBeCloseTo(a.prediction, 12);
      }
      const vocabulary = compact.featurizer.vocabulary as HashedVocabulary;
      expect(vocabulary.compact).toBe(true);
      expect(compact.featurizer.dimension).toBeLessThan(2 ** options.hashBits);
      expect(dense.featurizer.dimension).toBe(2 ** options.hashBits);
      const a = dense.snapshot();
      const b = compact.snapshot();
      const ma = a.metrics!;
      const mb = b.metrics!;
      expect(mb.hashCollisions).toBe(ma.hashCollisions);
      expect(mb.features).toBe(ma.features);
      expect(mb.progressiveLoss).toBeCloseTo(ma.progressiveLoss as number, 12);
      expect(b.intercept).toBeCloseTo(a.intercept, 10);
      // the same coefficients by name (their order follows the columns)
      expect(Object.keys(b.coefficients).sort()).toEqual(Object.keys(a.coefficients).sort());
      for (const [name, beta] of Object.entries(a.coefficients))
        expect(b.coefficients[name]).toBeCloseTo(beta, 10);
      expect(Object.keys(b.coefficients).length).toBeGreaterThan(options.hashBits === 18 ? 0 : 10);
    }
  });

  it('a checkpoint, with penalty factors or without, goes on as the model it came from, with columns as seen', () => {
    const stream = events(4000, 5);
    for (const penaltyFactors of [undefined, { x: 0, 'device=ios': 2, 'site=s0': 0.5 }]) {
      const options = {
        ...base,
        hashBits: 14,
        compactHashing: true,
        ...(penaltyFactors ? { penaltyFactors } : {}),
      };
      const model = new OnlineModel(options);
      for (const e of stream.slice(0, 2500)) model.process(e);
      const restored = OnlineModel.restore(options, model.checkpoint());
      expect((restored.featurizer.vocabulary as HashedVocabulary).compact).toBe(true);
      expect(restored.featurizer.dimension).toBe(model.featurizer.dimension);
      for (const e of stream.slice(2500)) expect(restored.process(e)).toEqual(model.process(e));
      expect(restored.checkpoint()).toEqual(model.checkpoint());
      // a restore under the other setting keeps the checkpoint's numbering
      const dense = OnlineModel.restore({ ...options, compactHashing: false }, model.checkpoint());
      expect((dense.featurizer.vocabulary as HashedVocabulary).compact).toBe(true);
    }
  });

  it('a checkpoint numbered by bucket (before columns as seen) restored with compactHashing keeps its numbering and its penalty factors, with a learner or in a gaussian warm-up', () => {
    const stream = events(3000, 8);
    const gaussian = stream.map((e) => ({ ...e, label: 3 * Number(e.features.x) + (e.label as number) }));
    const penaltyFactors = { x: 0, 'device=ios': 2 };
    for (const [options, input, at] of [
      [{ ...base, hashBits: 12, lambda: 0.01, penaltyFactors }, stream, 1500],
      // checkpointed before its label warm-up ends: no learner holds the factors yet
      [{ ...base, family: 'gaussian' as const, hashBits: 12, lambda: 0.001, penaltyFactors }, gaussian, 50],
    ] as const) {
      const model = new OnlineModel(options);
      for (const e of input.slice(0, at)) model.process(e);
      const restored = OnlineModel.restore({ ...options, compactHashing: true }, model.checkpoint());
      expect((restored.featurizer.vocabulary as HashedVocabulary).compact).toBe(false);
      for (const e of input.slice(at)) expect(restored.process(e)).toEqual(model.process(e));
      expect(restored.checkpoint()).toEqual(model.checkpoint());
    }
  });

  it('a compact checkpoint with penalty factors restores the names as the model left them (pruned ones stay unnamed)', () => {
    const options = {
      ...base,
      hashBits: 14,
      lambda: 0.05,
      compactHashing: true,
      nameCapacity: 3,
      penaltyFactors: { never: 0.5, x: 0 },
    };
    const model = new OnlineModel(options);
    for (const e of events(500, 3)) model.process(e);
    model.snapshot(); // prunes names of columns at 0
    const restored = OnlineModel.restore(options, model.checkpoint());
    expect(restored.checkpoint()).toEqual(model.checkpoint());
    const vocabulary = (m: OnlineModel) => m.featurizer.vocabulary as HashedVocabulary;
    expect(vocabulary(restored).namedColumns).toBe(vocabulary(model).namedColumns);
    expect(vocabulary(restored).hasName(0)).toBe(vocabulary(model).hasName(0));
  });

  it('refuses a compactHashing that is not a boolean', () => {
    expect(() => new OnlineModel({ ...base, hashBits: 10, compactHashing: 1 as unknown as boolean })).toThrow(
      /compactHashing: must be true or false, got 1/,
    );
  });
});

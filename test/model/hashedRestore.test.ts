/**
 * A hashed model's restore builds its vocabulary's tables (2^hashBits columns of owner tags and
 * names) once, from the checkpoint: the new model it restores into does not build a throwaway one.
 */
import { describe, expect, it, vi } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { OnlineModel, type OnlineModelOptions } from '../../src/model/onlineModel.js';

/** Vocabularies the featurizer builds itself (not those `fromState` restores). */
const built = vi.hoisted(() => ({ hashed: 0 }));
vi.mock('../../src/features/vocabulary.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/features/vocabulary.js')>();
  class CountedHashedVocabulary extends original.HashedVocabulary {
    constructor(...args: ConstructorParameters<typeof original.HashedVocabulary>) {
      super(...args);
      built.hashed++;
    }
  }
  return { ...original, HashedVocabulary: CountedHashedVocabulary };
});

const options: OnlineModelOptions = {
  family: 'binomial',
  key: 'c1',
  hashBits: 14,
  clock: () => new Date('2026-12-01T00:00:00Z'),
};

function events(n: number): L1Event[] {
  return Array.from({ length: n }, (_, i) => ({
    label: i % 3 === 0 ? 1 : 0,
    features: { site: `s${i % 7}`, x: (i % 5) - 2 },
  }));
}

describe('restoring a hashed model', () => {
  it('builds no vocabulary beside the restored one, and learns on as the model it came from', () => {
    for (const lambda of [0.01, 'auto'] as const) {
      const model = new OnlineModel({ ...options, lambda });
      expect(built.hashed).toBe(1);
      for (const e of events(60)) model.process(e);
      built.hashed = 0;
      const restored = OnlineModel.restore({ ...options, lambda }, model.checkpoint());
      expect(built.hashed).toBe(0);
      for (const e of events(30)) expect(restored.process(e)).toEqual(model.process(e));
      expect(restored.checkpoint()).toEqual(model.checkpoint());
      built.hashed = 0;
    }
  });

  it('with penalty factors, finds their columns in the restored vocabulary: no new one', () => {
    const penalized = { ...options, lambda: 0.01, penaltyFactors: { x: 0.5 } };
    const model = new OnlineModel(penalized);
    for (const e of events(60)) model.process(e);
    built.hashed = 0;
    const restored = OnlineModel.restore(penalized, model.checkpoint());
    expect(built.hashed).toBe(0);
    for (const e of events(30)) expect(restored.process(e)).toEqual(model.process(e));
    expect(restored.checkpoint()).toEqual(model.checkpoint());
  });
});

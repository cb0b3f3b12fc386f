import type { ModelSnapshot, OutputSink, RawBatch, StateStore } from '../../src/index.js';

/** Records [from, to) of a binomial stream with one feature; offsets `prefix` + the index. */
export function batchOf(from: number, to: number, prefix = ''): RawBatch {
  return {
    records: Array.from({ length: to - from }, (_, k) => {
      const i = from + k;
      return {
        value: JSON.stringify({ label: (i * 13) % 3 === 0 ? 0 : 1, features: { x: i % 7 } }),
        position: { source: 's', offset: `${prefix}${i}` },
      };
    }),
  };
}

/** A sink that keeps the snapshots it is given (`model` replaced by the test when it needs to). */
export function keepingSink(overrides: Partial<OutputSink> = {}): OutputSink & { models: ModelSnapshot[] } {
  const models: ModelSnapshot[] = [];
  return {
    models,
    model: (m) => void models.push(m),
    score: () => undefined,
    alert: () => undefined,
    deadLetter: () => undefined,
    flush: async () => undefined,
    close: async () => undefined,
    ...overrides,
  };
}

/** A durable store of the user's own (in memory here). */
export class MapStore implements StateStore {
  readonly durable = true;
  readonly states = new Map<string, Uint8Array>();
  get(key: string) {
    return this.states.get(key);
  }
  put(key: string, state: Uint8Array) {
    this.states.set(key, state.slice());
  }
  delete(key: string) {
    this.states.delete(key);
  }
  keys() {
    return this.states.keys();
  }
}

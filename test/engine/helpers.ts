import { checkEngineConfig, type EngineConfig } from '../../src/engine/config.js';
import type { L1Event } from '../../src/core/event.js';
import { LiveModel } from '../../src/model/liveModel.js';
import { emptyOutputs, type ProcessedBatch } from '../../src/stream/engineTypes.js';
import { LearnedBatchBuilder } from '../../src/stream/learn.js';

/** A scheduler whose clock stands at 0 and that schedules nothing (time cadences never fire). */
export const stoppedScheduler = {
  now: () => 0,
  schedule: (): never => {
    throw new Error('unused');
  },
};

/** A validated engine configuration from a partial document (model.family defaults to gaussian). */
export function engineConfig(doc: Record<string, unknown> = {}): EngineConfig {
  const model = { family: 'gaussian', ...((doc.model as Record<string, unknown> | undefined) ?? {}) };
  return checkEngineConfig({ ...doc, model });
}

/** A live model with a fixed clock and `now` read from `time()` (a scheduler's in marble tests). */
export function liveModel(key: string, config: EngineConfig, time: () => number = () => 0): LiveModel {
  return new LiveModel(key, { config, clock: () => new Date('2026-11-30T00:00:00Z'), now: time });
}

/** Seeded gaussian events: y = 2·x1 − x2 + noise, with x3 pure noise. */
export function gaussianEvents(seed: number, n: number): L1Event[] {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: L1Event[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = u() * 2 - 1;
    const x2 = u() * 2 - 1;
    const x3 = u() * 2 - 1;
    out.push({ label: 2 * x1 - x2 + 0.3 * (u() - 0.5), features: { x1, x2, x3 } });
  }
  return out;
}

/** Lets `live` learn `events` and packs them as the `learnByKey` stage would. */
export function learnBatch(live: LiveModel, events: readonly L1Event[]): ProcessedBatch {
  const builder = new LearnedBatchBuilder(events.length);
  const positions = events.map((_, i) => ({ source: 'test', offset: String(i + 1) }));
  builder.learn({ events, positions }, live.model, { deadLetter: () => undefined }, (e) => JSON.stringify(e));
  return {
    kind: 'batch',
    parts: [{ live, learned: builder.build(live.model, { records: [] }) }],
    records: [],
    partial: false,
    outputs: emptyOutputs(),
  };
}

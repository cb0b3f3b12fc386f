import { Observable } from 'rxjs';

import { checkEngineConfig, type EngineConfig } from '../../src/engine/config.js';
import type { L1Event } from '../../src/core/event.js';
import type { EventSource } from '../../src/engine/ports.js';
import { LiveModel } from '../../src/model/liveModel.js';
import { emptyOutputs, type ProcessedBatch } from '../../src/stream/engineTypes.js';
import { LearnedBatchBuilder } from '../../src/stream/learn.js';
import type { RawBatch } from '../../src/stream/types.js';

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

/** Seeded uniform draws in (0, 1) (an LCG) and standard normals from them. */
export interface SeededDraws {
  readonly u: () => number;
  readonly normal: () => number;
}

/**
 * A source of `n` JSON events, `eventOf(i, draws)` each, in batches of 1,000 records at offsets
 * 1..n, one batch per turn of the event loop, as a file or a topic gives them.
 */
export function batchedSource(
  n: number,
  seed: number,
  eventOf: (i: number, draws: SeededDraws) => { label: number; features: Record<string, number | string> },
): EventSource {
  return {
    batches$: new Observable<RawBatch>((subscriber) => {
      let s = seed >>> 0;
      const u = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return (s + 0.5) / 4294967296;
      };
      const draws = { u, normal: () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) };
      let start = 0;
      const next = () => {
        if (subscriber.closed) return;
        if (start >= n) return subscriber.complete();
        const records = [];
        for (let i = start; i < Math.min(n, start + 1000); i++) {
          records.push({
            value: JSON.stringify(eventOf(i, draws)),
            position: { source: 's', offset: String(i + 1) },
          });
        }
        start += 1000;
        subscriber.next({ records });
        setImmediate(next);
      };
      setImmediate(next);
    }),
  };
}

import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import type { EventSource } from '../../src/engine/ports.js';
import type { RawBatch } from '../../src/stream/types.js';
import { engineConfig } from '../engine/helpers.js';
import { MemorySink } from '../engine/memoryPorts.js';

/** Sparse binomial events over 2,000 ids (20 per event), one batch per turn of the event loop. */
function slowSource(n: number, batchSize: number): EventSource {
  let s = 7;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return {
    batches$: new Observable<RawBatch>((subscriber) => {
      let i = 0;
      let stopped = false;
      const next = () => {
        if (stopped) return;
        if (i >= n) return subscriber.complete();
        const records = [];
        for (let k = 0; k < batchSize && i < n; k++, i++) {
          const ids: string[] = [];
          let eta = -1;
          for (let m = 0; m < 20; m++) {
            const id = Math.floor(u() * u() * 2000);
            ids.push(`i${id}`);
            if (id < 20) eta += id % 2 === 0 ? 0.8 : -0.8;
          }
          const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
          records.push({
            value: JSON.stringify({ label, features: { ids } }),
            position: { source: 'slow', offset: String(i + 1) },
          });
        }
        subscriber.next({ records });
        setImmediate(next);
      };
      setImmediate(next);
      return () => (stopped = true);
    }),
  };
}

describe('refits run off the thread that learns', () => {
  it('events keep being learned while a refit of a 20,000 × 2,000 window runs in a worker (and not inline)', async () => {
    const during = async (threads: number) => {
      const config = engineConfig({
        model: { family: 'binomial', lambda: 0.002 },
        refit: { everyEvents: 20_000, window: 20_000, threads, tolerance: 1e-8 },
        snapshots: { everyEvents: 'Infinity', everySeconds: 'Infinity' },
      });
      const sink = new MemorySink();
      const engine = new Engine(config, { source: slowSource(40_000, 250), sink });
      const stats = await engine.run();
      const refit = sink.models.find((m) => m.source === 'refit');
      expect(refit?.window).toEqual({ first: 1, last: 20_000, events: 20_000 });
      expect(refit?.metrics?.features as number).toBeGreaterThan(1500);
      expect(stats.refits.completed).toBeGreaterThanOrEqual(1);
      return refit!.metrics!.learnedDuringRefit as number;
    };
    expect(await during(0)).toBe(0);
    expect(await during(1)).toBeGreaterThan(0);
  });
});

import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it, vi } from 'vitest';

import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { detectDrift } from '../../src/stream/detectDrift.js';
import { emptyOutputs, type EngineElement } from '../../src/stream/engineTypes.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from '../engine/helpers.js';
import { snapshot } from './helpers.js';

describe('detectDrift (the engine stage)', () => {
  it("checks the live model's support every drift.checkEveryEvents learned events, whatever the snapshot cadence", () => {
    const config = engineConfig({
      model: { labelWarmup: 0 },
      refit: { enabled: false },
      drift: { checkEveryEvents: 100 },
    });
    const live = liveModel('m', config);
    const checked = vi.spyOn(live.drift, 'onSnapshot');
    const events = gaussianEvents(3, 400);
    const sizes = [60, 60, 60, 90, 130];
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      let used = 0;
      const out = cold('abcde|', { a: 0, b: 1, c: 2, d: 3, e: 4 }).pipe(
        map((i): EngineElement => {
          const b = learnBatch(live, events.slice(used, used + sizes[i]));
          used += sizes[i];
          return b;
        }),
        detectDrift(),
        map(() => checked.mock.calls.map(([s]) => `${s.source}@${s.offset}`).join(',')),
      );
      // checked at 120 (first boundary ≥ 100), 270 (≥ 220), 400 (≥ 370)
      expectObservable(out).toBe('abcde|', {
        a: '',
        b: 'online@120',
        c: 'online@120',
        d: 'online@120,online@270',
        e: 'online@120,online@270,online@400',
      });
    });
  });

  it('checks every refit snapshot as its own source and puts the alerts it raises in the outputs', () => {
    const config = engineConfig({ model: { labelWarmup: 0 } });
    const live = liveModel('m', config);
    const outputs = [] as string[];
    for (let v = 1; v <= 6; v++) {
      const s: ModelSnapshot = { ...snapshot(v, v < 4 ? { a: 2, b: 1 } : { a: 2, c: 1 }, 'refit'), key: 'm' };
      const done: EngineElement = {
        kind: 'refit',
        key: 'm',
        live,
        snapshot: s,
        error: null,
        outputs: emptyOutputs(),
      };
      new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
        expectObservable(
          cold('x|', { x: done }).pipe(
            detectDrift(),
            map((e) => e.outputs.alerts.map((a) => `${a.type}:${a.severity}:${a.offset}`).join(',')),
          ),
        ).toBe('x|', { x: v === 5 ? 'support-drift:critical:5000' : '' });
      });
      outputs.push(...done.outputs.alerts.map((a) => String(a.details.source)));
    }
    expect(outputs).toEqual(['refit']);
  });
});

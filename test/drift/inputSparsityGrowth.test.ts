import { describe, expect, it } from 'vitest';

import { InputSparsityDetector, type InputSparsityReport } from '../../src/drift/inputSparsity.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import { syntheticEvents } from './helpers.js';

/**
 * 400 features (many rare, with new ids appearing), through tables that start at 64 slots and
 * grow to maxTracked = 300 (so some features live in the sketch), checkpointed and restored at
 * many points: the restored detector's tables are rebuilt from the logical state, and everything
 * it reports and holds must equal the uninterrupted one's.
 */
describe('input-sparsity tables that grow as features come', () => {
  it('restored at any point (any table size), a detector reports and holds exactly what an uninterrupted one does', () => {
    const rates = Array.from({ length: 400 }, (_, j) => (j < 40 ? 0.3 : j < 200 ? 0.02 : 0.002));
    const after = rates.map((r, j) => (j === 3 || j === 150 ? 0 : j >= 380 ? 0.2 : r));
    const events = [...syntheticEvents(21, 120_000, rates, { changeAt: 70_000, ratesAfter: after })];
    const options = { windowEvents: 5000, warmupEvents: 10_000, maxTracked: 300, sketchWidth: 512 };
    const reports = (restoreEvery: number) => {
      let detector = new InputSparsityDetector(options);
      const out: Array<[number, InputSparsityReport]> = [];
      const view = { indices: new Int32Array(0), start: 0, end: 0 };
      events.forEach((e, i) => {
        if (restoreEvery > 0 && i % restoreEvery === restoreEvery - 1) {
          const restored = new InputSparsityDetector(options);
          restored.restore(
            decodeState(encodeState(detector.state())) as ReturnType<InputSparsityDetector['state']>,
          );
          detector = restored;
        }
        view.indices = Int32Array.from(e.features);
        view.end = e.features.length;
        detector.update(view);
        if (detector.driftDetected) out.push([i, detector.report!]);
      });
      return { out, state: detector.state(), tracked: detector.trackedCount };
    };
    const straight = reports(0);
    expect(straight.out.length).toBeGreaterThanOrEqual(1);
    expect(straight.tracked).toBeGreaterThan(64);
    for (const every of [997, 7919]) {
      const restored = reports(every);
      expect(restored.out).toEqual(straight.out);
      expect(restored.state).toEqual(straight.state);
    }
  });
});

import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { DriftMonitor } from '../../src/drift/index.js';
import type { Alert } from '../../src/model/snapshot.js';
import { detectDrift, detectSnapshotDrift } from '../../src/stream/detectDrift.js';
import { fixedClock, learnedBatch, snapshot } from './helpers.js';

describe('detectDrift', () => {
  it('emits each alert right after the snapshot that raised it, in stream order', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const monitor = new DriftMonitor({ clock: fixedClock });
      const values = {
        a: snapshot(1, { x: 1, y: 0.5 }),
        b: snapshot(2, { x: 1, y: 0.5 }),
        c: snapshot(3, { x: 1, z: 0.5 }),
        d: snapshot(4, { x: 1, z: 0.5 }),
        e: snapshot(5, { x: 1, z: -0.5 }),
        f: snapshot(6, { x: 1, z: -0.5 }),
        n: learnedBatch([{ label: 1, loss: 0.5, features: [0] }], 0),
      };
      const alerts = cold('a-b-n-c-d-e-f-|', values).pipe(detectDrift(monitor));
      expectObservable(alerts.pipe(mapToType())).toBe('--------s---f-|', {
        s: 'support-drift:4000',
        f: 'sign-flip:6000',
      });
    });
  });

  it('has a snapshot-only variant, and forwards errors', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const monitor = new DriftMonitor({ clock: fixedClock });
      const src = cold('a-b-c-d-#', {
        a: snapshot(1, { x: 1 }),
        b: snapshot(2, { x: 1 }),
        c: snapshot(3, { y: 1 }),
        d: snapshot(4, { y: 1 }),
      });
      expectObservable(src.pipe(detectSnapshotDrift(monitor), mapToType())).toBe('------s-#', {
        s: 'support-drift:4000',
      });
    });
  });
});

function mapToType() {
  return map((a: Alert) => `${a.type}:${a.offset}`);
}

import { map, timer, finalize, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import type { ModelSnapshot } from '../../src/model/snapshot.js';
import type { RefitJob, RefitOutcome } from '../../src/refit/job.js';
import type { RefitRunner } from '../../src/refit/runner.js';
import { emptyOutputs, type EngineElement, type ProcessedBatch } from '../../src/stream/engineTypes.js';
import { refitEvery, refitStats, type RefitTarget } from '../../src/stream/refitEvery.js';

/** A model whose refit is due every `every` batches it appears in. */
class FakeModel implements RefitTarget {
  refitRunning = false;
  seen = 0;
  lastRefit = 0;
  constructor(
    readonly key: string,
    readonly every: number,
  ) {}
  refitDue(): boolean {
    return this.seen - this.lastRefit >= this.every;
  }
  refitHandled(): void {
    this.lastRefit = this.seen;
  }
  refitJob(): RefitJob {
    return { key: this.key, rows: { last: this.seen } } as unknown as RefitJob;
  }
  acceptRefit(outcome: RefitOutcome): ModelSnapshot {
    return { key: this.key, offset: outcome.last, source: 'refit' } as ModelSnapshot;
  }
}

/** One refit at a time, each taking `frames` of virtual time. */
class FakeRunner implements RefitRunner {
  running = 0;
  constructor(private readonly frames: number) {}
  get idle(): boolean {
    return this.running === 0;
  }
  run(job: RefitJob): Observable<RefitOutcome> {
    this.running++;
    return timer(this.frames).pipe(
      map(() => ({ key: job.key, last: job.rows.last }) as unknown as RefitOutcome),
      finalize(() => this.running--),
    );
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function batchOf(models: FakeModel[]): ProcessedBatch {
  for (const m of models) m.seen++;
  return {
    kind: 'batch',
    parts: models.map((m) => ({ live: m, learned: {} })) as unknown as ProcessedBatch['parts'],
    records: [],
    partial: false,
    outputs: emptyOutputs(),
  };
}

const label = (e: EngineElement) => (e.kind === 'batch' ? 'b' : `${e.key}${e.snapshot?.offset ?? '!'}`);

describe('refitEvery', () => {
  it('starts a refit when due, emits it when done, and batches flow meanwhile', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const m = new FakeModel('m', 2);
      const stats = refitStats();
      const out = cold('a-a-a-a-a-a-|').pipe(
        map(() => batchOf([m])),
        refitEvery({ runner: new FakeRunner(3), acquire: () => m as never, now: () => 0, stats }),
        map(label),
      );
      // due at the 2nd batch (frame 2), done 3 frames later; again at the 4th (frame 6) and the
      // 6th (frame 10); the output completes once the last refit is in
      expectObservable(out).toBe('b-b-bxb-byb--(z|)', { b: 'b', x: 'm2', y: 'm4', z: 'm6' });
    });
  });

  it('skips a refit due while the runner is busy (counted), and queues nothing', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, flush }) => {
      const m = new FakeModel('m', 1);
      const stats = refitStats();
      const out = cold('aaaaa|').pipe(
        map(() => batchOf([m])),
        refitEvery({ runner: new FakeRunner(10), acquire: () => m as never, now: () => 0, stats }),
        map(label),
      );
      // due at every batch; the first starts at frame 0 and the model's own refit is running for
      // the next four: they are skipped (counted), and nothing runs after the first ends
      expectObservable(out).toBe('bbbbb-----(x|)', { b: 'b', x: 'm1' });
      flush();
      expect(stats).toMatchObject({ started: 1, completed: 1, skipped: 4 });
    });
  });

  it('a busy runner makes another model skip its due refit', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, flush }) => {
      const a = new FakeModel('a', 1);
      const z = new FakeModel('z', 1);
      const stats = refitStats();
      const models = new Map([
        ['a', a],
        ['z', z],
      ]);
      const out = cold('x-y-----|', { x: [a], y: [z] }).pipe(
        map((ms) => batchOf(ms)),
        refitEvery({
          runner: new FakeRunner(4),
          acquire: (k) => models.get(k) as never,
          now: () => 0,
          stats,
        }),
        map(label),
      );
      expectObservable(out).toBe('b-b-a---|', { b: 'b', a: 'a1' });
      flush();
      expect(stats).toMatchObject({ started: 1, completed: 1, skipped: 1 });
      // the skipped model's next refit is a full period away: nothing was queued for it
      expect(z.refitDue()).toBe(false);
    });
  });
});

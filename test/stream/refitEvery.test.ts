import { map, timer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import type { ModelSnapshot } from '../../src/model/snapshot.js';
import type { RefitJob, RefitOutcome } from '../../src/refit/job.js';
import type { RefitRunner } from '../../src/refit/runner.js';
import { emptyOutputs, type EngineElement, type ProcessedBatch } from '../../src/stream/engineTypes.js';
import { refitEvery, refitStats, type RefitTarget } from '../../src/stream/refitEvery.js';

/** A model whose refit is due every `every` batches it appears in. */
class FakeModel implements RefitTarget {
  seen = 0;
  lastRefit = 0;
  /** Refits that came due. */
  dues = 0;
  constructor(
    readonly key: string,
    readonly every: number,
  ) {}
  refitDue(): boolean {
    return this.seen - this.lastRefit >= this.every;
  }
  refitHandled(): void {
    this.dues++;
    this.lastRefit = this.seen;
  }
  refitJob(): RefitJob {
    return { key: this.key, rows: { last: this.seen } } as unknown as RefitJob;
  }
  /** The `startedBy` of each refit accepted. */
  readonly startedBy: Array<RefitTarget | undefined> = [];
  acceptRefit(outcome: RefitOutcome, _ms: number, startedBy?: RefitTarget): ModelSnapshot {
    this.startedBy.push(startedBy);
    return { key: this.key, offset: outcome.last, source: 'refit' } as ModelSnapshot;
  }
}

/** `threads` refits at a time, each taking `frames` of virtual time (never unsubscribed here). */
class FakeRunner implements RefitRunner {
  running = 0;
  constructor(
    private readonly frames: number,
    private readonly threads = 1,
  ) {}
  get idle(): boolean {
    return this.running < this.threads;
  }
  run(job: RefitJob): Observable<RefitOutcome> {
    this.running++;
    // free again when it emits (as a worker is: its thread is free once it has posted the result)
    return timer(this.frames).pipe(
      map(() => (this.running--, { key: job.key, last: job.rows.last }) as unknown as RefitOutcome),
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

  it('a model restored while its refit ran accepts it with the model that started it', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, flush }) => {
      const first = new FakeModel('m', 1);
      const restored = new FakeModel('m', 100);
      // evicted after its refit started (frame 0), restored before it finished (frame 3)
      let live = first;
      const out = cold('a-b|').pipe(
        map((_, i) => (i === 1 ? (live = restored) : live, batchOf([live]))),
        refitEvery({ runner: new FakeRunner(3), acquire: () => live as never, now: () => 0 }),
        map(label),
      );
      expectObservable(out).toBe('b-b(m|)', { b: 'b', m: 'm1' });
      flush();
      expect(restored.startedBy).toHaveLength(1);
      expect(restored.startedBy[0]).toBe(first);
    });
  });

  it('when the source completes in a stop, the running refit is abandoned and the waiting one dropped, not waited for', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, flush }) => {
      const a = new FakeModel('a', 1);
      const z = new FakeModel('z', 1);
      const models = new Map([
        ['a', a],
        ['z', z],
      ]);
      const stats = refitStats();
      const out = cold('x-y|', { x: [a], y: [z] }).pipe(
        map((ms) => batchOf(ms)),
        refitEvery({
          runner: new FakeRunner(10),
          acquire: (k) => models.get(k) as never,
          now: () => 0,
          stats,
          stopping: () => true,
        }),
        map(label),
      );
      // a's refit (frames 0-10) runs, z's waits: both left when the source completes at frame 3
      expectObservable(out).toBe('b-b|', { b: 'b' });
      flush();
      expect(stats).toMatchObject({ started: 1, completed: 0, abandoned: 1, dropped: 1 });
    });
  });

  it("a refit due while the model's own refit runs waits; later ones are merged into it", () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, flush }) => {
      const m = new FakeModel('m', 1);
      const stats = refitStats();
      const out = cold('aaaaa|').pipe(
        map(() => batchOf([m])),
        refitEvery({ runner: new FakeRunner(10), acquire: () => m as never, now: () => 0, stats }),
        map(label),
      );
      // due at every batch: the first starts at frame 0; the second waits, the next three are
      // merged into it (skipped); it starts when the first ends, on the window then (5 events)
      expectObservable(out).toBe('bbbbb-----x---------(y|)', { b: 'b', x: 'm1', y: 'm5' });
      flush();
      expect(stats).toMatchObject({ started: 2, completed: 2, queued: 1, skipped: 3 });
    });
  });

  it("a busy runner makes another model's due refit wait, then run", () => {
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
      expectObservable(out).toBe('b-b-a---(z|)', { b: 'b', a: 'a1', z: 'z1' });
      flush();
      expect(stats).toMatchObject({ started: 2, completed: 2, queued: 1, skipped: 0 });
      // its next refit is a full period from the one that came due
      expect(z.refitDue()).toBe(false);
    });
  });

  for (const threads of [1, 2])
    it(`refits slower than the cadence (${threads} thread(s)): every due refit runs or is merged into a later one of its model, in order`, () => {
      new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, flush }) => {
        const models = ['a', 'b', 'c'].map((k, i) => new FakeModel(k, i + 1));
        const byKey = new Map(models.map((m) => [m.key, m]));
        const stats = refitStats();
        const applied: Array<{ key: string; last: number }> = [];
        const out = cold('a'.repeat(40) + '|').pipe(
          map(() => batchOf(models)),
          refitEvery({
            runner: new FakeRunner(7, threads),
            acquire: (k) => byKey.get(k) as never,
            now: () => 0,
            stats,
          }),
        );
        out.subscribe((e) => {
          if (e.kind === 'refit') applied.push({ key: e.key, last: e.snapshot!.offset });
        });
        flush();
        const dues = models.reduce((n, m) => n + m.dues, 0);
        expect(dues).toBe(40 + 20 + 13);
        // nothing lost: each due refit either ran or was merged into a later one of its model
        expect(stats.started + stats.skipped).toBe(dues);
        expect(stats.completed).toBe(stats.started);
        expect(stats.dropped + stats.failed).toBe(0);
        expect(applied.length).toBe(stats.completed);
        for (const m of models) {
          const lasts = applied.filter((r) => r.key === m.key).map((r) => r.last);
          // in order, each on a later window, the last one reaching the model's last due point (a
          // waiting refit takes the window when it starts)
          expect(lasts).toEqual([...lasts].sort((x, y) => x - y));
          expect(new Set(lasts).size).toBe(lasts.length);
          expect(lasts.at(-1)).toBeGreaterThanOrEqual(m.lastRefit);
        }
      });
    });
});

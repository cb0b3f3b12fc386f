import { catchError, EMPTY, merge, mergeMap, of, type Observable, type OperatorFunction } from 'rxjs';

import type { ModelSnapshot } from '../model/snapshot.js';
import type { RefitJob, RefitOutcome } from '../refit/job.js';
import type { RefitRunner } from '../refit/runner.js';
import { emptyOutputs, type EngineElement, type ProcessedBatch, type RefitDone } from './engineTypes.js';

/** What `refitEvery` needs of a live model (`LiveModel` has it). */
export interface RefitTarget {
  readonly key: string;
  refitRunning: boolean;
  /** Dropped from the registry while its refit ran: the result is discarded. */
  readonly dropped?: boolean;
  refitDue(): boolean;
  refitHandled(): void;
  refitJob(): RefitJob | null;
  acceptRefit(outcome: RefitOutcome, refitMs: number): ModelSnapshot;
}

/** Counters of the refit schedule. */
export interface RefitStats {
  started: number;
  completed: number;
  /** Due while the runner was busy: skipped, not queued. */
  skipped: number;
  failed: number;
  /** Milliseconds from start to result, summed over completed refits. */
  totalMs: number;
  /** Finished after their model's partition moved to another instance (result dropped). */
  dropped: number;
}

export function refitStats(): RefitStats {
  return { started: 0, completed: 0, skipped: 0, failed: 0, totalMs: 0, dropped: 0 };
}

export interface RefitEveryOptions {
  readonly runner: RefitRunner;
  /**
   * The model of a key when its refit finishes (restored if it was evicted meanwhile), or null
   * when it no longer lives here (its partition moved to another instance): the result is dropped.
   */
  readonly acquire: (key: string, started: RefitTarget) => (RefitTarget & EngineElementLive) | null;
  /** Milliseconds (a scheduler's `now` in tests). */
  readonly now: () => number;
  readonly stats?: RefitStats;
}

/** The live-model type carried by `RefitDone` (kept abstract here so tests can pass fakes). */
type EngineElementLive = NonNullable<RefitDone['live']>;

/**
 * Starts a refit (DESIGN §7) for every model of a batch that is due one (its own schedule: every N
 * learned events and/or T seconds), on the runner (a worker thread), and emits each finished
 * refit as a `RefitDone` with the refit snapshot, after the batches that flowed meanwhile: the
 * stream keeps learning and scoring while it runs. A refit due while the runner is busy, or while
 * the same model's previous refit runs, is skipped and counted: nothing is queued, so refits never
 * fall behind the stream. Batches pass through unchanged. Completes when the source has and every
 * running refit has finished.
 *
 * @example
 * processed$.pipe(refitEvery({ runner: new WorkerRefitRunner(), acquire: (k) => registry.acquire(k), now: Date.now }))
 */
export function refitEvery(options: RefitEveryOptions): OperatorFunction<EngineElement, EngineElement> {
  const { runner, acquire, now } = options;
  const stats = options.stats ?? refitStats();
  return (source) =>
    source.pipe(
      mergeMap((element): Observable<EngineElement> => {
        if (element.kind !== 'batch') return of(element);
        const started: Array<Observable<EngineElement>> = [];
        for (const { live } of (element as ProcessedBatch).parts) {
          if (!live.refitDue()) continue;
          live.refitHandled();
          if (live.refitRunning || !runner.idle) {
            stats.skipped++;
            continue;
          }
          const job = live.refitJob();
          if (job === null) continue;
          live.refitRunning = true;
          stats.started++;
          const key = live.key;
          const t0 = now();
          started.push(
            runner.run(job).pipe(
              mergeMap((outcome): Observable<RefitDone> => {
                const ms = now() - t0;
                const target = acquire(key, live);
                if (target === null) {
                  stats.dropped++;
                  return EMPTY;
                }
                target.refitRunning = false;
                stats.completed++;
                stats.totalMs += ms;
                return of({
                  kind: 'refit',
                  key,
                  live: target,
                  snapshot: target.acceptRefit(outcome, ms),
                  error: null,
                  outputs: emptyOutputs(),
                });
              }),
              catchError((err: unknown) => {
                const target = acquire(key, live);
                if (target === null) {
                  stats.dropped++;
                  return EMPTY;
                }
                target.refitRunning = false;
                stats.failed++;
                const done: RefitDone = {
                  kind: 'refit',
                  key,
                  live: target,
                  snapshot: null,
                  error: err instanceof Error ? err : new Error(String(err)),
                  outputs: emptyOutputs(),
                };
                return of(done);
              }),
            ),
          );
        }
        // Refits that finish at once (inline) come before their batch: a checkpoint captured at
        // the batch then holds their results, not a refit taken but never finished.
        return started.length === 0 ? of(element) : merge(...started, of(element));
      }),
    );
}

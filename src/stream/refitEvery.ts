import { Observable, Subscription, type OperatorFunction } from 'rxjs';

import { optionProblems, type OptionKind } from '../config/optionValues.js';
import { ConfigError } from '../core/errors.js';
import type { ModelSnapshot } from '../model/snapshot.js';
import type { RefitJob, RefitOutcome } from '../refit/job.js';
import type { RefitRunner } from '../refit/runner.js';
import { emptyOutputs, type EngineElement, type ProcessedBatch, type RefitDone } from './engineTypes.js';

/** What `refitEvery` needs of a live model (`LiveModel` has it). */
export interface RefitTarget {
  readonly key: string;
  /** Dropped from the registry while its refit ran: the result is discarded. */
  readonly dropped?: boolean;
  refitDue(): boolean;
  /** Its next refit is near: the runner's threads start then (`RefitRunner.prestart`). */
  refitNear?(): boolean;
  refitHandled(): void;
  refitJob(): RefitJob | null;
  /**
   * `startedBy`: the model that started the refit (another object than this one when this one was
   * restored in its place while it ran: evicted, then back); what it kept of the job that is not
   * state is taken from it.
   */
  acceptRefit(outcome: RefitOutcome, refitMs: number, startedBy?: RefitTarget): ModelSnapshot;
}

/** Counters of the refit schedule. */
export interface RefitStats {
  started: number;
  completed: number;
  /**
   * Of the completed: no estimate (`RefitOutcome.noEstimate`, a binomial window of one label),
   * published but not served, handed back or checked for drift.
   */
  noEstimate: number;
  /** Due while the runner or the model's own refit was busy: waited, then ran (or were merged). */
  queued: number;
  /**
   * Due while a refit of the same model was already waiting: merged into it (it runs once, on
   * the model's window when it starts), so not run on their own.
   */
  skipped: number;
  failed: number;
  /** Milliseconds from start to result, summed over completed refits. */
  totalMs: number;
  /**
   * Finished, or still waiting, after their model's partition moved to another instance (result
   * dropped, or never started).
   */
  dropped: number;
  /**
   * Running when the run was stopped (a signal, the engine's `stop`, `close()`): left unfinished,
   * their result neither applied nor written.
   */
  abandoned: number;
}

export function refitStats(): RefitStats {
  return {
    started: 0,
    completed: 0,
    noEstimate: 0,
    queued: 0,
    skipped: 0,
    failed: 0,
    totalMs: 0,
    dropped: 0,
    abandoned: 0,
  };
}

export interface RefitEveryOptions {
  readonly runner: RefitRunner;
  /**
   * The model of a key when its refit finishes, or when its waiting refit starts (restored if it
   * was evicted meanwhile), or null when it no longer lives here (its partition moved to another
   * instance): the result is dropped. `started` is the model that started the finished refit
   * (null for a waiting refit, which is taken from whatever model of the key lives here then).
   */
  readonly acquire: (key: string, started: RefitTarget | null) => (RefitTarget & EngineElementLive) | null;
  /** Milliseconds (a scheduler's `now` in tests). */
  readonly now: () => number;
  readonly stats?: RefitStats;
  /**
   * True once the run is being stopped: when the source completes then, the running refits are
   * abandoned (counted in `abandoned`) and the waiting ones dropped, instead of waited for.
   */
  readonly stopping?: () => boolean;
}

const refitEveryKinds: ReadonlyArray<readonly [keyof RefitEveryOptions, OptionKind]> = [
  ['runner', 'refitRunner'],
  ['acquire', 'function'],
  ['now', 'function'],
  ['stats', 'object'],
  ['stopping', 'function'],
];

/**
 * `refitEvery`'s options from plain JavaScript: a misspelled key (`stoping`: a stop then waited for
 * every refit) was ignored, and a `now` that is no function failed only at the first refit.
 */
function checkRefitEveryOptions(options: RefitEveryOptions): void {
  const problems = optionProblems('refitEvery', options, refitEveryKinds, ['runner', 'acquire', 'now']);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The live-model type carried by `RefitDone` (kept abstract here so tests can pass fakes). */
type EngineElementLive = NonNullable<RefitDone['live']>;

/**
 * Starts a refit (the README's refits) for every model of a batch that is due one (its own schedule: every N
 * learned events and/or T seconds), on the runner (worker threads), and emits each finished refit
 * as a `RefitDone` with the refit snapshot, after the batches that flowed meanwhile: the stream
 * keeps learning and scoring while it runs. A refit due while every worker is busy, or while the
 * same model's previous refit runs, waits: at most one per model (a later due one is merged into
 * it and counted as skipped), oldest due first, its job (the window) taken when it starts. The
 * wait list holds keys only, so it is bounded by the number of keys. A model's refits finish in
 * the order they started. Batches pass through unchanged (inline refits come before the batch
 * that made them due). Completes when the source has and every refit, waiting or running, is done;
 * or, when `stopping()` says so, as soon as the source has (the running refits are abandoned).
 * The runner's threads start (`prestart`) the first time a model of a batch is near its next
 * refit (`refitNear`), not before: a run that ends earlier starts none.
 *
 * @example
 * processed$.pipe(refitEvery({ runner: new WorkerRefitRunner(), acquire: (k) => registry.acquire(k), now: Date.now }))
 */
export function refitEvery(options: RefitEveryOptions): OperatorFunction<EngineElement, EngineElement> {
  checkRefitEveryOptions(options);
  const { runner, acquire, now } = options;
  const stats = options.stats ?? refitStats();
  return (source) =>
    new Observable<EngineElement>((subscriber) => {
      /** Keys with a refit waiting, oldest due first. */
      const waiting = new Set<string>();
      /** Keys whose refit runs, with its subscription. */
      const running = new Map<string, Subscription>();
      let sourceDone = false;
      /** The runner was told to get ready (the first time a model's refit was near). */
      let prestarted = runner.prestart === undefined;

      const finished = (
        key: string,
        live: RefitTarget,
        t0: number,
        outcome: RefitOutcome | null,
        err: unknown,
      ) => {
        running.delete(key);
        const ms = now() - t0;
        const target = acquire(key, live);
        if (target === null) stats.dropped++;
        else {
          let snapshot: ModelSnapshot | null = null;
          let error: Error | null = null;
          if (outcome !== null) {
            stats.completed++;
            if (outcome.noEstimate === true) stats.noEstimate++;
            stats.totalMs += ms;
            snapshot = target.acceptRefit(outcome, ms, live);
          } else {
            stats.failed++;
            error = err instanceof Error ? err : new Error(String(err));
          }
          subscriber.next({ kind: 'refit', key, live: target, snapshot, error, outputs: emptyOutputs() });
        }
        startWaiting();
        if (sourceDone) completeWhenIdle();
      };

      const start = (live: RefitTarget) => {
        const job = live.refitJob();
        if (job === null) return;
        stats.started++;
        const key = live.key;
        const t0 = now();
        const sub = new Subscription();
        running.set(key, sub);
        // an inline runner emits at once: `finished` runs (and deletes the key) before `add`
        sub.add(
          runner.run(job).subscribe({
            next: (outcome) => guarded(() => finished(key, live, t0, outcome, null)),
            error: (err: unknown) => guarded(() => finished(key, live, t0, null, err)),
          }),
        );
      };

      /** Starts waiting refits, oldest due first, while a worker is free. */
      const startWaiting = () => {
        for (const key of waiting) {
          if (!runner.idle) return;
          if (running.has(key)) continue; // its own refit still runs
          waiting.delete(key);
          const live = acquire(key, null);
          if (live === null) stats.dropped++;
          else start(live);
        }
      };

      const completeWhenIdle = () => {
        if (running.size > 0) return;
        // nothing runs and nothing can start (a closed runner): these never will
        stats.dropped += waiting.size;
        waiting.clear();
        subscriber.complete();
      };

      /** Runs `fn`; what it throws (a store that cannot restore a model) goes down the stream. */
      const guarded = (fn: () => void) => {
        try {
          fn();
        } catch (err) {
          subscriber.error(err);
        }
      };

      const upstream = source.subscribe({
        next: (element) =>
          guarded(() => {
            if (element.kind === 'batch') {
              startWaiting();
              for (const { live } of (element as ProcessedBatch).parts) {
                if (!prestarted && live.refitNear?.() === true) {
                  prestarted = true;
                  runner.prestart?.();
                }
                if (!live.refitDue()) continue;
                live.refitHandled();
                if (waiting.has(live.key)) stats.skipped++;
                else if (running.has(live.key) || !runner.idle) {
                  waiting.add(live.key);
                  stats.queued++;
                } else start(live);
              }
            }
            subscriber.next(element);
          }),
        error: (err: unknown) => subscriber.error(err),
        complete: () =>
          guarded(() => {
            sourceDone = true;
            if (options.stopping?.() === true) {
              // a stop does not wait for refits: their results would come after it
              for (const sub of running.values()) sub.unsubscribe();
              stats.abandoned += running.size;
              running.clear();
            } else startWaiting();
            completeWhenIdle();
          }),
      });
      return () => {
        upstream.unsubscribe();
        for (const sub of running.values()) sub.unsubscribe();
      };
    });
}

import { createRequire } from 'node:module';

import type { Counter, Histogram, Registry } from 'prom-client';

import type { CheckpointStats } from '../engine/checkpointer.js';
import type { Engine, EngineObserver, EngineStats } from '../engine/engine.js';
import type { RestoreStats } from '../engine/ports.js';
import type { LiveModel } from '../model/liveModel.js';
import { optionKeyProblems } from '../config/optionKeys.js';
import { ConfigError } from '../core/errors.js';
import { pipelineNotReady } from './readiness.js';

export interface EngineMetricsOptions {
  /**
   * Consumer lag by `"topic:partition"` (records behind the partition's end), read at each
   * scrape; absent for sources without partitions.
   */
  readonly lag?: () => ReadonlyMap<string, number>;
  /** Distinct `reason` values of `l1stream_events_rejected_total` before the rest count as "other" (default 50). */
  readonly maxReasons?: number;
  /** Node.js process metrics (`process_*`, `nodejs_*`; default true). */
  readonly processMetrics?: boolean;
  /**
   * Whether the service is ready, for `l1stream_ready`: give what `/readyz` reads (`OpsServer.notReady()
   * === null`) so that the two agree. Default: the engine's part of it (`pipelineNotReady`).
   */
  readonly ready?: () => boolean;
}

/** A reason's guess at a misspelt name (`; did you mean "campaign"?`), left out of its metric label. */
const DID_YOU_MEAN = /; did you mean "[^"]*"\?$/;
/** prom-client, loaded by the first `EngineMetrics`: the public API (src/index.ts) does not load it. */
let promClient: typeof import('prom-client') | undefined;
const prom = () =>
  (promClient ??= createRequire(import.meta.url)('prom-client') as typeof import('prom-client'));

const refitBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const storeBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A per-model count, kept while the model has learned nothing and taken no refit since. */
interface NonZeroCount {
  readonly offset: number;
  readonly version: number;
  readonly nonZero: number;
}

/**
 * The engine's Prometheus metrics, in a registry of their own (never prom-client's global one).
 * Counters and gauges of `engine.stats()` are read when scraped, from one `stats()` call per
 * scrape, so a scrape agrees exactly with `engine.stats()` at that moment; refit, checkpoint and
 * restore durations come from the engine's observer hooks (pass this object as
 * `EngineOptions.observer`, then `bind` the engine).
 *
 * @example
 * const metrics = new EngineMetrics();
 * const engine = new Engine(config, ports, { observer: metrics });
 * metrics.bind(engine);
 * const text = await metrics.registry.metrics();
 */
export class EngineMetrics implements EngineObserver {
  readonly registry: Registry = new (prom().Registry)();
  private engine: Engine | null = null;
  /** `engine.stats()` of the scrape in progress (collect callbacks run in one synchronous pass). */
  private current: EngineStats | null = null;
  private readonly nonZeroCounts = new WeakMap<LiveModel, NonZeroCount>();
  private readonly refitSeconds: Histogram;
  private readonly checkpointSeconds: Histogram;
  private readonly restoreSeconds: Histogram;
  private readonly restoredModels: Counter;
  private readonly restoredBytes: Counter;
  private readonly droppedModels: Counter;

  constructor(options: EngineMetricsOptions = {}) {
    // from plain JavaScript: a misspelled option (`maxreasons`, `processmetrics`) was ignored
    const problems = optionKeyProblems('EngineMetrics', options, [
      'lag',
      'maxReasons',
      'processMetrics',
      'ready',
    ]);
    if (problems.length > 0) throw new ConfigError(problems);
    const { collectDefaultMetrics, Counter, Gauge, Histogram } = prom();
    const registers = [this.registry];
    const maxReasons = options.maxReasons ?? 50;
    const stat = (read: (s: EngineStats) => number) => () => {
      const s = this.stats();
      return s === null ? 0 : read(s);
    };
    const counter = (name: string, help: string, read: (s: EngineStats) => number) => {
      const value = stat(read);
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    };
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });

    counter('l1stream_records_read_total', 'Records read from the source.', (s) => s.records);
    counter('l1stream_events_learned_total', 'Labelled events learned.', (s) => s.learned);
    counter('l1stream_events_scored_total', 'Unlabelled events scored.', (s) => s.scored);
    const rejected = (): ReadonlyMap<string, number> => this.stats()?.rejectedByReason ?? new Map();
    new Counter({
      name: 'l1stream_events_rejected_total',
      help: `Records sent to the dead letters, by reason (the first ${maxReasons} reasons seen; later ones as "other").`,
      labelNames: ['reason'] as const,
      registers,
      collect() {
        this.reset();
        // Insertion order is first-seen order, so a reason keeps its label once it has one.
        const byLabel = new Map<string, number>();
        let i = 0;
        for (const [given, n] of rejected()) {
          // one series per reason, whatever name each record's guess offers (a misspelt field in
          // every event gave one series per guess until the labels ran out, and the rest "other")
          const reason = given.replace(DID_YOU_MEAN, '');
          let label = byLabel.has(reason) ? reason : 'other';
          if (!byLabel.has(reason) && i < maxReasons) {
            label = reason;
            i++;
          }
          byLabel.set(label, (byLabel.get(label) ?? 0) + n);
        }
        for (const [reason, n] of byLabel) this.inc({ reason }, n);
      },
    });
    counter(
      'l1stream_events_skipped_covered_total',
      'Events not learned again because a restored model state already covered them.',
      (s) => s.skippedCovered,
    );
    counter(
      'l1stream_records_not_learned_revoked_total',
      'Records read before a rebalance and not learned: their partition was reassigned, and its new owner reads them.',
      (s) => s.notLearnedRevoked,
    );
    counter('l1stream_snapshots_published_total', 'Model snapshots published.', (s) => s.snapshots);
    counter('l1stream_scores_published_total', 'Score records published.', (s) => s.scores);
    counter('l1stream_alerts_published_total', 'Drift alerts published.', (s) => s.alerts);

    const loss = () => this.engine;
    new Gauge({
      name: 'l1stream_progressive_loss',
      help: 'Progressive validation loss over every labelled event (log loss for binomial, squared error for gaussian); absent before the first.',
      labelNames: ['loss'] as const,
      registers,
      collect() {
        this.reset();
        const engine = loss();
        const value = engine?.metrics.progressiveLoss ?? NaN;
        if (engine !== null && Number.isFinite(value))
          this.set({ loss: engine.config.model.family === 'binomial' ? 'log_loss' : 'squared_error' }, value);
      },
    });
    gauge('l1stream_nonzero_coefficients', 'Non-zero coefficients, summed over the models in memory.', () =>
      this.nonZero(),
    );
    gauge(
      'l1stream_models_live',
      'Models in memory.',
      stat((s) => s.liveModels),
    );
    gauge(
      'l1stream_model_keys',
      'Model keys, in memory or in the state store.',
      stat((s) => s.keys),
    );
    counter(
      'l1stream_models_created_total',
      'Models created for new keys.',
      () => this.engine?.registry.stats.created ?? 0,
    );
    counter(
      'l1stream_models_evicted_total',
      'Models checkpointed to the state store and dropped from memory.',
      (s) => s.evictions,
    );
    counter(
      'l1stream_models_restored_total',
      'Models brought back into memory from the state store.',
      () => this.engine?.registry.stats.restored ?? 0,
    );

    counter('l1stream_refits_started_total', 'Refits started.', (s) => s.refits.started);
    counter('l1stream_refits_completed_total', 'Refits completed.', (s) => s.refits.completed);
    counter(
      'l1stream_refits_no_estimate_total',
      'Completed refits that are no estimate (a binomial window of one label): published, not served.',
      (s) => s.refits.noEstimate,
    );
    counter(
      'l1stream_refits_queued_total',
      "Refits due while the refit threads or the model's own refit were busy: they waited, then ran.",
      (s) => s.refits.queued,
    );
    counter(
      'l1stream_refits_skipped_total',
      'Refits due while one of the same model was waiting: merged into it.',
      (s) => s.refits.skipped,
    );
    counter('l1stream_refits_failed_total', 'Refits that failed.', (s) => s.refits.failed);
    counter(
      'l1stream_refits_dropped_total',
      "Refits whose model's partition moved to another instance before they finished.",
      (s) => s.refits.dropped,
    );
    counter(
      'l1stream_refits_abandoned_total',
      'Refits running when the engine was stopped: left unfinished, their result neither applied nor written.',
      (s) => s.refits.abandoned,
    );
    this.refitSeconds = new Histogram({
      name: 'l1stream_refit_duration_seconds',
      help: 'Time from the start of a refit to its result, for completed refits.',
      buckets: refitBuckets,
      registers,
    });

    counter(
      'l1stream_checkpoints_total',
      'Checkpoints (model states written, then offsets committed).',
      (s) => s.checkpoints.checkpoints,
    );
    counter(
      'l1stream_checkpoint_models_total',
      'Model states written by checkpoints.',
      (s) => s.checkpoints.models,
    );
    counter(
      'l1stream_checkpoint_bytes_total',
      'Bytes of model state written by checkpoints.',
      (s) => s.checkpoints.bytes,
    );
    this.checkpointSeconds = new Histogram({
      name: 'l1stream_checkpoint_duration_seconds',
      help: 'Time of a checkpoint, from the capture of the model states to the offsets committed.',
      buckets: storeBuckets,
      registers,
    });

    this.restoreSeconds = new Histogram({
      name: 'l1stream_state_restore_duration_seconds',
      help: 'Time to restore the model states of a new partition assignment (count: assignments).',
      buckets: storeBuckets,
      registers,
    });
    this.restoredModels = new Counter({
      name: 'l1stream_state_restored_models_total',
      help: 'Model states loaded on partition assignments.',
      registers,
    });
    this.restoredBytes = new Counter({
      name: 'l1stream_state_restored_bytes_total',
      help: 'Bytes of model state loaded on partition assignments.',
      registers,
    });
    this.droppedModels = new Counter({
      name: 'l1stream_models_dropped_total',
      help: 'Models dropped from memory because their partitions were assigned elsewhere.',
      registers,
    });
    const ready = options.ready ?? (() => pipelineNotReady(this.engine) === null);
    gauge(
      'l1stream_ready',
      '1 while /readyz answers 200 (engine ready, first assignment restored, consumer fetching), else 0.',
      () => (ready() ? 1 : 0),
    );

    const lag = options.lag;
    if (lag !== undefined) {
      new Gauge({
        name: 'l1stream_consumer_lag',
        help: 'Records between the consumer position and the end of each assigned partition.',
        labelNames: ['topic', 'partition'] as const,
        registers,
        collect() {
          this.reset();
          for (const [at, n] of lag()) {
            const colon = at.lastIndexOf(':');
            if (colon <= 0 || !Number.isFinite(n)) continue;
            this.set({ topic: at.slice(0, colon), partition: at.slice(colon + 1) }, n);
          }
        },
      });
    }
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The engine whose statistics the metrics read (its observer should be this object). */
  bind(engine: Engine): void {
    this.engine = engine;
  }

  /** Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  refit(result: { readonly key: string; readonly ms: number; readonly ok: boolean }): void {
    if (result.ok) this.refitSeconds.observe(result.ms / 1000);
  }

  checkpoint(stats: CheckpointStats): void {
    this.checkpointSeconds.observe(stats.latencyMs / 1000);
  }

  restore(stats: RestoreStats & { readonly dropped: number }): void {
    this.restoreSeconds.observe(stats.ms / 1000);
    this.restoredModels.inc(stats.models);
    this.restoredBytes.inc(stats.bytes);
    this.droppedModels.inc(stats.dropped);
  }

  /** One `engine.stats()` per scrape: taken by the first collect callback, dropped after the pass. */
  private stats(): EngineStats | null {
    if (this.engine === null) return null;
    if (this.current === null) {
      this.current = this.engine.stats();
      queueMicrotask(() => (this.current = null));
    }
    return this.current;
  }

  /**
   * Non-zero coefficients of the models in memory, as their snapshots count them. Counting walks a
   * model's coefficients, so a model's count is kept until it learns or takes a refit.
   */
  private nonZero(): number {
    if (this.engine === null) return 0;
    let total = 0;
    for (const live of this.engine.registry.liveModels()) {
      const { model } = live;
      const known = this.nonZeroCounts.get(live);
      if (known !== undefined && known.offset === model.offset && known.version === model.currentVersion) {
        total += known.nonZero;
        continue;
      }
      const nonZero = model.coefficients().indices.length;
      this.nonZeroCounts.set(live, { offset: model.offset, version: model.currentVersion, nonZero });
      total += nonZero;
    }
    return total;
  }
}

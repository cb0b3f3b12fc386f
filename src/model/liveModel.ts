import { optionProblems } from '../config/optionValues.js';
import { ConfigError, StateError } from '../core/errors.js';
import type { L1Event } from '../core/event.js';
import type { SparseVector } from '../core/sparse.js';
import {
  DriftMonitor,
  type AlertLogger,
  type DriftMonitorState,
  type RefitMoves,
} from '../drift/driftMonitor.js';
import type { EngineConfig, ServeSource } from '../engine/config.js';
import type { PartitionRef } from '../engine/ports.js';
import type { ScoreRecord } from '../engine/records.js';
import { lossFor } from '../loss/index.js';
import { ProgressiveMetrics, type ProgressiveMetricsState } from '../metrics/progressive.js';
import {
  DEFAULT_REFIT_GAP,
  DEFAULT_REFIT_KKT,
  type RefitJob,
  type RefitOutcome,
  type SparseCoefficients,
} from '../refit/job.js';
import { centerLevels, levelGauge, type LevelGauge } from '../refit/levelGauge.js';
import { RefitWindow, type RefitWindowState } from '../refit/window.js';
import type { RecordPosition } from '../stream/types.js';
import type { RefitTarget } from '../stream/refitEvery.js';
import { OnlineModel, onlineDefaults, orderByMagnitude, type OnlineModelCheckpoint } from './onlineModel.js';
import { explainScore } from './scoreExplainer.js';
import type { ModelSnapshot } from './snapshot.js';
import { decodeState, encodeState } from './stateCodec.js';

/** What a live model needs from the engine besides its configuration. */
export interface LiveModelContext {
  readonly config: EngineConfig;
  /** Wall clock for `createdAt`. */
  readonly clock: () => Date;
  /** Milliseconds, for time-based cadences (a scheduler's `now()` in tests). */
  readonly now: () => number;
  readonly logger?: AlertLogger;
}

/**
 * A `LiveModelContext` from JavaScript: a misspelled key was ignored (`clok`: snapshots were
 * stamped by the wall clock, not the one given), and no `now` was a TypeError from inside; each
 * is a `ConfigError`, all at once.
 */
function checkContext(context: LiveModelContext): void {
  const kinds = [
    ['config', 'object'],
    ['clock', 'function'],
    ['now', 'function'],
    ['logger', 'object'],
  ] as const;
  const problems = optionProblems('LiveModel context', context, kinds, ['config', 'clock', 'now']);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The latest refit of a model: its coefficients by model column, and where it came from. */
interface RefitModel {
  readonly model: SparseCoefficients;
  readonly byColumn: Map<number, number>;
  readonly version: number;
  readonly offset: number;
}

/**
 * One model key's whole live state (the README's keyed models): the online model (featurizer, scaler, learner,
 * progressive metrics), its drift monitor, its refit window and latest refit, and the cadences
 * of its snapshots, drift checks and refits. The registry holds these; eviction checkpoints one
 * whole, so a model evicted and restored learns exactly what it would have learned in memory.
 */
export class LiveModel {
  readonly key: string;
  readonly model: OnlineModel;
  readonly drift: DriftMonitor;
  readonly window: RefitWindow | null;
  /** Progressive metrics of the model that serves (only when it is the refit). */
  readonly served: ProgressiveMetrics | null;
  private readonly context: LiveModelContext;
  private readonly serve: ServeSource;
  private refit: RefitModel | null = null;
  /** Margin of the refit model for the event being processed (NaN when there is none). */
  private refitMargin = NaN;
  private contributionBuffer = new Float64Array(64);
  /**
   * The divisor (`columnScale`: the online scaler's sd) of each feature of the latest refit, by
   * name, when it was accepted: the drift monitor weighs that refit's coefficients by these.
   */
  private readonly refitScales = new Map<string, number>();
  /**
   * The complete text fields of the window of the refit that runs now (`levelGauge`), and of the
   * latest refit accepted: the drift monitor judges such a refit's levels from their centre.
   */
  private runningGauge: LevelGauge | null = null;
  private refitGauge: LevelGauge | null = null;
  /**
   * The last refit's coefficients in standard errors, by name (`RefitOutcome.changes`: from 0, and
   * moved since the previous refit), for its snapshot's drift checks; the levels the gauge centres
   * have their centred moves only (`movesByName`). Not state: made when the refit is accepted.
   */
  private refitMoves: { readonly version: number; readonly moves: RefitMoves } | null = null;
  /** The version of the last refit snapshot that was no estimate (not state: drift reads it at once). */
  private noEstimateVersion = -1;
  /** The last refit's coefficients centred on `refitGauge` (`centerLevels`, once per refit). */
  private refitCentred: { readonly version: number; readonly coefficients: Record<string, number> } | null =
    null;
  lastSnapshotOffset = 0;
  /**
   * A refit's weights were handed to the online model after its last snapshot (not state: a model
   * restored with `refit.handBack` on counts as changed until its next snapshot).
   */
  private handedBackSinceSnapshot: boolean;
  lastSnapshotAt: number;
  lastCheckOffset = 0;
  lastRefitOffset = 0;
  lastRefitAt: number;
  /**
   * Per input partition (`coverageKey`), the position of the last record this model has taken in
   * (learned, scored or rejected): a restored model skips records it already covers, so resuming
   * from offsets older than its checkpoint never learns an event twice.
   */
  readonly covered = new Map<string, number>();
  /** Changed since its last checkpoint (not state). */
  dirty = true;
  /** Dropped from the registry without a checkpoint (its partition moved, or a rewind). */
  dropped = false;
  /** Feature indices per event to make room for in its next `LearnedBatchBuilder` (not state). */
  indicesPerEvent = 8;
  /**
   * True when its drift monitor reads the learned events' feature indices: its input tests (the
   * sparsity test and the sequential one, on this thread or its worker) are on.
   */
  readonly driftReadsIndices: boolean;

  /** A new model for `key`, or one continuing from `state` (a checkpoint's content). */
  constructor(key: string, context: LiveModelContext, state?: LiveModelState) {
    checkContext(context);
    const { config } = context;
    this.key = key;
    this.context = context;
    this.serve = config.refit.enabled ? config.refit.serve : 'online';
    // keyed by a feature field: that field is the model's own key in every event, not a feature
    const keyBy = config.keys.keyBy;
    const keyField = keyBy !== null && keyBy !== 'key' ? keyBy : null;
    // keyed and hashed: each model's columns are the buckets its key has seen (not 2^hashBits each)
    const compactHashing = keyBy !== null && config.model.hashBits !== undefined;
    const options = { ...config.model, key, clock: context.clock, keyField, compactHashing };
    this.model = state ? OnlineModel.restore(options, state.model) : new OnlineModel(options);
    const driftOptions = {
      config: config.drift,
      family: this.model.family,
      clock: context.clock,
      // a refit's features by the scaler's sd when it landed, even those the online model has at 0
      scaleOf: (name: string) => this.refitScales.get(name) ?? this.model.featureScale(name),
      targetScale: () => this.model.targetScale,
      ...(context.logger ? { logger: context.logger } : {}),
    };
    this.drift = state ? DriftMonitor.fromState(driftOptions, state.drift) : new DriftMonitor(driftOptions);
    const drift = this.drift.config;
    this.driftReadsIndices = drift.enabled && (drift.inputSparsity.enabled || drift.inputSequential.enabled);
    if (drift.enabled && drift.inputOutliers.enabled)
      this.model.watchJumps(drift.inputOutliers.sdGrowth, drift.inputOutliers.minEvents);
    this.window = config.refit.enabled
      ? state?.window
        ? RefitWindow.fromState(state.window, config.refit.window)
        : new RefitWindow(config.refit.window)
      : null;
    this.served =
      this.serve !== 'refit'
        ? null
        : state?.served
          ? ProgressiveMetrics.fromState(state.served)
          : new ProgressiveMetrics(this.model.family, config.model.aucSample ?? onlineDefaults.aucSample);
    this.lastSnapshotAt = this.lastRefitAt = context.now();
    this.handedBackSinceSnapshot = state !== undefined && config.refit.enabled && config.refit.handBack;
    if (state) {
      if (state.format !== 1)
        throw new StateError(`unknown live model checkpoint format ${String(state.format)}`);
      if (state.key !== key) throw new StateError(`checkpoint is for model key "${state.key}", not "${key}"`);
      if (state.refit !== null) this.setRefit(state.refit.model, state.refit.version, state.refit.offset);
      if (state.covered !== undefined) for (const [k, v] of state.covered) this.covered.set(k, v);
      this.dirty = false;
      ({
        lastSnapshotOffset: this.lastSnapshotOffset,
        lastSnapshotAt: this.lastSnapshotAt,
        lastCheckOffset: this.lastCheckOffset,
        lastRefitOffset: this.lastRefitOffset,
        lastRefitAt: this.lastRefitAt,
      } = state.cadence);
    }
    this.model.observeRaw((x, y, w) => this.observeRaw(x, y, w));
    if (this.window !== null) this.model.keepNames((j) => this.keepsName(j));
  }

  private observeRaw(x: SparseVector, y: number | undefined, weight: number): void {
    if (y !== undefined && this.window !== null) this.window.push(x, y, weight);
    if (this.served === null) return;
    const refit = this.refit;
    if (refit === null) {
      this.refitMargin = NaN;
      return;
    }
    let eta = refit.model.intercept;
    for (let k = 0; k < x.nnz; k++) eta += (refit.byColumn.get(x.indices[k]) ?? 0) * x.values[k];
    this.refitMargin = eta;
  }

  /** Hashed names that must not be pruned: columns of the window and of the latest refit. */
  private namesToKeep: Set<number> | null = null;
  private keepsName(j: number): boolean {
    if (this.namesToKeep === null) {
      const keep = new Set<number>();
      this.window?.forEachColumn((c) => keep.add(c));
      if (this.refit !== null) for (const c of this.refit.model.cols) keep.add(c);
      this.namesToKeep = keep;
      queueMicrotask(() => (this.namesToKeep = null));
    }
    return this.namesToKeep.has(j);
  }

  /** Which model serves, and the prediction it makes for the event just processed. */
  servedPrediction(onlinePrediction: number): { source: ServeSource; prediction: number } {
    if (this.served !== null && Number.isFinite(this.refitMargin) && this.refitIsFresh())
      return { source: 'refit', prediction: lossFor(this.model.family).mean(this.refitMargin) };
    return { source: 'online', prediction: onlinePrediction };
  }

  /**
   * A refit serves only while it is recent: its window ended at most two refit periods (in learned
   * events) ago. An older one (the worker fell behind) would serve data the online model has moved
   * past, so the online model serves until the next refit lands.
   */
  private refitIsFresh(): boolean {
    const { everyEvents, window } = this.context.config.refit;
    const period = Number.isFinite(everyEvents) ? everyEvents : window;
    return this.refit !== null && this.model.offset - this.refit.offset <= 2 * period;
  }

  /** Records the served model's progressive loss for a labelled event just processed. */
  recordServed(onlinePrediction: number, label: number, weight: number): void {
    if (this.served !== null)
      this.served.update(this.servedPrediction(onlinePrediction).prediction, label, weight);
  }

  /**
   * The score record of the unlabelled event just processed (`model.process` was called on it),
   * with its explanation: O(the event's non-zeros), only for scores that are written.
   */
  score(event: L1Event, position: RecordPosition, onlinePrediction: number, top: number): ScoreRecord {
    const served = this.servedPrediction(onlinePrediction);
    const x = this.model.lastFeatures();
    if (this.contributionBuffer.length < x.nnz) this.contributionBuffer = new Float64Array(x.nnz * 2);
    const c = this.contributionBuffer;
    let margin: number;
    let baseline: number;
    if (served.source === 'online') {
      ({ margin, baseline } = this.model.lastScore());
      this.model.contributions(c);
    } else {
      margin = this.refitMargin;
      baseline = this.refit!.model.intercept;
      // the refit is on the original scale: β_j·x_j with x_j raw = scaled · sd_j
      for (let k = 0; k < x.nnz; k++) {
        const j = x.indices[k];
        c[k] = (this.refit!.byColumn.get(j) ?? 0) * x.values[k] * this.model.columnScale(j);
      }
    }
    const explained = explainScore(margin, baseline, c, x.nnz, top, (k) =>
      this.model.featurizer.nameOf(x.indices[k]),
    );
    return {
      key: this.key,
      ...(event.key !== undefined ? { eventKey: event.key } : {}),
      source: position.source,
      ...(position.partition !== undefined ? { partition: position.partition } : {}),
      offset: position.offset,
      ...(event.ts !== undefined ? { ts: event.ts } : {}),
      prediction: served.prediction,
      model:
        served.source === 'refit'
          ? { source: 'refit', version: this.refit!.version, offset: this.refit!.offset, exact: true }
          : {
              source: 'online',
              version: this.model.onlineVersion,
              offset: this.model.offset,
              exact: this.onlineIsSnapshot(),
            },
      margin: explained.margin,
      baseline: explained.baseline,
      top: explained.top,
      others: explained.others,
    };
  }

  /**
   * The online model is exactly its last published snapshot: one was taken, and since then it has
   * learned no event and taken no refit's weights (its scores are reproducible from models.jsonl).
   */
  private onlineIsSnapshot(): boolean {
    return (
      this.model.onlineVersion > 0 &&
      this.model.offset === this.lastSnapshotOffset &&
      !this.handedBackSinceSnapshot
    );
  }

  /**
   * The model has just learned a multiple of `snapshots.everyEvents` events (checked after each
   * event, so a snapshot by count is at offsets N, 2N, ... however the events were batched: a
   * model learned again after a restore publishes at the same offsets).
   */
  countSnapshotDue(): boolean {
    const offset = this.model.offset;
    return offset > this.lastSnapshotOffset && offset % this.context.config.snapshots.everyEvents === 0;
  }

  /** A snapshot is due: the learned events passed a multiple of `everyEvents`, or `everySeconds` passed. */
  snapshotDue(): boolean {
    const { everyEvents, everySeconds } = this.context.config.snapshots;
    const offset = this.model.offset;
    if (offset <= this.lastSnapshotOffset) return false;
    return (
      crossed(this.lastSnapshotOffset, offset, everyEvents) ||
      this.context.now() - this.lastSnapshotAt >= everySeconds * 1000
    );
  }

  /** Publishes the online model's next snapshot. */
  takeSnapshot(): ModelSnapshot {
    // the cadence is state: a final snapshot of a model restored only to take it must be checkpointed
    this.dirty = true;
    this.lastSnapshotOffset = this.model.offset;
    this.lastSnapshotAt = this.context.now();
    this.handedBackSinceSnapshot = false;
    const extra: Record<string, number> = {};
    if (this.served !== null) extra.servedProgressiveLoss = this.served.progressiveLoss;
    const snapshot = this.model.snapshot(extra);
    const partitionOffsets = this.partitionOffsets();
    return partitionOffsets === undefined ? snapshot : { ...snapshot, partitionOffsets };
  }

  /**
   * Per Kafka `topic:partition`, the offset after the last record this model has taken (a
   * null-prototype object: topics are data); undefined for files (no partitions).
   */
  private partitionOffsets(): Record<string, string> | undefined {
    let out: Record<string, string> | undefined;
    for (const [key, offset] of this.covered) {
      const { partition, source } = partitionOfCoverageKey(key);
      if (partition < 0) continue;
      out ??= Object.create(null) as Record<string, string>;
      out[`${source}:${partition}`] = String(offset + 1);
    }
    return out;
  }

  /** The support/sign check of the live model is due (the README's drift alerts). */
  checkDue(): boolean {
    return this.model.offset - this.lastCheckOffset >= this.context.config.drift.checkEveryEvents;
  }

  /**
   * A refit is due (as a snapshot is, with its own cadence), with something new to learn from; it
   * may be due while this model's previous refit still runs (`refitEvery` then has it wait).
   */
  refitDue(): boolean {
    if (this.window === null) return false;
    const { everyEvents, everySeconds } = this.context.config.refit;
    const offset = this.model.offset;
    if (offset <= this.lastRefitOffset || this.window.size < 2) return false;
    return (
      crossed(this.lastRefitOffset, offset, everyEvents) ||
      this.context.now() - this.lastRefitAt >= everySeconds * 1000
    );
  }

  /**
   * Half a refit period or less before the next refit is due (half its events learned, or half its
   * seconds gone): time to start a refit thread, so that it has loaded the solver when the refit
   * comes due, and none starts for a run that ends before.
   */
  refitNear(): boolean {
    if (this.window === null) return false;
    const { everyEvents, everySeconds } = this.context.config.refit;
    return (
      crossed(this.lastRefitOffset, this.model.offset + everyEvents / 2, everyEvents) ||
      this.context.now() - this.lastRefitAt >= everySeconds * 500
    );
  }

  /** Marks a due refit as handled (started, waiting or merged): the next one is a full period away. */
  refitHandled(): void {
    this.lastRefitOffset = this.model.offset;
    this.lastRefitAt = this.context.now();
  }

  /** The refit job for the current window, warm-started from the online model and the last refit. */
  refitJob(): RefitJob | null {
    // shared memory: the refit thread gets the rows without a second copy (the structured clone's)
    const rows = this.window?.rows(true) ?? null;
    if (rows === null) return null;
    // hashed columns can hold several names: their levels are not told apart
    const featurizer = this.model.featurizer;
    this.runningGauge =
      this.context.config.drift.enabled && !featurizer.hashed ? levelGauge(rows, featurizer) : null;
    const { config } = this.context;
    const online = this.model.coefficients();
    const penalties = this.model.penaltyFactorColumns();
    const starts: Array<RefitJob['starts'][number]> = [
      {
        source: 'online',
        model: { intercept: online.intercept, cols: online.indices, values: online.values },
      },
    ];
    if (this.refit !== null) starts.push({ source: 'refit', model: this.refit.model });
    return {
      key: this.key,
      family: this.model.family,
      lambda: this.model.lambda,
      l1Ratio: this.model.l1Ratio,
      standardize: this.model.standardize,
      kktTolerance: config.refit.tolerance ?? DEFAULT_REFIT_KKT,
      gapTolerance: config.refit.tolerance ?? DEFAULT_REFIT_GAP,
      rows,
      penaltyCols: penalties.cols,
      penaltyValues: penalties.values,
      starts,
      measureChanges: movesMatter(config.drift),
      ...(this.runningGauge !== null && movesMatter(config.drift)
        ? { levelCols: gaugeColumns(this.runningGauge) }
        : {}),
    };
  }

  private setRefit(model: SparseCoefficients, version: number, offset: number): void {
    const byColumn = new Map<number, number>();
    for (let k = 0; k < model.cols.length; k++) byColumn.set(model.cols[k], model.values[k]);
    this.refit = { model, byColumn, version, offset };
  }

  /** The whole state of this key's model (a refit running now is not part of it). */
  state(): LiveModelState {
    const r = this.refit;
    return {
      format: 1,
      key: this.key,
      model: this.model.checkpoint(),
      drift: this.drift.state(),
      window: this.window?.state() ?? null,
      served: this.served?.state() ?? null,
      refit: r === null ? null : { model: r.model, version: r.version, offset: r.offset },
      covered: new Map(this.covered),
      cadence: {
        lastSnapshotOffset: this.lastSnapshotOffset,
        lastSnapshotAt: this.lastSnapshotAt,
        lastCheckOffset: this.lastCheckOffset,
        lastRefitOffset: this.lastRefitOffset,
        lastRefitAt: this.lastRefitAt,
      },
    };
  }

  /** The state as checkpoint bytes (compact, checksummed). */
  checkpoint(): Uint8Array {
    return encodeState(this.state());
  }

  /** The last snapshot version in `checkpoint()` bytes (0 when they cannot be read). */
  static checkpointVersion(bytes: Uint8Array): number {
    try {
      const version = (decodeState(bytes) as Partial<LiveModelState>).model?.version;
      return typeof version === 'number' && Number.isFinite(version) ? version : 0;
    } catch {
      return 0;
    }
  }

  /** The model of `key` continuing from `checkpoint()` bytes. */
  static fromCheckpoint(key: string, context: LiveModelContext, bytes: Uint8Array): LiveModel {
    return new LiveModel(key, context, decodeState(bytes) as LiveModelState);
  }

  /** The input partitions this model has taken records from. */
  partitions(): PartitionRef[] {
    return [...this.covered.keys()].map(partitionOfCoverageKey);
  }

  /**
   * Takes a finished refit: it becomes the refit model (served when `serve: refit`) and a snapshot.
   * `startedBy`: the model of this key that started it; when that is another object (this one was
   * restored while the refit ran), its window's level gauge, not state, is taken from it.
   */
  acceptRefit(outcome: RefitOutcome, refitMs: number, startedBy?: RefitTarget): ModelSnapshot {
    this.dirty = true;
    const version = this.model.claimVersion();
    const { cols, values } = outcome.model;
    const order = orderByMagnitude(values);
    const coefficients = Object.create(null) as Record<string, number>;
    for (const k of order) coefficients[this.model.featurizer.nameOf(cols[k])] = values[k];
    // no estimate (one class): published with its reason; the refit served and compared stays
    const estimate = outcome.noEstimate !== true;
    let handedBack = false;
    if (estimate) {
      const previous = this.refit;
      this.setRefit(outcome.model, version, outcome.last);
      const gauge =
        startedBy instanceof LiveModel && startedBy !== this && startedBy.key === this.key
          ? startedBy.runningGauge
          : this.runningGauge;
      this.refitGauge =
        gauge !== null && gauge.first === outcome.first && gauge.last === outcome.last ? gauge : null;
      handedBack =
        this.context.config.refit.handBack &&
        this.model.assignCoefficients(outcome.model.intercept, cols, values);
      if (handedBack) this.handedBackSinceSnapshot = true;
      this.refitScales.clear();
      for (const k of order)
        this.refitScales.set(this.model.featurizer.nameOf(cols[k]), this.model.columnScale(cols[k]));
      // the levels the refit left at 0 are weighed too once centred (`driftSnapshot`)
      for (const { levels } of this.refitGauge?.fields ?? [])
        for (const level of levels)
          if (!this.refitScales.has(level)) this.refitScales.set(level, this.model.featureScale(level));
      const centred = this.refitGauge === null ? null : centerLevels(coefficients, this.refitGauge);
      this.refitCentred = centred === null ? null : { version, coefficients: centred };
      this.refitMoves =
        outcome.changes === undefined
          ? null
          : { version, moves: this.movesByName(outcome.changes, centred, previous?.model ?? null) };
    } else this.noEstimateVersion = version;
    return {
      key: this.key,
      version,
      offset: outcome.last,
      source: 'refit',
      family: this.model.family,
      learner: 'coordinate-descent',
      lambda: this.model.lambda,
      l1Ratio: this.model.l1Ratio,
      intercept: outcome.model.intercept,
      coefficients,
      window: { first: outcome.first, last: outcome.last, events: outcome.last - outcome.first + 1 },
      metrics: {
        objective: outcome.objective,
        kktMaxViolation: outcome.kktMaxViolation,
        converged: outcome.converged,
        ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
        // not served, handed back or judged for drift
        ...(estimate ? {} : { noEstimate: true }),
        refitMs,
        solveMs: outcome.solveMs,
        // events this model learned while the refit ran (0 when refits run inline)
        learnedDuringRefit: this.model.offset - outcome.last,
        handedBack,
        warmStart: outcome.warmStart,
        passes: outcome.passes,
        newtonIterations: outcome.outerIterations,
        nonZero: cols.length,
        // features with a non-zero entry in the window (the refit's columns)
        features: outcome.columns,
        // the window's rows as compact sparse rows (bounded by refit.window × non-zeros per event)
        windowBytes: this.window?.rowBytes ?? 0,
      },
      createdAt: this.context.clock().toISOString(),
    };
  }

  /**
   * `RefitOutcome.changes` by feature name. The levels the gauge centres are judged centred
   * (`driftSnapshot`): their move is the change of the centred value since the `previous` refit,
   * both centred on this window's gauge (so a restored model measures the same), over the level's
   * own standard error (`RefitJob.levelCols`). They have no strength: a level whose centred value is
   * a few standard errors from 0 on a window of a few thousand events would enter and leave the
   * support with the window as it crossed `noiseFloor` (measured: a 4-level field's levels at
   * 2.7–3.6 standard errors from refit to refit, entering after the warm-up).
   */
  private movesByName(
    changes: NonNullable<RefitOutcome['changes']>,
    centred: Readonly<Record<string, number>> | null,
    previous: SparseCoefficients | null,
  ): RefitMoves {
    const levelNames = new Set<string>();
    for (const { levels } of this.refitGauge?.fields ?? []) for (const level of levels) levelNames.add(level);
    const strength = new Map<string, number>();
    const z = new Map<string, number>();
    const gauge = this.refitGauge;
    if (
      gauge !== null &&
      centred !== null &&
      changes.levelCols !== undefined &&
      changes.levelSe !== undefined
    ) {
      let before: Record<string, number> | null = null;
      if (previous !== null) {
        const named = Object.create(null) as Record<string, number>;
        for (let k = 0; k < previous.cols.length; k++)
          named[this.model.featurizer.nameOf(previous.cols[k]!)] = previous.values[k]!;
        before = centerLevels(named, gauge);
      }
      const at = (record: Readonly<Record<string, number>>, level: string): number =>
        Object.hasOwn(record, level) ? record[level]! : 0;
      const se = new Map<number, number>();
      changes.levelCols.forEach((c, k) => se.set(c, changes.levelSe![k]!));
      for (const { levels, columns } of gauge.fields) {
        if (columns === undefined) continue;
        levels.forEach((level, l) => {
          const s = se.get(columns[l]!);
          if (s === undefined || !(s > 0)) return;
          if (before !== null)
            z.set(level, Math.abs(at(centred, level) - at(before, level)) / (Math.SQRT2 * s));
        });
      }
    }
    for (let k = 0; k < changes.cols.length; k++) {
      const name = this.model.featurizer.nameOf(changes.cols[k]!);
      if (levelNames.has(name)) continue;
      strength.set(name, changes.strength[k]!);
      // (NaN: a move not measured)
      if (changes.z !== undefined && !Number.isNaN(changes.z[k]!)) z.set(name, changes.z[k]!);
    }
    return { strength, z };
  }

  /** False for a refit snapshot that is no estimate (`RefitOutcome.noEstimate`): drift does not judge it. */
  isEstimate(snapshot: ModelSnapshot): boolean {
    return !(snapshot.source === 'refit' && snapshot.version === this.noEstimateVersion);
  }

  /** A refit snapshot's coefficients in standard errors (`refitMoves`), if measured. */
  refitMovesOf(snapshot: ModelSnapshot): RefitMoves | undefined {
    const moves = this.refitMoves;
    return snapshot.source === 'refit' && moves !== null && moves.version === snapshot.version
      ? moves.moves
      : undefined;
  }

  /**
   * A refit snapshot as the drift monitor judges it: the levels of each text field with one level
   * in every row of its window measured from their centre (`centerLevels`), so that a refit that
   * splits the same model differently between those levels and the intercept moves no support
   * and flips no sign. Other snapshots unchanged.
   */
  driftSnapshot(snapshot: ModelSnapshot): ModelSnapshot {
    const gauge = this.refitGauge;
    if (snapshot.source !== 'refit' || gauge === null || snapshot.window?.last !== gauge.last)
      return snapshot;
    const cached = this.refitCentred;
    const coefficients =
      cached !== null && cached.version === snapshot.version
        ? cached.coefficients
        : centerLevels(snapshot.coefficients, gauge);
    return { ...snapshot, coefficients };
  }
}

/** The columns of a gauge's levels, field after field (`RefitJob.levelCols`). */
function gaugeColumns(gauge: LevelGauge): Int32Array {
  const out: number[] = [];
  for (const { columns } of gauge.fields) if (columns !== undefined) for (const c of columns) out.push(c);
  return Int32Array.from(out);
}

/** Whether a refit's coefficients in standard errors can change an alert (`drift.significance`, `noiseFloor`). */
function movesMatter(drift: EngineConfig['drift']): boolean {
  return (
    drift.enabled &&
    (drift.significance > 0 || drift.noiseFloor > 0) &&
    (drift.support.enabled || drift.signFlip.enabled)
  );
}

/** The key of a record's partition in `LiveModel.covered` (files: partition -1). */
export function coverageKey(position: RecordPosition): string {
  return `${position.partition ?? -1}\u0000${position.source}`;
}

/** The partition a `coverageKey` names. */
export function partitionOfCoverageKey(key: string): PartitionRef {
  const cut = key.indexOf('\u0000');
  return { partition: Number(key.slice(0, cut)), source: key.slice(cut + 1) };
}

/**
 * The learned-event count passed a multiple of `every` between `from` and `to`: cadences by events
 * judged at batch boundaries keep to a grid (every 10,000 events: at the first batch boundary
 * past 10,000, 20,000, ...).
 */
function crossed(from: number, to: number, every: number): boolean {
  return Math.floor(to / every) > Math.floor(from / every);
}

/** Everything a key's model is, for checkpoints (`LiveModel.state`). */
export interface LiveModelState {
  readonly format: 1;
  readonly key: string;
  readonly model: OnlineModelCheckpoint;
  readonly drift: DriftMonitorState;
  readonly window: RefitWindowState | null;
  readonly served: ProgressiveMetricsState | null;
  readonly refit: {
    readonly model: SparseCoefficients;
    readonly version: number;
    readonly offset: number;
  } | null;
  /** Per input partition, the last record position the state covers (absent before 0.2). */
  readonly covered?: ReadonlyMap<string, number>;
  readonly cadence: {
    readonly lastSnapshotOffset: number;
    readonly lastSnapshotAt: number;
    readonly lastCheckOffset: number;
    readonly lastRefitOffset: number;
    readonly lastRefitAt: number;
  };
}

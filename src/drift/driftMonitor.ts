import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError, StateError } from '../core/errors.js';
import type { Family } from '../core/event.js';
import { significant } from '../core/significant.js';
import type { ScaleJump } from '../model/onlineModel.js';
import type { Alert, ModelSnapshot, Severity, SnapshotSource } from '../model/snapshot.js';
import { resolveDriftConfig, type DriftConfig } from './config.js';
import { TEST_CLIP } from './protocol.js';
import { sequentialThread, type BatchFeed, type SequentialHandle } from './sequentialThread.js';
import { GuardedDetector, type GuardedDetectorState, type ScalarShift } from './guardedDetector.js';
import { WeightedBuffer, type DriftView, type MaterialFilter } from './materiality.js';
import {
  InputSparsityDetector,
  type ActiveFeatures,
  type InputSparsityState,
  type RateChange,
} from './inputSparsity.js';
import {
  SequentialSparsityDetector,
  type NamedFeatures,
  type SequentialFinding,
  type SequentialSparsityReport,
  type SequentialSparsityState,
} from './sequentialSparsity.js';
import { SignFlipDetector, type SignFlipState } from './signFlip.js';
import { SupportDriftDetector, type SupportDriftState } from './supportDrift.js';

/** Where warn-level log lines go (a pino logger fits). */
export interface AlertLogger {
  warn(obj: object, msg: string): void;
  /** `info` alerts go here when present (else to `warn`). */
  info?(obj: object, msg: string): void;
  /** `critical` alerts go here when present (else to `warn`). */
  error?(obj: object, msg: string): void;
}

export interface DriftMonitorOptions {
  /** The `drift` config section (validated; defaults filled in). */
  readonly config?: unknown;
  /** `binomial` also watches the label rate (when `loss.labelRate`). */
  readonly family?: Family;
  /** Injectable clock for `createdAt` (default `() => new Date()`). */
  readonly clock?: () => Date;
  /** Standard deviation of a feature by name, for scale-free support and sign criteria. */
  readonly scaleOf?: (name: string) => number;
  /**
   * The target's unit for the support and sign criteria (the config's `minEffect` is in it): a
   * gaussian model's label sd; 1 when absent.
   */
  readonly targetScale?: () => number;
  /** Each alert is also logged here, at the level of its severity (info, warn, error). */
  readonly logger?: AlertLogger;
}

/** A config section as its detector's options: without `enabled`, which the monitor reads, not the detector. */
function detectorOptions<T extends { readonly enabled: boolean }>(section: T): Omit<T, 'enabled'> {
  const { enabled: _enabled, ...options } = section;
  return options;
}

/** The keys of `DriftMonitorOptions`. */
const MONITOR_KEYS: readonly (keyof DriftMonitorOptions)[] = [
  'config',
  'family',
  'clock',
  'scaleOf',
  'targetScale',
  'logger',
];

/**
 * Options from JavaScript: a key the monitor does not read (`famly: "binomial"` would leave the
 * label rate unwatched) or a family that is none is a `ConfigError` naming each.
 */
function checkMonitorOptions(options: DriftMonitorOptions): void {
  const problems = optionKeyProblems('DriftMonitor', options, MONITOR_KEYS);
  const family: unknown = options.family;
  if (family !== undefined && family !== 'gaussian' && family !== 'binomial')
    problems.push({
      path: 'DriftMonitor: family',
      message: `must be "gaussian" or "binomial", got ${shownValue(family)}`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * What the monitor reads of a batch of learned events (the pipeline's `LearnedBatch` has it):
 * event i is labelled or not, its label and progressive loss, and its active features
 * `featureIndices[featureStarts[i] .. featureStarts[i+1])`, named by `nameOf`.
 */
export interface DriftBatch {
  readonly key: string;
  /** Events the model has learned after this batch. */
  readonly offset: number;
  readonly count: number;
  readonly labelled: Uint8Array;
  readonly labels: Float64Array;
  readonly losses: Float64Array;
  readonly featureStarts: Int32Array;
  readonly featureIndices: Int32Array;
  readonly nameOf: (index: number) => string;
  /** Optional: the field of a one-hot column without building its name (`NamedFeatures.fieldOf`). */
  readonly fieldOf?: (index: number) => string | null;
  /** Optional: each column's field as a code (`NamedFeatures.fieldCodes`), parallel to `featureIndices`. */
  readonly fieldCodes?: Int32Array;
  readonly fieldNames?: readonly string[];
}

interface LossWatch {
  readonly detector: GuardedDetector;
  readonly signal: 'loss' | 'label-rate';
}

/** A detection of one loss or label-rate test: at event `event` of a batch, what it found. */
interface LossDetection {
  readonly event: number;
  readonly watch: LossWatch;
  readonly report: ScalarShift;
}

const MAX_NAMED = 20;

/** Drops a collected monitor's detector on the sequential worker. */
const remoteDetectors = new FinalizationRegistry<SequentialHandle>((handle) => handle.close());

/** A refit's coefficients in standard errors, by feature name (`RefitOutcome.changes`). */
export interface RefitMoves {
  /** How many standard errors each coefficient is from 0. */
  readonly strength: ReadonlyMap<string, number>;
  /** How far each moved since the previous refit, in standard errors (empty after a first refit). */
  readonly z: ReadonlyMap<string, number>;
}

/**
 * Combines the drift detectors of `src/drift` and turns their detections into `Alert` records
 * (docs/conventions.md, alerts), naming features, never hash indices. Feed it what the pipeline produces:
 * `onBatch` for each `LearnedBatch` (loss, label rate and input sparsity, event by event) and
 * `onSnapshot` for each `ModelSnapshot` (support and sign drift, separately for online snapshots and
 * refits). Both return the alerts raised, in order; nothing is allocated per event. One change makes
 * one alert: each detector cools down after a detection, and the loss and label-rate tests share
 * one alert (the first to fire reports; the others' detections within `loss.cooldownEvents` of it
 * are the same change).
 *
 * @example
 * const monitor = new DriftMonitor({ config: { loss: { adwin: { delta: 1e-4 } } }, family: 'binomial' });
 * for (const alert of monitor.onBatch(batch)) alerts.write(alert);
 */
export class DriftMonitor {
  readonly config: DriftConfig;
  private readonly clock: () => Date;
  private readonly logger?: AlertLogger;
  private readonly losses: LossWatch[] = [];
  private readonly input: InputSparsityDetector | null;
  private readonly sequential: SequentialSparsityDetector | null;
  /** The sequential detector on its worker (`drift.threads` 1), instead of `sequential`. */
  private readonly remote: SequentialHandle | null;
  private readonly supports = new Map<SnapshotSource, SupportDriftDetector>();
  private readonly signs = new Map<SnapshotSource, SignFlipDetector>();
  private readonly view: ActiveFeatures & NamedFeatures = {
    indices: new Int32Array(0),
    start: 0,
    end: 0,
    nameOf: String,
    fieldOf: undefined,
    fieldCodes: undefined,
    fieldNames: undefined,
  };
  private readonly scaleOf?: (name: string) => number;
  private readonly targetScale?: () => number;
  /** `onSnapshot`'s relative weights of a snapshot record (reused). */
  private readonly weighed = new WeightedBuffer();
  /** Loss-drift alerts are merged: after one, the others' detections are quiet until this offset. */
  private lossQuietUntil = -Infinity;
  /** `lossDetections`' index after each loss test's run, and its report before the run (reused). */
  private readonly lossEnds: number[] = [];
  private readonly lossReports: Array<ScalarShift | null> = [];

  constructor(options: DriftMonitorOptions = {}) {
    checkMonitorOptions(options);
    this.config = resolveDriftConfig(options.config);
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger;
    this.scaleOf = options.scaleOf;
    this.targetScale = options.targetScale;
    const c = this.config;
    if (c.enabled && c.loss.enabled) {
      const signals: Array<'loss' | 'label-rate'> =
        c.loss.labelRate && options.family === 'binomial' ? ['loss', 'label-rate'] : ['loss'];
      for (const signal of signals) {
        // clipped in the tests: one outlying event counts for TEST_CLIP sds at most
        const guard = { warmup: c.loss.warmupEvents, cooldown: c.loss.cooldownEvents, clip: TEST_CLIP };
        if (c.loss.pageHinkley.enabled)
          this.losses.push({
            signal,
            detector: new GuardedDetector('page-hinkley', {
              ...guard,
              pageHinkley: { ...detectorOptions(c.loss.pageHinkley), mode: 'both' },
            }),
          });
        if (c.loss.adwin.enabled)
          this.losses.push({
            signal,
            detector: new GuardedDetector('adwin', { ...guard, adwin: detectorOptions(c.loss.adwin) }),
          });
      }
    }
    this.input =
      c.enabled && c.inputSparsity.enabled
        ? new InputSparsityDetector(detectorOptions(c.inputSparsity))
        : null;
    const sequential = c.enabled && c.inputSequential.enabled;
    this.sequential =
      sequential && c.threads === 0
        ? new SequentialSparsityDetector(detectorOptions(c.inputSequential))
        : null;
    this.remote =
      sequential && c.threads > 0 ? sequentialThread().open(detectorOptions(c.inputSequential)) : null;
    if (this.remote !== null) remoteDetectors.register(this, this.remote, this);
  }

  /** True when `onBatch` reads a batch's `fieldCodes` (the sequential input test is on). */
  get readsFieldCodes(): boolean {
    return this.sequential !== null || this.remote !== null;
  }

  /**
   * Where the events of this model's next batch go while they are learned (the sequential test on
   * its worker), or null. `onBatch` hands over the rest of the batch and waits for the detections.
   */
  get feed(): BatchFeed | null {
    return this.remote;
  }

  /** Drops what the monitor holds on the sequential worker (a model evicted); it is of no use after. */
  close(): void {
    if (this.remote === null) return;
    remoteDetectors.unregister(this);
    this.remote.close();
  }

  /** Feeds a batch of learned (and scored) events; returns the alerts it raised. */
  onBatch(batch: DriftBatch): Alert[] {
    const alerts: Alert[] = [];
    let learned = 0;
    for (let i = 0; i < batch.count; i++) learned += batch.labelled[i];
    let offset = batch.offset - learned;
    const remote = this.remote;
    if (remote !== null) {
      if (remote.fed > batch.count)
        throw new Error(`drift monitor fed ${remote.fed} events of a batch of ${batch.count}`);
      const s = batch.featureStarts;
      const codes =
        batch.fieldCodes !== undefined && batch.fieldNames !== undefined ? batch.fieldCodes : null;
      remote.feed(s, batch.featureIndices, codes, remote.fed, batch.count, s[batch.count], batch);
    }
    // The loss and label-rate tests are independent of the input tests (a detection of one of them
    // restarts the others: lossDetections); they run over the batch's labelled events, and their
    // detections are merged with the input tests' in event order
    // (the sequential worker's too, asked for last: it works meanwhile).
    const found = this.lossDetections(batch);
    const seq = remote !== null ? remote.finish() : null;
    let nextSeq = 0;
    let next = 0;
    const view = this.view;
    view.indices = batch.featureIndices;
    view.nameOf = batch.nameOf;
    view.fieldOf = batch.fieldOf;
    view.fieldCodes = batch.fieldCodes;
    view.fieldNames = batch.fieldNames;
    for (let i = 0; i < batch.count; i++) {
      if (batch.labelled[i] === 1) {
        offset++;
        for (; next < found.length && found[next].event === i; next++) {
          const { watch, report } = found[next];
          if (offset >= this.lossQuietUntil) {
            alerts.push(this.lossAlert(batch.key, offset, watch, report));
            this.lossQuietUntil = offset + this.config.loss.cooldownEvents;
          }
        }
      }
      if (this.input !== null) {
        view.start = batch.featureStarts[i];
        view.end = batch.featureStarts[i + 1];
        this.input.update(view);
        if (this.input.driftDetected) alerts.push(this.inputAlert(batch.key, offset, batch.nameOf));
      }
      if (this.sequential !== null) {
        view.start = batch.featureStarts[i];
        view.end = batch.featureStarts[i + 1];
        this.sequential.update(view);
        if (this.sequential.driftDetected)
          alerts.push(this.sequentialAlert(batch.key, offset, batch.nameOf, this.sequential.report!));
      } else if (seq !== null && nextSeq < seq.length && seq[nextSeq].event === i) {
        alerts.push(this.sequentialAlert(batch.key, offset, batch.nameOf, seq[nextSeq++].report));
      }
    }
    return this.emit(alerts);
  }

  /**
   * Every loss and label-rate detection in the batch, by event and then in detector order. One
   * change, one alert: at a detection the tests that did not detect there start a cool-down too
   * (with their old baseline they found the same change again once the alerts' quiet period was
   * over, 24,000 events later in a trial). Each test runs over the batch on its own; one that ran
   * past the first detection is restarted there and runs again from the event after it, which
   * gives the state it would have had restarted at that event (a cool-down re-estimates the
   * baseline and resets the inner test at its end), so alerts do not depend on the batching.
   */
  private lossDetections(batch: DriftBatch): LossDetection[] {
    const found: LossDetection[] = [];
    const watches = this.losses;
    const ends = this.lossEnds;
    const reports = this.lossReports;
    for (let from = 0; from < batch.count;) {
      let first = batch.count;
      for (let w = 0; w < watches.length; w++) {
        reports[w] = watches[w].detector.report;
        const values = watches[w].signal === 'loss' ? batch.losses : batch.labels;
        ends[w] = watches[w].detector.updateWhere(values, batch.labelled, from, batch.count);
        if (ends[w] < first) first = ends[w];
      }
      if (first === batch.count) break;
      for (let w = 0; w < watches.length; w++) {
        const watch = watches[w];
        if (ends[w] === first) found.push({ event: first, watch, report: watch.detector.report! });
        // (with the report it had at `first`: one it made past it was never made event by event)
        else watch.detector.restart(reports[w]);
      }
      from = first + 1;
    }
    return found;
  }

  /**
   * Which coefficients of the live model the support and sign detectors act on (`MaterialFilter`):
   * a snapshot of only those raises the same alerts. Null when neither detector runs.
   */
  materialFilter(): MaterialFilter | null {
    const c = this.config;
    const support = c.enabled && c.support.enabled;
    const signs = c.enabled && c.signFlip.enabled;
    if (!support && !signs) return null;
    const floor = Math.min(support ? c.support.enter : Infinity, signs ? c.signFlip.material : Infinity);
    const unit = this.effectUnit(floor);
    if (!support) return { unit, floor, trackedFloor: floor, tracked: () => false };
    const detector = this.supportDetector('online');
    // the support check's shares are these × floor / enter (its own unit, `shareScale`) or more:
    // a tracked feature at exit under them is at exit × floor / enter here
    const trackedFloor = c.support.exit * (floor / c.support.enter);
    return { unit, floor, trackedFloor, tracked: (name) => detector.tracks(name) };
  }

  /**
   * The effect a share of `share` is taken of when the model's largest is smaller
   * (`MaterialFilter.unit`), on the model's scale: `minEffect` / share, so that a coefficient
   * counts for a check of that share only with an effect of at least `minEffect`. The view is
   * weighed with the lowest share that counts (enter, material); each check rescales it to its own.
   */
  private effectUnit(share: number): number {
    const c = this.config;
    if (!(c.minEffect > 0) || !Number.isFinite(share)) return 0;
    const s = this.targetScale?.() ?? 1;
    return (c.minEffect / share) * (Number.isFinite(s) && s > 0 ? s : 1);
  }

  /** The lowest share the support and sign checks count (enter, material), Infinity without them. */
  private lowestShare(): number {
    const c = this.config;
    return Math.min(
      c.support.enabled ? c.support.enter : Infinity,
      c.signFlip.enabled ? c.signFlip.material : Infinity,
    );
  }

  /**
   * Feeds a model snapshot, or a model's `DriftView` (which comes weighed by the model's own scales:
   * `scaleOf` only weighs records); returns the support-drift and sign-flip alerts it raised.
   * `moves`: for a refit snapshot, its coefficients in standard errors (`LiveModel.refitMovesOf`):
   * one within `noiseFloor` of 0 does not enter the support and its sign does not count; a move of
   * `significance` or more since the previous refit counts at once.
   */
  onSnapshot(snapshot: ModelSnapshot | DriftView, moves?: RefitMoves): Alert[] {
    const alerts: Alert[] = [];
    const c = this.config;
    if (!c.enabled || !(c.support.enabled || c.signFlip.enabled)) return alerts;
    // a record's relative weights once for both detectors (same `scaleOf`): O(coefficients)
    const weights =
      'coefficients' in snapshot
        ? this.weighed.weigh(snapshot.coefficients, this.scaleOf, this.effectUnit(this.lowestShare()))
        : snapshot;
    // the features whose move is too large to be this refit's noise: no persistence asked
    const z = c.significance;
    const refit = moves !== undefined && snapshot.source === 'refit';
    const significant = refit && z > 0 ? (name: string) => (moves.z.get(name) ?? 0) >= z : undefined;
    // the features within `noiseFloor` standard errors of 0: their entries and signs do not count
    const floor = c.noiseFloor;
    const noise =
      refit && floor > 0
        ? (name: string) => {
            const strength = moves.strength.get(name);
            return strength !== undefined && strength < floor;
          }
        : undefined;
    if (c.support.enabled) {
      const det = this.supportDetector(snapshot.source);
      det.updateWeighted(weights, this.effectUnit(c.support.enter), significant, noise);
      const r = det.report;
      if (det.driftDetected && r !== null) {
        // entered ∌ previous, left ⊆ previous: |A∪B| − |A∩B| = entered + left, |A∪B| = previous + entered
        const changed = r.entered.length + r.left.length;
        const severity = supportSeverity(
          snapshot.source,
          changed,
          r.previousSupport.length + r.entered.length,
          r.largestShare,
        );
        const parts = [];
        if (r.entered.length > 0) parts.push(`entered: ${nameList(r.entered)}`);
        if (r.left.length > 0) parts.push(`left: ${nameList(r.left)}`);
        alerts.push(
          this.alert(
            snapshot.key,
            snapshot.offset,
            'support-drift',
            severity,
            `support of the ${snapshot.source} model changed (Jaccard distance ${r.jaccardDistance.toFixed(3)}); ${parts.join('; ')}`,
            {
              source: snapshot.source,
              version: snapshot.version,
              entered: r.entered,
              left: r.left,
              jaccardDistance: r.jaccardDistance,
              largestShare: r.largestShare,
              supportSize: r.support.length,
              previousSupportSize: r.previousSupport.length,
            },
          ),
        );
      }
    }
    if (c.signFlip.enabled) {
      const det = this.signDetector(snapshot.source);
      det.updateWeighted(weights, this.effectUnit(c.signFlip.material), significant, noise);
      if (det.driftDetected) {
        const flips = det.report;
        alerts.push(
          this.alert(
            snapshot.key,
            snapshot.offset,
            'sign-flip',
            snapshot.source === 'refit' ? 'warning' : 'info',
            `${flips.length} coefficient(s) of the ${snapshot.source} model changed sign: ${nameList(flips.map((f) => `${shownName(f.feature)} (${fmt(f.before)} → ${fmt(f.after)})`))}`,
            {
              source: snapshot.source,
              version: snapshot.version,
              flips,
            },
          ),
        );
      }
    }
    return this.emit(alerts);
  }

  /**
   * The state of every detector (loss and label-rate tests, input sparsity, support and sign per
   * snapshot source) and of the loss alerts' merging, for checkpoints: a monitor restored from it
   * raises exactly the alerts this one would. Feature names appear only as Map keys and Set members.
   */
  state(): DriftMonitorState {
    return {
      config: stateConfig(this.config),
      losses: this.losses.map((w) => ({ signal: w.signal, detector: w.detector.state() })),
      input: this.input === null ? null : this.input.state(),
      sequential: this.sequential?.state() ?? this.remote?.state() ?? null,
      supports: new Map([...this.supports].map(([source, d]) => [source, d.state()])),
      signs: new Map([...this.signs].map(([source, d]) => [source, d.state()])),
      lossQuietUntil: this.lossQuietUntil,
    };
  }

  /**
   * Replaces the detectors' state with a checkpointed one. The drift configuration (and the family,
   * which decides whether the label rate is watched) must be the one the checkpoint was taken with.
   */
  restore(state: DriftMonitorState): void {
    // (where the sequential test runs is not state: a checkpoint restores on either)
    const diff = firstDifference(restoredConfig(state.config), restoredConfig(this.config), 'drift');
    if (diff !== null) {
      throw new StateError(
        `drift checkpoint has ${diff.path} = ${String(diff.saved)} but the configuration says ${String(diff.now)}: restore with the checkpoint's drift settings or start the drift monitor from scratch`,
      );
    }
    const watched = (xs: ReadonlyArray<{ signal: string; detector: { kind: string } }>) =>
      xs.map((w) => `${w.signal}/${w.detector.kind}`).join(', ') || 'nothing';
    if (watched(state.losses) !== watched(this.losses)) {
      throw new StateError(
        `drift checkpoint watches ${watched(state.losses)} but this monitor watches ${watched(this.losses)} (is the family the same?)`,
      );
    }
    if ((state.input === null) !== (this.input === null)) {
      throw new StateError('drift checkpoint and configuration disagree on input-sparsity detection');
    }
    if (((state.sequential ?? null) === null) !== (this.sequential === null && this.remote === null)) {
      throw new StateError('drift checkpoint and configuration disagree on sequential input-drift detection');
    }
    if (!(state.supports instanceof Map) || !(state.signs instanceof Map)) {
      throw new StateError('drift checkpoint needs its support and sign detectors as Maps by source');
    }
    this.losses.forEach((w, d) => w.detector.restore(state.losses[d].detector));
    if (this.input !== null) this.input.restore(state.input!);
    if (this.sequential !== null) this.sequential.restore(state.sequential!);
    if (this.remote !== null) this.remote.restore(state.sequential!);
    this.supports.clear();
    for (const [source, s] of state.supports) this.supportDetector(source).restore(s);
    this.signs.clear();
    for (const [source, s] of state.signs) this.signDetector(source).restore(s);
    this.lossQuietUntil = state.lossQuietUntil;
  }

  /** A monitor with `options`, continuing from a checkpointed state. */
  static fromState(options: DriftMonitorOptions, state: DriftMonitorState): DriftMonitor {
    const monitor = new DriftMonitor(options);
    monitor.restore(state);
    return monitor;
  }

  private supportDetector(source: SnapshotSource): SupportDriftDetector {
    return getOrCreate(
      this.supports,
      source,
      () => new SupportDriftDetector({ ...detectorOptions(this.config.support), scaleOf: this.scaleOf }),
    );
  }

  private signDetector(source: SnapshotSource): SignFlipDetector {
    return getOrCreate(
      this.signs,
      source,
      () => new SignFlipDetector({ ...detectorOptions(this.config.signFlip), scaleOf: this.scaleOf }),
    );
  }

  private lossAlert(key: string, offset: number, w: LossWatch, r: ScalarShift): Alert {
    const direction = r.shift >= 0 ? 'rose' : 'fell';
    const what = w.signal === 'loss' ? 'progressive loss' : 'label rate';
    return this.alert(
      key,
      offset,
      'loss-drift',
      lossSeverity(w.signal, r.beforeMean, r.recentMean),
      `${what} ${direction} from ${fmt(r.beforeMean)} to ${fmt(r.recentMean)} (${times(r.beforeMean, r.recentMean)}${r.shift.toFixed(2)} sd of one event's ${w.signal === 'loss' ? 'loss' : 'label'}), detected by ${w.detector.kind}`,
      {
        detector: w.detector.kind,
        signal: w.signal,
        beforeMean: r.beforeMean,
        baselineMean: r.baselineMean,
        baselineSd: r.baselineSd,
        recentMean: r.recentMean,
        shift: r.shift,
      },
    );
  }

  private inputAlert(key: string, offset: number, nameOf: (i: number) => string): Alert {
    const r = this.input!.report!;
    const named = (xs: readonly RateChange[]) =>
      xs.map((x) => ({
        feature: nameOf(x.index),
        referenceRate: x.referenceRate,
        recentRate: x.recentRate,
        statistic: x.statistic,
      }));
    const stopped = named(r.stopped);
    const appeared = named(r.appeared);
    const changed = named(r.changed);
    const parts = [];
    if (stopped.length > 0)
      parts.push(`${stopped.length} stopped arriving: ${nameList(stopped.map((x) => x.feature))}`);
    if (appeared.length > 0)
      parts.push(`${appeared.length} appeared: ${nameList(appeared.map((x) => x.feature))}`);
    if (changed.length > 0)
      parts.push(`${changed.length} changed rate: ${nameList(changed.map((x) => x.feature))}`);
    if (r.nnz !== null)
      parts.push(`non-zeros per event ${fmt(r.nnz.referenceMean)} → ${fmt(r.nnz.recentMean)}`);
    const severity: Severity = stopped.length > 0 ? 'critical' : 'warning';
    return this.alert(key, offset, 'input-drift', severity, `input drift: ${parts.join('; ')}`, {
      stopped,
      appeared,
      changed,
      nnz: r.nnz,
      referenceEvents: r.referenceEvents,
      recentEvents: r.recentEvents,
    });
  }

  /**
   * One alert for what the sequential tests found at one event: whole fields by name with their
   * level count, single features by name, the levels of a field found together as one change of
   * that field (`group`), and a fall in non-zeros per event with the fields that account for it.
   * Its severity is the highest of its findings'.
   */
  private sequentialAlert(
    key: string,
    offset: number,
    nameOf: (i: number) => string,
    r: SequentialSparsityReport,
  ): Alert {
    const named = (x: SequentialFinding) => ({
      feature: x.field ?? nameOf(x.index),
      field: x.field !== null,
      ...(x.field !== null ? { levels: x.levels } : {}),
      referenceRate: x.rate,
      recentRate: x.recentRate,
      events: x.events,
      bursty: x.bursty,
      severity: x.severity,
      // (findings of checkpoints before groups have none)
      ...(typeof x.group === 'string' ? { group: x.group } : {}),
    });
    const of = (...kinds: string[]) => r.findings.filter((x) => kinds.includes(x.kind)).map(named);
    const stopped = of('stopped');
    const appeared = of('appeared');
    const changed = r.findings
      .filter((x) => x.kind === 'rate-down' || x.kind === 'rate-up')
      .map((x) => ({ ...named(x), direction: x.kind === 'rate-down' ? 'down' : 'up' }));
    const label = (x: { feature: string; field: boolean; levels?: number }) =>
      x.field
        ? `field ${shownName(x.feature)} (${x.levels} level${x.levels === 1 ? '' : 's'})`
        : shownName(x.feature);
    const rate = (x: { direction: string; referenceRate: number; recentRate: number }) =>
      `rate ${x.direction === 'down' ? 'fell' : 'rose'} ${fmt(x.referenceRate)} → ${fmt(x.recentRate)}`;
    const parts = [];
    const alone = (x: { group?: string }) => x.group === undefined;
    if (stopped.some(alone)) parts.push(`stopped arriving: ${nameList(stopped.filter(alone).map(label))}`);
    if (appeared.some(alone)) parts.push(`appeared: ${nameList(appeared.filter(alone).map(label))}`);
    for (const x of changed.filter(alone)) parts.push(`${label(x)} ${rate(x)}`);
    // one change of a field: its levels' findings in one part
    for (const field of new Set(r.findings.map((x) => x.group ?? null))) {
      if (field === null) continue;
      const inField = <T extends { group?: string }>(xs: readonly T[]) => xs.filter((x) => x.group === field);
      const levels = [
        ...inField(appeared).map(
          (x) => `${x.feature} appeared (${fmt(x.referenceRate)} → ${fmt(x.recentRate)})`,
        ),
        ...inField(stopped).map((x) => `${x.feature} stopped arriving`),
        ...inField(changed).map((x) => `${x.feature} ${rate(x)}`),
      ];
      parts.push(`levels of field ${field} changed: ${nameList(levels)}`);
    }
    const nnz =
      r.nnz === null
        ? null
        : {
            referenceMean: r.nnz.beforeMean,
            recentMean: r.nnz.recentMean,
            fields: r.nnz.fields.map((f) => ({
              feature: f.field ?? nameOf(f.index),
              field: f.field !== null,
              nonZerosPerEvent: f.nonZerosPerEvent,
              ...(f.levels !== undefined
                ? { levelsBefore: f.levels.before, levelsRecent: f.levels.recent }
                : {}),
            })),
          };
    if (nnz !== null) {
      // a field that goes on with fewer levels an event says so (its rate did not fall)
      const accounted = nnz.fields.map((f) =>
        f.levelsBefore !== undefined
          ? `${shownName(f.feature)}: ${fmt(f.levelsBefore)} → ${fmt(f.levelsRecent!)} levels an event`
          : f.feature,
      );
      const by = nnz.fields.length > 0 ? ` (${nameList(accounted)})` : '';
      parts.push(`non-zeros per event ${fmt(nnz.referenceMean)} → ${fmt(nnz.recentMean)}${by}`);
    }
    const rank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
    let severity: Severity = r.nnz !== null ? (r.nnz.severity ?? 'warning') : 'info';
    for (const x of r.findings) if (rank[x.severity] > rank[severity]) severity = x.severity;
    return this.alert(key, offset, 'input-drift', severity, `input drift: ${parts.join('; ')}`, {
      detector: 'sequential',
      stopped,
      appeared,
      changed,
      nnz,
    });
  }

  /**
   * One `input-outlier` alert per learned event that multiplied a feature's running sd, and one
   * `label-outlier` alert per gaussian label that multiplied the labels' (the model's `takeJumps`,
   * noted only when `inputOutliers` is on), in event order; `dropped` jumps that did not fit the
   * model's queue are counted in the last alert.
   */
  onJumps(key: string, jumps: readonly ScaleJump[], dropped = 0): Alert[] {
    const alerts: Alert[] = [];
    for (let i = 0; i < jumps.length; i++) {
      const j = jumps[i];
      const growth = j.sdAfter / j.sdBefore;
      const more = i === jumps.length - 1 && dropped > 0 ? `; ${dropped} more not listed` : '';
      const sds = `${fmt(growth)}× (${fmt(j.sdBefore)} → ${fmt(j.sdAfter)})`;
      const what = j.label
        ? `label outlier: label = ${fmt(j.value)} multiplied the running sd of the labels ${sds}; least squares weighs a label by its square, so the online learner's step sizes, the loss-drift baseline and the refits of windows that hold it all feel it`
        : `input outlier: ${
            j.events <= 1
              ? `${j.feature} = ${fmt(j.value)} multiplied its running sd ${sds}`
              : `the running sd of ${j.feature} grew ${sds} over its last ${fmt(j.events)} events (the last: ${j.feature} = ${fmt(j.value)})`
          }; the running statistics never forget, so standardization now shrinks ${j.feature} that much for good`;
      alerts.push(
        this.alert(
          key,
          j.offset,
          j.label ? 'label-outlier' : 'input-outlier',
          'warning',
          `${what}: check the source (a bad value, a unit change)${more}`,
          {
            feature: j.feature,
            value: j.value,
            sdBefore: j.sdBefore,
            sdAfter: j.sdAfter,
            growth,
            events: j.events,
            ...(more !== '' ? { notListed: dropped } : {}),
          },
        ),
      );
    }
    return this.emit(alerts);
  }

  private alert(
    key: string,
    offset: number,
    type: Alert['type'],
    severity: Severity,
    message: string,
    details: Record<string, unknown>,
  ): Alert {
    return { key, offset, type, severity, message, details, createdAt: this.clock().toISOString() };
  }

  private emit(alerts: Alert[]): Alert[] {
    const logger = this.logger;
    if (logger === undefined) return alerts;
    // logged at the level of their severity: info, warn, error
    for (const a of alerts) {
      if (a.severity === 'info' && logger.info) logger.info({ alert: a }, a.message);
      else if (a.severity === 'critical' && logger.error) logger.error({ alert: a }, a.message);
      else logger.warn({ alert: a }, a.message);
    }
    return alerts;
  }
}

/**
 * A refit support change with a significant move (`drift.significance`) of a feature of at least
 * this share (of the largest effect, or of the checks' unit `minEffect` / `support.enter` when
 * every effect is smaller) is a `warning`.
 */
export const MATERIAL_MOVE = 0.15;

/**
 * How much a support change matters. The online model's support moves while it converges (rare
 * features cross the materiality threshold one by one as evidence accumulates), so its changes are
 * `info`; a refit's support is exact on its window, so a change between refits is a change in the
 * data: `warning` from a Jaccard distance of 0.2, `critical` from 0.5, and `warning` at least when
 * a feature whose move was significant has `MATERIAL_MOVE` of the largest effect (`largestShare`:
 * one strong effect among many features). The distance is `changed` features of the `union` of both supports,
 * compared in integers (no rounding at the thresholds).
 */
export function supportSeverity(source: string, changed: number, union: number, largestShare = 0): Severity {
  if (source !== 'refit' || changed === 0) return 'info';
  if (changed * 2 >= union) return 'critical';
  return changed * 5 >= union || largestShare >= MATERIAL_MOVE ? 'warning' : 'info';
}

/**
 * How much a loss or label-rate shift matters, by its relative size: a loss that falls (the model
 * recovering or the data getting easier) is `info`; one that rises by 10 % is a `warning`, by 50 %
 * `critical`. A label rate that moves by 20 % (either way) is a `warning`, by 50 % `critical`.
 */
export function lossSeverity(signal: 'loss' | 'label-rate', baseline: number, recent: number): Severity {
  const change = (recent - baseline) / Math.max(Math.abs(baseline), 1e-12);
  if (signal === 'loss') return change >= 0.5 ? 'critical' : change >= 0.1 ? 'warning' : 'info';
  const size = Math.abs(change);
  return size >= 0.5 ? 'critical' : size >= 0.2 ? 'warning' : 'info';
}

/** The drift configuration a checkpoint holds: all but where the sequential test runs. */
export type StateDriftConfig = Omit<DriftConfig, 'threads'>;

/** The state of a `DriftMonitor` (see `DriftMonitor.state`). */
export interface DriftMonitorState {
  /** The configuration it ran with, but `threads` (restoring under another one is refused). */
  readonly config: StateDriftConfig;
  readonly losses: ReadonlyArray<{
    readonly signal: 'loss' | 'label-rate';
    readonly detector: GuardedDetectorState;
  }>;
  readonly input: InputSparsityState | null;
  /** Absent in checkpoints written before the sequential detector existed. */
  readonly sequential?: SequentialSparsityState | null;
  readonly supports: ReadonlyMap<SnapshotSource, SupportDriftState>;
  readonly signs: ReadonlyMap<SnapshotSource, SignFlipState>;
  /** Loss-drift detections before this offset are part of the previous alert's change. */
  readonly lossQuietUntil: number;
}

/** The drift configuration as checkpoints hold it: without `threads` (how, not what, it detects). */
function stateConfig(config: StateDriftConfig): StateDriftConfig {
  if (!('threads' in config)) return config;
  const { threads: _threads, ...rest } = config as DriftConfig;
  return rest;
}

/**
 * The settings a checkpoint must be restored under: all but threads, significance and noiseFloor,
 * which only say which of a refit's moves count (the state is valid under any of them, and a
 * resumed run may change them, as `stateSettings` lets it: refusing them here failed such a resume
 * with the advice for a damaged state file).
 */
function restoredConfig(config: StateDriftConfig): Omit<StateDriftConfig, 'significance' | 'noiseFloor'> {
  const { significance: _significance, noiseFloor: _noiseFloor, ...rest } = stateConfig(config);
  return rest;
}

/** The first setting where two configurations differ, by path, or null. */
function firstDifference(
  saved: unknown,
  now: unknown,
  path: string,
): { path: string; saved: unknown; now: unknown } | null {
  if (typeof saved === 'object' && saved !== null && typeof now === 'object' && now !== null) {
    const a = saved as Record<string, unknown>;
    const b = now as Record<string, unknown>;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(saved, now) ? null : { path, saved, now };
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/** A feature's name in a message: the empty name (a valid JSON key) as `""`, not a blank. */
function shownName(name: string): string {
  return name === '' ? '""' : name;
}

function nameList(names: readonly string[]): string {
  const shown = names.length <= MAX_NAMED ? names : names.slice(0, MAX_NAMED);
  const list = shown.map(shownName).join(', ');
  return names.length <= MAX_NAMED ? list : `${list} and ${names.length - MAX_NAMED} more`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : significant(x);
}

/** `×3.34; ` (the ratio of two positive means, which says a change's size better than its sd count), or nothing. */
function times(before: number, recent: number): string {
  return before > 0 && recent > 0 && Number.isFinite(recent / before) ? `×${fmt(recent / before)}; ` : '';
}

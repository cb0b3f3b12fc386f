import type { Family } from '../core/event.js';
import type { Alert, ModelSnapshot, Severity, SnapshotSource } from '../model/snapshot.js';
import { resolveDriftConfig, type DriftConfig } from './config.js';
import { GuardedDetector } from './guardedDetector.js';
import { InputSparsityDetector, type ActiveFeatures, type RateChange } from './inputSparsity.js';
import { SignFlipDetector } from './signFlip.js';
import { SupportDriftDetector } from './supportDrift.js';

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
  /** Each alert is also logged here, at the level of its severity (info, warn, error). */
  readonly logger?: AlertLogger;
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
}

interface LossWatch {
  readonly detector: GuardedDetector;
  readonly signal: 'loss' | 'label-rate';
}

const MAX_NAMED = 20;

/**
 * Combines the drift detectors of `src/drift` and turns their detections into `Alert` records
 * (DESIGN §4), naming features, never hash indices. Feed it what the pipeline produces:
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
  private readonly supports = new Map<SnapshotSource, SupportDriftDetector>();
  private readonly signs = new Map<SnapshotSource, SignFlipDetector>();
  private readonly view: ActiveFeatures = { indices: new Int32Array(0), start: 0, end: 0 };
  private readonly scaleOf?: (name: string) => number;
  /** Loss-drift alerts are merged: after one, the others' detections are quiet until this offset. */
  private lossQuietUntil = -Infinity;

  constructor(options: DriftMonitorOptions = {}) {
    this.config = resolveDriftConfig(options.config);
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger;
    this.scaleOf = options.scaleOf;
    const c = this.config;
    if (c.enabled && c.loss.enabled) {
      const signals: Array<'loss' | 'label-rate'> =
        c.loss.labelRate && options.family === 'binomial' ? ['loss', 'label-rate'] : ['loss'];
      for (const signal of signals) {
        const guard = { warmup: c.loss.warmupEvents, cooldown: c.loss.cooldownEvents };
        if (c.loss.pageHinkley.enabled)
          this.losses.push({
            signal,
            detector: new GuardedDetector('page-hinkley', {
              ...guard,
              pageHinkley: { ...c.loss.pageHinkley, mode: 'both' },
            }),
          });
        if (c.loss.adwin.enabled)
          this.losses.push({
            signal,
            detector: new GuardedDetector('adwin', { ...guard, adwin: c.loss.adwin }),
          });
      }
    }
    this.input = c.enabled && c.inputSparsity.enabled ? new InputSparsityDetector(c.inputSparsity) : null;
  }

  /** Feeds a batch of learned (and scored) events; returns the alerts it raised. */
  onBatch(batch: DriftBatch): Alert[] {
    const alerts: Alert[] = [];
    let learned = 0;
    for (let i = 0; i < batch.count; i++) learned += batch.labelled[i];
    let offset = batch.offset - learned;
    const view = this.view;
    view.indices = batch.featureIndices;
    for (let i = 0; i < batch.count; i++) {
      if (batch.labelled[i] === 1) {
        offset++;
        for (let d = 0; d < this.losses.length; d++) {
          const w = this.losses[d];
          w.detector.update(w.signal === 'loss' ? batch.losses[i] : batch.labels[i]);
          if (w.detector.driftDetected && offset >= this.lossQuietUntil) {
            alerts.push(this.lossAlert(batch.key, offset, w));
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
    }
    return this.emit(alerts);
  }

  /** Feeds a model snapshot; returns the support-drift and sign-flip alerts it raised. */
  onSnapshot(snapshot: ModelSnapshot): Alert[] {
    const alerts: Alert[] = [];
    const c = this.config;
    if (!c.enabled) return alerts;
    if (c.support.enabled) {
      const det = getOrCreate(
        this.supports,
        snapshot.source,
        () => new SupportDriftDetector({ ...c.support, scaleOf: this.scaleOf }),
      );
      det.update(snapshot);
      const r = det.report;
      if (det.driftDetected && r !== null) {
        const severity = supportSeverity(snapshot.source, r.jaccardDistance);
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
              supportSize: r.support.length,
              previousSupportSize: r.previousSupport.length,
            },
          ),
        );
      }
    }
    if (c.signFlip.enabled) {
      const det = getOrCreate(
        this.signs,
        snapshot.source,
        () => new SignFlipDetector({ ...c.signFlip, scaleOf: this.scaleOf }),
      );
      det.update(snapshot);
      if (det.driftDetected) {
        const flips = det.report;
        alerts.push(
          this.alert(
            snapshot.key,
            snapshot.offset,
            'sign-flip',
            'warning',
            `${flips.length} coefficient(s) of the ${snapshot.source} model changed sign: ${nameList(flips.map((f) => `${f.feature} (${fmt(f.before)} → ${fmt(f.after)})`))}`,
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

  private lossAlert(key: string, offset: number, w: LossWatch): Alert {
    const r = w.detector.report!;
    const direction = r.shift >= 0 ? 'rose' : 'fell';
    const what = w.signal === 'loss' ? 'progressive loss' : 'label rate';
    return this.alert(
      key,
      offset,
      'loss-drift',
      lossSeverity(w.signal, r.baselineMean, r.recentMean),
      `${what} ${direction} from ${fmt(r.baselineMean)} to ${fmt(r.recentMean)} (${r.shift.toFixed(2)} sd), detected by ${w.detector.kind}`,
      {
        detector: w.detector.kind,
        signal: w.signal,
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
 * How much a support change matters. The online model's support moves while it converges (rare
 * features cross the materiality threshold one by one as evidence accumulates), so its changes are
 * `info`; a refit's support is exact on its window, so a change between refits is a change in the
 * data: `warning` from a Jaccard distance of 0.2, `critical` from 0.5.
 */
export function supportSeverity(source: string, jaccardDistance: number): Severity {
  if (source !== 'refit') return 'info';
  return jaccardDistance >= 0.5 ? 'critical' : jaccardDistance >= 0.2 ? 'warning' : 'info';
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

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function nameList(names: readonly string[]): string {
  return names.length <= MAX_NAMED
    ? names.join(', ')
    : `${names.slice(0, MAX_NAMED).join(', ')} and ${names.length - MAX_NAMED} more`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

import type { Family } from '../core/event.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError, StateError } from '../core/errors.js';
import { POOLED_AUC_SAMPLE, PooledAuc, StreamingAuc, type StreamingAucState } from './auc.js';

/**
 * Progressive validation (Blum, Kalai & Langford 1999): each labelled event is predicted before
 * the model learns from it, so the running averages are honest out-of-sample estimates.
 *
 * `progressiveLoss` is the mean log loss (natural log) for binomial and the mean squared error
 * (y − ŷ)² for gaussian, the figures Vowpal Wabbit reports as "average loss". Means are weighted
 * by the events' weights; AUC counts each event once.
 */
export class ProgressiveMetrics {
  private weight = 0;
  private count = 0;
  private sumLoss = 0;
  private sumAbs = 0;
  private sumSq = 0;
  /** Σ w y and Σ w y² of the labels: the best constant's loss (`constantLoss`). */
  private sumY = 0;
  private sumY2 = 0;
  /** Σ w·loss of the online constant (`onlineConstantLoss`), predicted before each label. */
  private sumConstantLoss = 0;
  private auc: StreamingAuc | null;
  /** The AUC of metrics pooled from others (`pool`); undefined otherwise. */
  private pooledAuc: PooledAuc | undefined;
  /** Made by `pool`: takes other metrics with `add`. */
  private isPool = false;

  /** `incrementalAuc` false: for metrics read rarely (see `StreamingAuc`); the same values. */
  constructor(
    readonly family: Family,
    aucCapacity?: number,
    incrementalAuc = true,
  ) {
    // from JavaScript, a family that is none ("binmial") was measured as gaussian: squared error, no AUC
    if (family !== 'gaussian' && family !== 'binomial')
      throw ConfigError.single(
        'ProgressiveMetrics: family',
        `must be "gaussian" or "binomial", got ${shownValue(family as unknown)}`,
      );
    this.auc = family === 'binomial' ? new StreamingAuc(aucCapacity, 1, incrementalAuc) : null;
  }

  /** Records one prediction (`mean`: probability or value) made before learning from `label`. */
  update(mean: number, label: number, weight = 1): number {
    let loss: number;
    if (this.family === 'binomial') {
      const p = Math.min(Math.max(mean, 1e-15), 1 - 1e-15);
      loss = label === 1 ? -Math.log(p) : -Math.log1p(-p);
      this.auc!.update(mean, label);
    } else {
      const r = label - mean;
      loss = r * r;
      this.sumAbs += weight * Math.abs(r);
    }
    this.sumSq += weight * (label - mean) * (label - mean);
    this.sumLoss += weight * loss;
    this.addLabel(label, weight);
    return loss;
  }

  /**
   * Adds the online constant's loss on `label` (its prediction made from the labels before it),
   * then the label to the label sums; counts the event.
   */
  private addLabel(label: number, weight: number): void {
    this.sumConstantLoss += weight * this.lossOf(this.constantPrediction(), label);
    this.sumY += weight * label;
    this.sumY2 += weight * label * label;
    this.weight += weight;
    this.count++;
  }

  /**
   * The online constant's prediction for the next event: the weighted mean of the labels so far
   * (gaussian; 0 before any) or their rate with half an event of each class added (binomial,
   * Krichevsky–Trofimov; 0.5 before any), what a model without features predicts.
   */
  private constantPrediction(): number {
    if (this.family === 'binomial') return (this.sumY + 0.5) / (this.weight + 1);
    return this.weight > 0 ? this.sumY / this.weight : 0;
  }

  private lossOf(mean: number, label: number): number {
    if (this.family === 'gaussian') return (label - mean) * (label - mean);
    const p = Math.min(Math.max(mean, 1e-15), 1 - 1e-15);
    return label === 1 ? -Math.log(p) : -Math.log1p(-p);
  }

  /** True when `update(mean, label, weight)` would keep its loss and every running sum finite. */
  admits(mean: number, label: number, weight = 1): boolean {
    return !Number.isNaN(this.admittedLoss(mean, label, weight));
  }

  /**
   * The loss `update(mean, label, weight)` would compute when `admits` holds (it is then finite),
   * else NaN: `updateWithLoss` with it keeps the same sums as `update`, without a second log.
   */
  admittedLoss(mean: number, label: number, weight = 1): number {
    if (!Number.isFinite(mean)) return NaN;
    let loss: number;
    if (this.family === 'binomial') {
      const p = Math.min(Math.max(mean, 1e-15), 1 - 1e-15);
      loss = label === 1 ? -Math.log(p) : -Math.log1p(-p);
    } else {
      const r = label - mean;
      loss = r * r;
      if (!Number.isFinite(this.sumAbs + weight * Math.abs(r))) return NaN;
    }
    return Number.isFinite(this.sumSq + weight * (label - mean) * (label - mean)) &&
      Number.isFinite(this.sumLoss + weight * loss) &&
      Number.isFinite(this.weight + weight)
      ? loss
      : NaN;
  }

  /**
   * `update` with the loss already known (what `update` returned for this mean and label, e.g. a
   * model's own metrics): the same sums, without computing the loss again.
   */
  updateWithLoss(mean: number, label: number, loss: number, weight = 1): void {
    if (this.family === 'binomial') this.auc!.update(mean, label);
    else this.sumAbs += weight * Math.abs(label - mean);
    this.sumSq += weight * (label - mean) * (label - mean);
    this.sumLoss += weight * loss;
    this.addLabel(label, weight);
  }

  get events(): number {
    return this.count;
  }

  get progressiveLoss(): number {
    return this.weight > 0 ? this.sumLoss / this.weight : NaN;
  }

  /**
   * The loss of the best constant prediction on the same labels, in hindsight: the labels'
   * variance (gaussian: predicting their mean) or the entropy of their rate (binomial). A
   * progressive loss clearly above it means the model did worse than no features. NaN before any
   * label (or for metrics restored from a checkpoint without the label sums).
   */
  get constantLoss(): number {
    if (!(this.weight > 0)) return NaN;
    const m = this.sumY / this.weight;
    if (this.family === 'gaussian') return Math.max(0, this.sumY2 / this.weight - m * m);
    if (m <= 0 || m >= 1) return 0;
    return -(m * Math.log(m) + (1 - m) * Math.log1p(-m));
  }

  /**
   * The weighted variance of the labels so far (gaussian: `constantLoss`), NaN before any; null
   * when rounding decides it (a variance below 1e-10 of the squared mean: Σwy²/W − ȳ² cancels).
   */
  get labelVariance(): number | null {
    if (!(this.weight > 0)) return NaN;
    const m = this.sumY / this.weight;
    const v = this.sumY2 / this.weight - m * m;
    return v > 1e-10 * m * m ? v : null;
  }

  /**
   * The progressive loss of an online constant: before each labelled event, the constant predicts
   * from the labels before it (their running mean, or their rate), as the model predicts before
   * it learns. The honest baseline for `progressiveLoss`; `constantLoss` knows every label in
   * hindsight and is lower. NaN before any label (or for metrics restored from a checkpoint
   * written before it was kept).
   */
  get onlineConstantLoss(): number {
    return this.weight > 0 ? this.sumConstantLoss / this.weight : NaN;
  }

  summary(): Record<string, number> {
    const base: Record<string, number> = { events: this.count, progressiveLoss: this.progressiveLoss };
    if (this.family === 'binomial') {
      base.logLoss = this.progressiveLoss;
      base.auc = this.pooledAuc?.value() ?? this.auc!.value();
      base.brier = this.weight > 0 ? this.sumSq / this.weight : NaN;
    } else {
      base.rmse = this.weight > 0 ? Math.sqrt(this.sumSq / this.weight) : NaN;
      base.mae = this.weight > 0 ? this.sumAbs / this.weight : NaN;
    }
    return base;
  }

  /**
   * The metrics of several models' events together (a keyed run's, all keys): `pool`, then each
   * part added in the order given.
   */
  static pooled(
    family: Family,
    parts: readonly ProgressiveMetrics[],
    aucCapacity = POOLED_AUC_SAMPLE,
  ): ProgressiveMetrics {
    const m = ProgressiveMetrics.pool(family, aucCapacity);
    for (const p of parts) m.add(p);
    return m;
  }

  /**
   * Empty metrics to `add` models' metrics to, one at a time (a keyed run's summary, as it visits
   * the keys): running sums added in the order the parts come, and an AUC over their samples in
   * at most `aucCapacity` scores (`PooledAuc`). For reading only: it learns no events.
   */
  static pool(family: Family, aucCapacity = POOLED_AUC_SAMPLE): ProgressiveMetrics {
    const m = new ProgressiveMetrics(family, 1, false);
    m.pooledAuc = family === 'binomial' ? new PooledAuc(aucCapacity) : undefined;
    m.isPool = true;
    return m;
  }

  /** Adds the sums and the AUC sample of `part` (metrics of the same family) to a `pool`. */
  add(part: ProgressiveMetrics): void {
    if (!this.isPool)
      throw new StateError(
        "add() takes metrics into a pool (ProgressiveMetrics.pool), not into a model's own",
      );
    if (part.family !== this.family)
      throw new RangeError(`cannot pool ${part.family} metrics into ${this.family} ones`);
    this.weight += part.weight;
    this.count += part.count;
    this.sumLoss += part.sumLoss;
    this.sumAbs += part.sumAbs;
    this.sumSq += part.sumSq;
    this.sumY += part.sumY;
    this.sumY2 += part.sumY2;
    this.sumConstantLoss += part.sumConstantLoss;
    if (this.family === 'binomial') this.pooledAuc!.add(part.auc!);
  }

  /** A copy of the running sums and of the AUC reservoir, for checkpoints. */
  state(): ProgressiveMetricsState {
    return {
      family: this.family,
      weight: this.weight,
      count: this.count,
      sumLoss: this.sumLoss,
      sumAbs: this.sumAbs,
      sumSq: this.sumSq,
      sumY: this.sumY,
      sumY2: this.sumY2,
      sumConstantLoss: this.sumConstantLoss,
      auc: this.auc === null ? null : this.auc.state(),
    };
  }

  /** Metrics that continue exactly where the checkpointed ones stopped. */
  static fromState(state: ProgressiveMetricsState): ProgressiveMetrics {
    const { family } = state;
    if (family !== 'gaussian' && family !== 'binomial') {
      throw new StateError(`metrics checkpoint has family ${String(family)}`);
    }
    if ((family === 'binomial') !== (state.auc !== null && state.auc !== undefined)) {
      throw new StateError(
        `metrics checkpoint of a ${family} model ${family === 'binomial' ? 'lacks' : 'has'} an AUC`,
      );
    }
    const m = new ProgressiveMetrics(family, state.auc?.capacity);
    m.weight = state.weight;
    m.count = state.count;
    m.sumLoss = state.sumLoss;
    m.sumAbs = state.sumAbs;
    m.sumSq = state.sumSq;
    m.sumY = state.sumY ?? NaN;
    m.sumY2 = state.sumY2 ?? NaN;
    m.sumConstantLoss = state.sumConstantLoss ?? NaN;
    m.auc = state.auc ? StreamingAuc.fromState(state.auc) : null;
    return m;
  }
}

/** Running sums of `ProgressiveMetrics` (weighted), and its AUC reservoir (binomial). */
export interface ProgressiveMetricsState {
  readonly family: Family;
  readonly weight: number;
  readonly count: number;
  readonly sumLoss: number;
  readonly sumAbs: number;
  readonly sumSq: number;
  /** Σ w y and Σ w y² of the labels (absent in checkpoints written before they were kept). */
  readonly sumY?: number;
  readonly sumY2?: number;
  /** Σ w·loss of the online constant (absent in checkpoints written before it was kept). */
  readonly sumConstantLoss?: number;
  readonly auc: StreamingAucState | null;
}

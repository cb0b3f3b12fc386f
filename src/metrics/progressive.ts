import type { Family } from '../core/event.js';
import { StreamingAuc } from './auc.js';

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
  private readonly auc: StreamingAuc | null;

  constructor(
    readonly family: Family,
    aucCapacity?: number,
  ) {
    this.auc = family === 'binomial' ? new StreamingAuc(aucCapacity) : null;
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
    this.weight += weight;
    this.count++;
    return loss;
  }

  get events(): number {
    return this.count;
  }

  get progressiveLoss(): number {
    return this.weight > 0 ? this.sumLoss / this.weight : NaN;
  }

  summary(): Record<string, number> {
    const base: Record<string, number> = { events: this.count, progressiveLoss: this.progressiveLoss };
    if (this.family === 'binomial') {
      base.logLoss = this.progressiveLoss;
      base.auc = this.auc!.value();
      base.brier = this.weight > 0 ? this.sumSq / this.weight : NaN;
    } else {
      base.rmse = this.weight > 0 ? Math.sqrt(this.sumSq / this.weight) : NaN;
      base.mae = this.weight > 0 ? this.sumAbs / this.weight : NaN;
    }
    return base;
  }
}

import type { Family } from '../core/event.js';

/**
 * What made a snapshot: the online learner, a refit on a window of the stream, or a batch `fit` /
 * `path` on a whole file.
 */
export type SnapshotSource = 'online' | 'refit' | 'batch';

/**
 * An immutable, versioned sparse model (docs/outputs.md). `coefficients` holds non-zero coefficients
 * only, on the original (unstandardized) scale, keyed by feature name.
 */
export interface ModelSnapshot {
  readonly key: string;
  readonly version: number;
  /** Number of events the model has learned from. */
  readonly offset: number;
  readonly source: SnapshotSource;
  readonly family: Family;
  readonly learner: string;
  readonly lambda: number;
  readonly l1Ratio: number;
  readonly intercept: number;
  readonly coefficients: Readonly<Record<string, number>>;
  readonly metrics?: Readonly<Record<string, number | string | boolean | null>>;
  /** Refits only: the learned events the refit solved on (ordinals of this model's events, docs/conventions.md). */
  readonly window?: { readonly first: number; readonly last: number; readonly events: number };
  /**
   * Online snapshots of Kafka input: per `topic:partition`, the offset after the last record the
   * model had taken (the next one to read to go on from this snapshot).
   */
  readonly partitionOffsets?: Readonly<Record<string, string>>;
  readonly createdAt: string;
}

/** The alert record of docs/conventions.md. */
export type AlertType =
  | 'support-drift'
  | 'sign-flip'
  | 'input-drift'
  | 'input-outlier'
  | 'label-outlier'
  | 'loss-drift'
  | (string & {});
export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  readonly key: string;
  readonly offset: number;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

import type { ServeSource } from './config.js';

/** One feature's part in a score: β_j·x_j on the original scale. */
export interface Contribution {
  readonly feature: string;
  readonly contribution: number;
}

/**
 * The score of an unlabelled event (the `<prefix>.scores` topic, `scores.jsonl`): which model
 * scored it (key, and the snapshot as in models.jsonl: source, version, events learned), which
 * event (its own key, where it came from), and the features that moved the score most, by name.
 */
export interface ScoreRecord {
  /** The model's key (`default`, `--key`, or the `--key-by` value). */
  readonly key: string;
  /** The event's own `key`, when it has one. */
  readonly eventKey?: string;
  /**
   * The event's source (file path or topic), partition (Kafka) and offset (line or offset). The
   * offset is a decimal string, as Kafka positions are in every output: a Kafka offset is an int64
   * (a string in kafkajs), which a JSON number holds exactly only up to 2^53. Not a count of events
   * learned: that is `model.offset`, a number, as a snapshot's `offset`.
   */
  readonly source: string;
  readonly partition?: number;
  readonly offset: string;
  readonly ts?: number;
  /** Probability (binomial) or predicted value (gaussian). */
  readonly prediction: number;
  readonly model: {
    readonly source: ServeSource;
    /**
     * The snapshot of that source in models.jsonl: the refit that serves, or the online model's
     * last snapshot (0 before any); `exact` says whether its coefficients made the score.
     */
    readonly version: number;
    /** Events the scoring model had learned from. */
    readonly offset: number;
    /**
     * True when the coefficients of snapshot `version` made this score, so `score --model
     * models.jsonl --version V` reproduces it: always for a refit; for the online model, only when
     * it had neither learned nor taken a refit's weights since that snapshot (false before its first).
     */
    readonly exact: boolean;
  };
  /**
   * The score's explanation, as `score` writes it: `baseline` (the serving model's intercept) +
   * Σ `top[].contribution` + `others` (the contributions β_j·x_j not in `top`) = `margin`, the
   * linear predictor (binomial: log-odds; gaussian: the prediction).
   */
  readonly margin: number;
  readonly baseline: number;
  /** The `scores.top` largest contributions β_j·x_j on the original scale, largest first. */
  readonly top: readonly Contribution[];
  readonly others: number;
}

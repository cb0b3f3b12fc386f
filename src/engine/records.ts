import type { ServeSource } from './config.js';

/** One feature's part in a score: β_j·x_j on the original scale. */
export interface Contribution {
  readonly feature: string;
  readonly contribution: number;
}

/**
 * The score of an unlabelled event (the `<prefix>.scores` topic, `scores.jsonl`): which model
 * scored it (key, source, the version last published and the events it had learned), where the
 * event came from, and the features that moved the score most, by name.
 */
export interface ScoreRecord {
  readonly key: string;
  /** The event's source (file path or topic), partition (Kafka) and offset (line or offset). */
  readonly source: string;
  readonly partition?: number;
  readonly offset: string;
  readonly ts?: number;
  /** Probability (binomial) or predicted value (gaussian). */
  readonly prediction: number;
  readonly model: {
    readonly source: ServeSource;
    /** Version of the last snapshot published for this key (0 before any). */
    readonly version: number;
    /** Events the scoring model had learned from. */
    readonly offset: number;
  };
  readonly top: readonly Contribution[];
}

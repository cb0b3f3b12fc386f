import type { L1Event } from '../core/event.js';
import type { ScoreRecord } from '../engine/records.js';
import type { LiveModel } from '../model/liveModel.js';
import type { Alert, ModelSnapshot } from '../model/snapshot.js';
import type { DeadLetter, LearnedBatch, RawRecord, RecordPosition } from './types.js';

/** The events of one model key within a batch, in stream order. */
export interface KeyedEvents {
  readonly key: string;
  readonly events: L1Event[];
  readonly positions: RecordPosition[];
}

/** A decoded batch split by model key (`routeByKey`). */
export interface RoutedBatch {
  readonly parts: readonly KeyedEvents[];
  readonly records: readonly RawRecord[];
  /** True on all but the last part of a raw batch decoded in parts: nothing to commit yet. */
  readonly partial: boolean;
}

/** What a batch made for the outputs; later stages append to it. */
export interface BatchOutputs {
  readonly models: ModelSnapshot[];
  readonly alerts: Alert[];
  readonly scores: ScoreRecord[];
  /**
   * Records of this batch that could not be used (with a durable state store they travel with
   * their batch, so a checkpoint commits exactly the dead letters of the records it covers).
   */
  readonly deadLetters: DeadLetter[];
}

/** A batch learned by its keys' models (`learnByKey`): the live models it touched and its outputs. */
export interface ProcessedBatch {
  readonly kind: 'batch';
  readonly parts: ReadonlyArray<{ readonly live: LiveModel; readonly learned: LearnedBatch }>;
  readonly records: readonly RawRecord[];
  readonly partial: boolean;
  readonly outputs: BatchOutputs;
}

/** A refit that finished (or failed) after the batch that started it. */
export interface RefitDone {
  readonly kind: 'refit';
  readonly key: string;
  /** The model, in memory again if it had been evicted meanwhile (null when the refit failed). */
  readonly live: LiveModel | null;
  readonly snapshot: ModelSnapshot | null;
  readonly error: Error | null;
  readonly outputs: BatchOutputs;
}

/** What flows between the engine's stages after learning. */
export type EngineElement = ProcessedBatch | RefitDone;

export function emptyOutputs(): BatchOutputs {
  return { models: [], alerts: [], scores: [], deadLetters: [] };
}

import { map, type OperatorFunction } from 'rxjs';

import type { LiveModel } from '../model/liveModel.js';
import type { ModelRegistry } from '../model/registry.js';
import { emptyOutputs, type ProcessedBatch, type RoutedBatch } from './engineTypes.js';
import { LearnedBatchBuilder } from './learn.js';
import type { DeadLetterSink } from './types.js';

export interface LearnByKeyOptions {
  readonly deadLetters: DeadLetterSink;
  /** Score records for unlabelled events: off, or with this many named contributions. */
  readonly scores: { readonly enabled: boolean; readonly top: number };
  /** Serializes a rejected event for its dead letter (default JSON). */
  readonly serialize?: (event: unknown) => string;
}

/**
 * Feeds each key's events to that key's live model (created, or restored from the state store, on
 * first sight): predict, then learn (progressive validation). Emits the batch with, per key, the
 * per-event outcomes (`LearnedBatch`) for the stages after it, and the scores of its unlabelled
 * events. Models are updated synchronously: downstream sees them current.
 */
export function learnByKey(
  registry: ModelRegistry<LiveModel>,
  options: LearnByKeyOptions,
): OperatorFunction<RoutedBatch, ProcessedBatch> {
  const serialize = options.serialize ?? ((e: unknown) => JSON.stringify(e));
  return map((batch: RoutedBatch): ProcessedBatch => {
    const outputs = emptyOutputs();
    const parts: Array<ProcessedBatch['parts'][number]> = [];
    for (const part of batch.parts) {
      const live = registry.acquire(part.key);
      const builder = new LearnedBatchBuilder(part.events.length);
      builder.learn(part, live.model, options.deadLetters, serialize, (event, position, outcome) => {
        if (outcome.labelled) live.recordServed(outcome.prediction, event.label!, event.weight ?? 1);
        else if (options.scores.enabled)
          outputs.scores.push(live.score(event, position, outcome.prediction, options.scores.top));
      });
      parts.push({ live, learned: builder.build(live.model, batch) });
    }
    return { kind: 'batch', parts, records: batch.records, partial: batch.partial, outputs };
  });
}

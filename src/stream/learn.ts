import { map, type OperatorFunction } from 'rxjs';

import type { OnlineModel } from '../model/onlineModel.js';
import type { DeadLetterSink, EventBatch, LearnedBatch } from './types.js';

export interface LearnOptions {
  /** Receives events the featurizer rejects (a field that changed type, ...). */
  readonly deadLetters: DeadLetterSink;
  /** Serializes a rejected event for the dead letter (default JSON). */
  readonly serialize?: (event: unknown) => string;
}

/**
 * Feeds each event of a batch to the online model (predict, then learn: progressive validation)
 * and emits the per-event outcomes as a `LearnedBatch` for metrics, drift detection and offset
 * commits. The model is updated synchronously, so when a `LearnedBatch` is seen downstream the
 * model already reflects it.
 */
export function learn(model: OnlineModel, options: LearnOptions): OperatorFunction<EventBatch, LearnedBatch> {
  const serialize = options.serialize ?? ((e: unknown) => JSON.stringify(e));
  return map((batch) => {
    const n = batch.events.length;
    const labelled = new Uint8Array(n);
    const labels = new Float64Array(n);
    const predictions = new Float64Array(n);
    const losses = new Float64Array(n);
    const featureStarts = new Int32Array(n + 1);
    let indices = new Int32Array(Math.max(16, n * 8));
    let count = 0;
    let used = 0;
    let rejected = batch.rejected;
    const x = model.lastFeatures();
    for (let i = 0; i < n; i++) {
      const event = batch.events[i];
      const outcome = model.process(event);
      if (outcome.rejected !== null) {
        rejected++;
        options.deadLetters.deadLetter({
          reason: outcome.rejected,
          stage: 'featurize',
          position: batch.positions[i],
          value: serialize(event),
        });
        continue;
      }
      labelled[count] = outcome.labelled ? 1 : 0;
      labels[count] = event.label ?? NaN;
      predictions[count] = outcome.prediction;
      losses[count] = outcome.loss;
      featureStarts[count] = used;
      if (used + x.nnz > indices.length) {
        const bigger = new Int32Array(Math.max(indices.length * 2, used + x.nnz));
        bigger.set(indices);
        indices = bigger;
      }
      indices.set(x.indices.subarray(0, x.nnz), used);
      used += x.nnz;
      count++;
    }
    featureStarts[count] = used;
    return {
      key: model.key,
      offset: model.offset,
      count,
      labelled: labelled.subarray(0, count),
      labels: labels.subarray(0, count),
      predictions: predictions.subarray(0, count),
      losses: losses.subarray(0, count),
      featureStarts: featureStarts.subarray(0, count + 1),
      featureIndices: indices.subarray(0, used),
      nameOf: (j: number) => model.featurizer.nameOf(j),
      rejected,
      records: batch.records,
    };
  });
}

import type { LearnedBatch } from '../../src/stream/types.js';

/**
 * A monitor batch of `starts.length − 1` labelled events carrying only their features (CSR:
 * `indices[starts[i], starts[i+1])`), the events before it numbering `offset`: what the input
 * tests read. Labels, predictions and losses are zero (the benches turn the loss tests off).
 */
export function inputBatch(
  key: string,
  offset: number,
  starts: Int32Array,
  indices: Int32Array,
  nameOf: (j: number) => string,
  fieldOf?: LearnedBatch['fieldOf'],
): LearnedBatch {
  const n = starts.length - 1;
  return {
    key,
    offset: offset + n,
    count: n,
    labelled: new Uint8Array(n).fill(1),
    labels: new Float64Array(n),
    predictions: new Float64Array(n),
    losses: new Float64Array(n),
    featureStarts: starts,
    featureIndices: indices,
    nameOf,
    ...(fieldOf ? { fieldOf } : {}),
    rejected: 0,
    records: [],
  };
}

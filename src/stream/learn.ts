import { defer, filter, map, type OperatorFunction } from 'rxjs';

import type { L1Event } from '../core/event.js';
import { newOutcome, type EventOutcome, type OnlineModel } from '../model/onlineModel.js';
import { optionProblems, type OptionKind } from '../config/optionValues.js';
import { ConfigError, NumericError } from '../core/errors.js';
import { growInt32 } from '../core/sparse.js';
import { FEED_OCCURRENCES, type BatchFeed, type ColumnNames } from '../drift/sequentialThread.js';
import { originalValue, recordAt, recordOrigin } from './recordOrigin.js';
import type { DeadLetterSink, EventBatch, LearnedBatch, RawRecord, RecordPosition } from './types.js';

export interface LearnOptions {
  /** Receives events the featurizer rejects (a field that changed type, ...). */
  readonly deadLetters: DeadLetterSink;
  /** Serializes a rejected event for the dead letter (default JSON). */
  readonly serialize?: (event: unknown) => string;
}

const learnKinds: ReadonlyArray<readonly [keyof LearnOptions, OptionKind]> = [
  ['deadLetters', 'deadLetterSink'],
  ['serialize', 'function'],
];

/**
 * `learn`'s options from plain JavaScript: a misspelled key (`serialise`) was ignored, and
 * without `deadLetters` the first rejected event threw a TypeError.
 */
function checkLearnOptions(options: LearnOptions): void {
  const problems = optionProblems('learn', options, learnKinds, ['deadLetters']);
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Feeds each event of a batch to the online model (predict, then learn: progressive validation)
 * and emits the per-event outcomes as a `LearnedBatch` for metrics, drift detection and offset
 * commits. The model is updated synchronously, so when a `LearnedBatch` is seen downstream the
 * model already reflects it. A raw batch decoded in parts (`decodeEvents` with `partSize`) is
 * learned part by part and emitted as one `LearnedBatch`, after its last part.
 */
export function learn(model: OnlineModel, options: LearnOptions): OperatorFunction<EventBatch, LearnedBatch> {
  checkLearnOptions(options);
  const serialize = options.serialize ?? ((e: unknown) => JSON.stringify(e));
  return (source) =>
    defer(() => {
      let builder: LearnedBatchBuilder | null = null;
      let perEvent = 8;
      return source.pipe(
        map((batch) => {
          // Sized for the whole raw batch: its parts' events are at most its records.
          builder ??= new LearnedBatchBuilder(
            batch.partial ? batch.records.length : batch.events.length,
            true,
            perEvent,
          );
          builder.learn(batch, model, options.deadLetters, serialize);
          if (batch.partial) return null;
          const learned = builder.build(model, batch);
          perEvent = builder.indicesPerEvent();
          builder = null;
          return learned;
        }),
        filter((b): b is LearnedBatch => b !== null),
      );
    });
}

/** A learner's error, with the record it was learning (its line, or its offset). */
function atPosition(e: NumericError, p: RecordPosition): NumericError {
  const where =
    p.partition === undefined
      ? `line ${p.offset} of ${p.source}`
      : `offset ${p.offset} of ${p.source} partition ${p.partition}`;
  return new NumericError(`${where}: ${e.message}`, { cause: e });
}

/**
 * Sees each accepted event right after the model processed it (scores, served metrics); the
 * outcome is reused for the next event, so it is read there and then, not kept.
 */
export type OnProcessed = (event: L1Event, position: RecordPosition, outcome: EventOutcome) => void;

/** The typed arrays of one `LearnedBatch`, filled event by event. */
export class LearnedBatchBuilder {
  private labelled: Uint8Array<ArrayBuffer>;
  private labels: Float64Array<ArrayBuffer>;
  private predictions: Float64Array<ArrayBuffer>;
  private losses: Float64Array<ArrayBuffer>;
  private featureStarts: Int32Array<ArrayBuffer>;
  private indices: Int32Array<ArrayBuffer>;
  /** Each index's drift field code (`Vocabulary.fieldCodes`), when asked for and the vocabulary has them. */
  private codes: Int32Array<ArrayBuffer>;
  private readonly withCodes: boolean;
  /** False: no event's indices are recorded (nothing downstream reads them); `featureStarts` are all 0. */
  private readonly withIndices: boolean;
  /** Takes the events as they are learned, every FEED_OCCURRENCES (the drift worker), or null. */
  private readonly feed: BatchFeed | null;
  /** Events handed to `feed`, and their occurrences. */
  private fed = 0;
  private fedUsed = 0;
  private names: ColumnNames | null = null;
  private count = 0;
  private used = 0;
  private rejected = 0;
  /** Each event's outcome, written in place (`onProcessed` reads it before the next event). */
  private readonly outcome = newOutcome();

  /**
   * `fieldCodes`: the batch carries each occurrence's field code (false: a drift monitor that reads
   * none). `indicesPerEvent`: room for the features of an average event (`indicesPerEvent()` of
   * the model's previous builder), so that the index array is not grown and copied batch after batch.
   * `feed`: where the events go while they are learned (`DriftMonitor.feed`). `indices`: false
   * when nothing reads the events' indices (a drift monitor without input tests): none are copied.
   */
  constructor(
    capacity: number,
    fieldCodes = true,
    indicesPerEvent = 8,
    feed: BatchFeed | null = null,
    indices = true,
  ) {
    this.feed = feed;
    this.withIndices = indices || feed !== null;
    // the six arrays on one buffer: one allocation per builder (a builder per part), not six
    const n = this.withIndices ? Math.max(16, capacity * indicesPerEvent) : 0;
    const f64 = 8 * capacity;
    const i32 = 4 * (capacity + 1 + n);
    const buffer = new ArrayBuffer(3 * f64 + i32 + capacity);
    this.labels = new Float64Array(buffer, 0, capacity);
    this.predictions = new Float64Array(buffer, f64, capacity);
    this.losses = new Float64Array(buffer, 2 * f64, capacity);
    this.featureStarts = new Int32Array(buffer, 3 * f64, capacity + 1);
    this.indices = new Int32Array(buffer, 3 * f64 + 4 * (capacity + 1), n);
    this.withCodes = fieldCodes && this.withIndices;
    this.codes = new Int32Array(fieldCodes ? n : 0);
    this.labelled = new Uint8Array(buffer, 3 * f64 + i32, capacity);
  }

  learn(
    batch: Pick<EventBatch, 'events' | 'positions'> & {
      readonly rejected?: number;
      /** The raw records the events came from (their dead letters carry a record's key and headers). */
      readonly records?: readonly RawRecord[];
    },
    model: OnlineModel,
    deadLetters: DeadLetterSink,
    serialize: (event: unknown) => string,
    onProcessed?: OnProcessed,
  ): void {
    this.rejected += batch.rejected ?? 0;
    const x = model.lastFeatures();
    const vocabulary = this.withCodes ? model.featurizer.vocabulary : null;
    const withIndices = this.withIndices;
    const n = batch.events.length;
    if (this.count + n > this.labels.length) this.grow(this.count + n);
    const outcome = this.outcome;
    for (let i = 0; i < n; i++) {
      const event = batch.events[i];
      try {
        model.processInto(event, outcome);
      } catch (e) {
        throw e instanceof NumericError ? atPosition(e, batch.positions[i]) : e;
      }
      if (outcome.rejected !== null) {
        this.rejected++;
        const record = batch.records !== undefined ? recordAt(batch.records, batch.positions[i]) : undefined;
        deadLetters.deadLetter({
          reason: outcome.rejected,
          stage: 'featurize',
          position: batch.positions[i],
          value: originalValue(record, () => serialize(event)),
          ...recordOrigin(record),
        });
        continue;
      }
      onProcessed?.(event, batch.positions[i], outcome);
      const k = this.count;
      this.labelled[k] = outcome.labelled ? 1 : 0;
      this.labels[k] = event.label ?? NaN;
      this.predictions[k] = outcome.prediction;
      this.losses[k] = outcome.loss;
      this.featureStarts[k] = this.used;
      this.count = k + 1;
      if (!withIndices) continue;
      if (this.used + x.nnz > this.indices.length) {
        const size = Math.max(this.indices.length * 2, this.used + x.nnz);
        this.indices = growInt32(this.indices, size);
        if (vocabulary !== null) this.codes = growInt32(this.codes, size);
      }
      // A plain copy: a subarray view per event would be an allocation per event.
      const xi = x.indices;
      const indices = this.indices;
      for (let j = 0, at = this.used; j < x.nnz; j++) indices[at + j] = xi[j];
      // the event's vocabulary entries are still in cache: the drift detector's random reads would not be
      if (vocabulary?.fieldCodes !== undefined) vocabulary.fieldCodes(xi, x.nnz, this.codes, this.used);
      this.used += x.nnz;
      if (this.feed !== null && this.used - this.fedUsed >= FEED_OCCURRENCES) this.feedRest(model);
    }
  }

  /** Hands the events learned and not yet fed to `feed`. */
  private feedRest(model: OnlineModel): void {
    const featurizer = model.featurizer;
    this.names ??= {
      nameOf: (j: number) => featurizer.nameOf(j),
      fieldOf: (j: number) => featurizer.fieldOf(j),
      fieldNames: featurizer.vocabulary.fieldNames,
    };
    const codes = this.withCodes && this.names.fieldNames !== undefined ? this.codes : null;
    this.feed!.feed(this.featureStarts, this.indices, codes, this.fed, this.count, this.used, this.names);
    this.fed = this.count;
    this.fedUsed = this.used;
  }

  /** Room for `capacity` events (only if parts bring more events than their batch's records). */
  private grow(capacity: number): void {
    const copy = <A extends Uint8Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(
      a: A,
      make: (n: number) => A,
      n: number,
    ): A => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.labelled = copy(this.labelled, (k) => new Uint8Array(k), capacity);
    this.labels = copy(this.labels, (k) => new Float64Array(k), capacity);
    this.predictions = copy(this.predictions, (k) => new Float64Array(k), capacity);
    this.losses = copy(this.losses, (k) => new Float64Array(k), capacity);
    this.featureStarts = copy(this.featureStarts, (k) => new Int32Array(k), capacity + 1);
  }

  /** Indices per event to make room for in the model's next builder: this batch's mean, and a quarter more. */
  indicesPerEvent(): number {
    return this.count === 0 ? 8 : Math.ceil((1.25 * this.used) / this.count) + 1;
  }

  build(model: OnlineModel, last: { readonly records: readonly RawRecord[] }): LearnedBatch {
    const count = this.count;
    if (this.feed !== null && this.fed < count) this.feedRest(model);
    this.featureStarts[count] = this.used;
    const fieldNames = this.withCodes ? model.featurizer.vocabulary.fieldNames : undefined;
    return {
      key: model.key,
      offset: model.offset,
      count,
      labelled: this.labelled.subarray(0, count),
      labels: this.labels.subarray(0, count),
      predictions: this.predictions.subarray(0, count),
      losses: this.losses.subarray(0, count),
      featureStarts: this.featureStarts.subarray(0, count + 1),
      featureIndices: this.indices.subarray(0, this.used),
      nameOf: (j: number) => model.featurizer.nameOf(j),
      fieldOf: (j: number) => model.featurizer.fieldOf(j),
      ...(fieldNames !== undefined ? { fieldCodes: this.codes.subarray(0, this.used), fieldNames } : {}),
      rejected: this.rejected,
      records: last.records,
    };
  }
}

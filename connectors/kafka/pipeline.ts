import { performance, type EventLoopUtilization } from 'node:perf_hooks';

import {
  EMPTY,
  Observable,
  concatMap,
  connect,
  identity,
  mergeMap,
  ignoreElements,
  merge,
  share,
  tap,
  type MonoTypeOperatorFunction,
} from 'rxjs';

import {
  decodeEvents,
  learn,
  snapshotEvery,
  type Alert,
  type DeadLetterSink,
  type EventBatch,
  type LearnedBatch,
  type EventDecoder,
  type ModelSnapshot,
  type OnlineModel,
  type RawRecord,
  type RecordDecoder,
} from '../../src/index.js';
import type { KafkaSink } from './sink.js';
import type { KafkaBatch, KafkaSource } from './source.js';

/**
 * Wall-clock milliseconds spent in the pipeline's synchronous stages, summed over batches, for
 * logs and benchmarks. Filled in when passed as `KafkaPipelineOptions.timings` (a few clock reads
 * per batch; nothing when absent).
 */
export interface KafkaPipelineTimings {
  /** `performance.now()` when the first batch arrived (0 before). */
  firstBatchAt: number;
  /**
   * The event loop's utilization when the first batch arrived: with
   * `performance.eventLoopUtilization(now, atFirstBatch)` it splits the time since into busy
   * (JavaScript, GC) and idle (waiting on the broker).
   */
  eventLoopAtFirstBatch: EventLoopUtilization | null;
  batches: number;
  records: number;
  /** Decoding and validating records (`decodeEvents`). */
  decodeMs: number;
  /** Featurizing, predicting, learning, progressive metrics (`learn`) and `onLearned`. */
  learnMs: number;
  /** Snapshots (with their metrics), alerts and queuing them on the sink. */
  outputsMs: number;
}

/** A fresh `KafkaPipelineTimings` with every figure at zero. */
export function pipelineTimings(): KafkaPipelineTimings {
  return {
    firstBatchAt: 0,
    eventLoopAtFirstBatch: null,
    batches: 0,
    records: 0,
    decodeMs: 0,
    learnMs: 0,
    outputsMs: 0,
  };
}

export interface KafkaPipelineOptions {
  readonly source: KafkaSource;
  readonly sink: KafkaSink;
  readonly model: OnlineModel;
  readonly deadLetters: DeadLetterSink;
  /** Record decoder (default JSON); an `EventDecoder` such as `AvroDecoder` also validates. */
  readonly decoder?: RecordDecoder | EventDecoder;
  /** Runs before decoding a batch (Avro: fetch the writer schemas it names). */
  readonly prepare?: (records: readonly RawRecord[]) => Promise<void>;
  /** Events between snapshots published to the models topic. */
  readonly snapshotEvery: number;
  /** Sees each learned batch before its outputs are flushed (scores, metrics). */
  readonly onLearned?: (batch: LearnedBatch) => void;
  /**
   * Drift detection: alerts derived from the learned batches and snapshots, published to the
   * alerts topic. They must be emitted synchronously with the batch that caused them, so they are
   * flushed (and acknowledged) before that batch's offsets are committed.
   */
  readonly alerts?: (
    learned$: Observable<LearnedBatch>,
    snapshots$: Observable<ModelSnapshot>,
  ) => Observable<Alert>;
  /** Accumulates where the time goes (see `KafkaPipelineTimings`). */
  readonly timings?: KafkaPipelineTimings;
  /**
   * Records decoded and learned at a time within a fetched batch (default 512): a fetch brings
   * thousands of records, and decoding them all before learning any would keep all their events
   * alive through several young-generation GCs (see `decodeEvents`' `partSize`).
   */
  readonly partSize?: number;
}

/**
 * source → (prepare) → decodeEvents → learn → snapshots to the models topic → flush → commit.
 *
 * Emits each learned batch after its outputs (snapshots, dead letters, whatever `onLearned`
 * published) were acknowledged by the broker and its offsets committed: at-least-once.
 */
export function kafkaPipeline(options: KafkaPipelineOptions): Observable<LearnedBatch> {
  const { source, sink, model, deadLetters } = options;
  const prepare = options.prepare;
  const raw$ = prepare
    ? source.batches$.pipe(concatMap(async (b) => (await prepare(b.records), b)))
    : source.batches$;
  // Stage clocks: each measures how long everything downstream of it took to handle a value
  // (all synchronous), so their differences split a batch's time among the stages: below the
  // first, decode + learn + outputs of a batch; below the second, learn of a part (+ outputs
  // after the last part); below the third, outputs (snapshots, alerts, queuing the commit).
  const timings = options.timings;
  let belowDecode = 0;
  let belowLearn = 0;
  const clock = <T>(onTime: (ms: number, value: T) => void): MonoTypeOperatorFunction<T> =>
    timings ? timeDownstream(onTime) : identity;
  return raw$.pipe(
    clock<KafkaBatch>((ms, batch) => {
      if (!timings) return;
      timings.decodeMs += ms - belowDecode;
      timings.batches++;
      timings.records += batch.records.length;
      belowDecode = 0;
    }),
    tap(() => {
      if (timings && timings.firstBatchAt === 0) {
        timings.firstBatchAt = performance.now();
        timings.eventLoopAtFirstBatch = performance.eventLoopUtilization();
      }
    }),
    decodeEvents({
      family: model.family,
      deadLetters,
      partSize: options.partSize ?? 512,
      ...(options.decoder ? { decoder: options.decoder } : {}),
    }),
    clock<EventBatch>((ms) => {
      if (!timings) return;
      timings.learnMs += ms - belowLearn;
      belowDecode += ms;
      belowLearn = 0;
    }),
    learn(model, { deadLetters }),
    tap((batch) => options.onLearned?.(batch)),
    clock<LearnedBatch>((ms) => {
      if (!timings) return;
      timings.outputsMs += ms;
      belowLearn += ms;
    }),
    connect((learned$) => {
      // Subscribed before the commit branch, so a batch's snapshot and alerts are queued
      // before that batch's flush.
      const snapshots$ = learned$.pipe(
        snapshotEvery(model, options.snapshotEvery),
        tap((snapshot) => sink.publishModel(snapshot)),
        share(),
      );
      const alerts$ = options.alerts ? options.alerts(learned$, snapshots$) : EMPTY;
      return merge(
        snapshots$.pipe(ignoreElements()),
        alerts$.pipe(
          tap((alert) => sink.publishAlert(alert)),
          ignoreElements(),
        ),
        // mergeMap, not concatMap: flushes are chained in order by the sink and commits that
        // overlap are merged into one by the source, so batch k+1 need not wait for k's commit.
        learned$.pipe(
          mergeMap(async (batch) => {
            await sink.flush();
            await source.commit(batch.records);
            return batch;
          }),
        ),
      );
    }),
  );
}

/**
 * Passes values through and reports, per value, how long the downstream subscribers took to
 * handle it (synchronously).
 */
function timeDownstream<T>(onTime: (ms: number, value: T) => void): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(value) {
          const start = performance.now();
          subscriber.next(value);
          onTime(performance.now() - start, value);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

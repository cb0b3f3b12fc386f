import {
  EMPTY,
  concatMap,
  connect,
  mergeMap,
  ignoreElements,
  merge,
  share,
  tap,
  type Observable,
} from 'rxjs';

import {
  decodeEvents,
  learn,
  snapshotEvery,
  type Alert,
  type DeadLetterSink,
  type LearnedBatch,
  type ModelSnapshot,
  type OnlineModel,
  type RawRecord,
  type RecordDecoder,
} from '../../src/index.js';
import type { KafkaSink } from './sink.js';
import type { KafkaSource } from './source.js';

export interface KafkaPipelineOptions {
  readonly source: KafkaSource;
  readonly sink: KafkaSink;
  readonly model: OnlineModel;
  readonly deadLetters: DeadLetterSink;
  /** Record decoder (default JSON). */
  readonly decoder?: RecordDecoder;
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
  return raw$.pipe(
    decodeEvents({
      family: model.family,
      deadLetters,
      ...(options.decoder ? { decoder: options.decoder } : {}),
    }),
    learn(model, { deadLetters }),
    tap((batch) => options.onLearned?.(batch)),
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

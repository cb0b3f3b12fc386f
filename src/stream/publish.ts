import {
  concatMap,
  concatWith,
  finalize,
  defer,
  EMPTY,
  filter,
  identity,
  mergeMap,
  tap,
  type OperatorFunction,
} from 'rxjs';

import type { Checkpointer } from '../engine/checkpointer.js';
import type { EventSource, OutputSink } from '../engine/ports.js';
import type { EngineElement, ProcessedBatch } from './engineTypes.js';

/**
 * Writes each element's outputs to the sink (models, scores, alerts, in that order; a refit's
 * snapshot first), then, for batches, waits until the sink has made them durable and commits the
 * batch's records at the source (DESIGN §6: at-least-once). Emits each batch once committed.
 * Flushes are chained in order by the sink and overlapping commits are merged by the source, so
 * batch k+1 need not wait for k's commit.
 *
 * With a `checkpointer` (a durable state store), records are committed only at checkpoints: each
 * batch is noted once its outputs are durable, a checkpoint runs when one is due, and a last one
 * when the stream completes.
 */
export function publish(
  sink: OutputSink,
  source: EventSource,
  checkpointer?: Checkpointer,
): OperatorFunction<EngineElement, ProcessedBatch> {
  return (elements) =>
    elements.pipe(
      tap((element) => {
        if (element.kind === 'refit' && element.snapshot !== null) sink.model(element.snapshot);
        const { models, scores, alerts } = element.outputs;
        for (const m of models) sink.model(m);
        for (const s of scores) sink.score(s);
        for (const a of alerts) sink.alert(a);
      }),
      filter((e): e is ProcessedBatch => e.kind === 'batch' && !e.partial),
      checkpointer
        ? (batches) =>
            batches.pipe(
              concatMap(async (batch) => {
                await sink.flush();
                await checkpointer.afterBatch(batch.records);
                return batch;
              }),
              concatWith(
                defer(async () => {
                  await sink.flush();
                  await checkpointer.finish();
                }).pipe(mergeMap(() => EMPTY)),
              ),
              finalize(() => checkpointer.stopTimer()),
            )
        : source.commit
          ? mergeMap(async (batch) => {
              await sink.flush();
              await source.commit!(batch.records);
              return batch;
            })
          : identity,
    );
}

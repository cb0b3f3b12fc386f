import { filter, identity, mergeMap, tap, type OperatorFunction } from 'rxjs';

import type { EventSource, OutputSink } from '../engine/ports.js';
import type { EngineElement, ProcessedBatch } from './engineTypes.js';

/**
 * Writes each element's outputs to the sink (models, scores, alerts, in that order; a refit's
 * snapshot first), then, for batches, waits until the sink has made them durable and commits the
 * batch's records at the source (DESIGN §6: at-least-once). Emits each batch once committed.
 * Flushes are chained in order by the sink and overlapping commits are merged by the source, so
 * batch k+1 need not wait for k's commit.
 */
export function publish(
  sink: OutputSink,
  source: EventSource,
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
      source.commit
        ? mergeMap(async (batch) => {
            await sink.flush();
            await source.commit!(batch.records);
            return batch;
          })
        : identity,
    );
}

import { Observable, type OperatorFunction } from 'rxjs';

import type { LiveModel } from '../model/liveModel.js';
import type { ModelRegistry } from '../model/registry.js';
import { emptyOutputs, type EngineElement, type ProcessedBatch } from './engineTypes.js';

/**
 * Publishes each model's snapshot by time (T seconds since its last one, judged at batch
 * boundaries, or part boundaries when batches are decoded in parts: `LiveModel.snapshotDue`)
 * into the batch's outputs; snapshots by count (every N learned events) are taken inside the
 * batch, right after their event (`learnByKey`). When the source completes, every model that learned since its last snapshot (in
 * memory or stored) gets a final one, emitted as a last batch without records.
 *
 * @example
 * processed$.pipe(snapshotEvery(registry))
 */
export function snapshotEvery(
  registry: ModelRegistry<LiveModel>,
): OperatorFunction<EngineElement, EngineElement> {
  return (source) =>
    new Observable<EngineElement>((subscriber) =>
      source.subscribe({
        // what these handlers throw goes down the stream as its error (rxjs would report it as
        // unhandled: the process would die without its outputs closed)
        next(element) {
          if (element.kind === 'batch') {
            try {
              for (const { live } of element.parts)
                if (live.snapshotDue()) element.outputs.models.push(live.takeSnapshot());
            } catch (err) {
              subscriber.error(err);
              return;
            }
          }
          subscriber.next(element);
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          const outputs = emptyOutputs();
          try {
            // restores stored models: a store or a checkpoint can fail here; in the keys' order, so
            // the last snapshots are in the same order whichever models are in memory
            registry.forEach((live) => {
              // a model that learned nothing (a key whose events were all unlabelled) has no snapshot:
              // it would be the untrained model at offset 0
              if (live.model.offset > live.lastSnapshotOffset) outputs.models.push(live.takeSnapshot());
            }, true);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          const last: ProcessedBatch = { kind: 'batch', parts: [], records: [], partial: false, outputs };
          if (outputs.models.length > 0) subscriber.next(last);
          subscriber.complete();
        },
      }),
    );
}

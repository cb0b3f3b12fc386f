import { Observable, type OperatorFunction } from 'rxjs';

import type { LiveModel } from '../model/liveModel.js';
import type { ModelRegistry } from '../model/registry.js';
import { emptyOutputs, type EngineElement, type ProcessedBatch } from './engineTypes.js';

/**
 * Publishes each model's snapshot by time (T seconds since its last one, judged at batch
 * boundaries, or part boundaries when batches are decoded in parts: `LiveModel.snapshotDue`)
 * into the batch's outputs; snapshots by count (every N learned events) are taken inside the
 * batch, right after their event (`learnByKey`). With a finite `everySeconds` (T), a timer also
 * publishes those of the models in memory that learned and wait for their time while no batch of
 * theirs comes (a quiet key, an idle topic), as a batch without records between two batches. When
 * the source completes, every model that learned since its last snapshot (in memory or stored)
 * gets a final one, emitted as a last batch without records.
 *
 * @example
 * processed$.pipe(snapshotEvery(registry, config.snapshots.everySeconds))
 */
export function snapshotEvery(
  registry: ModelRegistry<LiveModel>,
  everySeconds = Infinity,
): OperatorFunction<EngineElement, EngineElement> {
  return (source) =>
    new Observable<EngineElement>((subscriber) => {
      // a batch decoded in parts is between two of them: its models wait for its end
      let midBatch = false;
      let timer: ReturnType<typeof setInterval> | null = null;
      const stopTimer = (): void => {
        if (timer !== null) clearInterval(timer);
        timer = null;
      };
      /** The models in memory whose snapshot is due by time, as a batch without records. */
      const tick = (): void => {
        if (midBatch || subscriber.closed) return;
        const outputs = emptyOutputs();
        try {
          for (const live of registry.liveModels())
            if (live.snapshotDue()) outputs.models.push(live.takeSnapshot());
        } catch (err) {
          stopTimer();
          subscriber.error(err);
          return;
        }
        if (outputs.models.length > 0)
          subscriber.next({ kind: 'batch', parts: [], records: [], partial: false, outputs });
      };
      if (Number.isFinite(everySeconds) && everySeconds > 0) {
        // at most a second late (a quarter of T when that is shorter), at most 20 checks a second
        timer = setInterval(tick, Math.max(50, Math.min(1000, (everySeconds * 1000) / 4)));
        timer.unref();
      }
      const subscription = source.subscribe({
        // what these handlers throw goes down the stream as its error (rxjs would report it as
        // unhandled: the process would die without its outputs closed)
        next(element) {
          if (element.kind === 'batch') {
            midBatch = element.partial;
            try {
              for (const { live } of element.parts)
                if (live.snapshotDue()) element.outputs.models.push(live.takeSnapshot());
            } catch (err) {
              stopTimer();
              subscriber.error(err);
              return;
            }
          }
          subscriber.next(element);
        },
        error: (err: unknown) => {
          stopTimer();
          subscriber.error(err);
        },
        complete() {
          stopTimer();
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
      });
      return () => {
        stopTimer();
        subscription.unsubscribe();
      };
    });
}

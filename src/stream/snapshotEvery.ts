import { Observable, type OperatorFunction } from 'rxjs';

import type { ModelSnapshot } from '../model/snapshot.js';
import type { LearnedBatch } from './types.js';

/** What `snapshotEvery` needs of a model: its event count and a way to take a snapshot. */
export interface Snapshottable {
  readonly offset: number;
  snapshot(): ModelSnapshot;
}

/**
 * Emits a model snapshot each time the model has learned `everyEvents` more events (checked at
 * batch boundaries), and a last one when the source completes, unless nothing was learned since
 * the previous snapshot.
 *
 * @example
 * learned$.pipe(snapshotEvery(model, 100_000)).subscribe((s) => models.write(s));
 */
export function snapshotEvery(
  model: Snapshottable,
  everyEvents: number,
): OperatorFunction<LearnedBatch, ModelSnapshot> {
  if (!(Number.isInteger(everyEvents) && everyEvents > 0)) {
    throw new RangeError(`snapshotEvery needs a whole number of events > 0, got ${everyEvents}`);
  }
  return (source) =>
    new Observable<ModelSnapshot>((subscriber) => {
      let lastOffset = model.offset;
      let nextAt = (Math.floor(model.offset / everyEvents) + 1) * everyEvents;
      return source.subscribe({
        next() {
          if (model.offset >= nextAt) {
            nextAt = (Math.floor(model.offset / everyEvents) + 1) * everyEvents;
            lastOffset = model.offset;
            subscriber.next(model.snapshot());
          }
        },
        error(err: unknown) {
          subscriber.error(err);
        },
        complete() {
          if (model.offset !== lastOffset || model.offset === 0) subscriber.next(model.snapshot());
          subscriber.complete();
        },
      });
    });
}

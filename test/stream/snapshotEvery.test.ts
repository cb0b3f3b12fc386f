import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { snapshotEvery } from '../../src/stream/snapshotEvery.js';
import type { LearnedBatch } from '../../src/stream/types.js';

/** A stand-in model whose offset is set by each batch (the learn operator's effect). */
function fakeModel() {
  let version = 0;
  return {
    offset: 0,
    snapshot(): ModelSnapshot {
      version++;
      return { offset: this.offset, version } as unknown as ModelSnapshot;
    },
  };
}

describe('snapshotEvery', () => {
  it('emits at the first batch boundary past each multiple, and once at the end', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const model = fakeModel();
      const offsets: Record<string, number> = { a: 40, b: 90, c: 120, d: 260, e: 270 };
      // the learn operator has advanced the model by the time a batch arrives downstream
      const batches = cold('a-b-c-d-e-|', offsets).pipe(
        map((o) => {
          model.offset = o;
          return {} as LearnedBatch;
        }),
      );
      expectObservable(batches.pipe(snapshotEvery(model, 100))).toBe('----x-y---(z|)', {
        x: { offset: 120, version: 1 },
        y: { offset: 260, version: 2 },
        z: { offset: 270, version: 3 },
      });
    });
  });

  it('does not repeat the last snapshot at the end when nothing changed', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const model = fakeModel();
      model.offset = 200;
      expectObservable(
        cold('a|').pipe(
          map(() => ({}) as LearnedBatch),
          snapshotEvery(model, 100),
        ),
      ).toBe('-|');
    });
  });
});

import { describe, expect, it } from 'vitest';

import { sparseIdStream } from '../../bench/defaults/streams.js';
import { createLearner } from '../../src/learn/factory.js';
import { OnlineModel } from '../../src/model/onlineModel.js';

/**
 * λ "auto" (binomial): each time the provisional learner restarts (at 2, 4, 8, … labelled events
 * and at the first event of the second label), and when the learner starts at the end of the
 * warm-up, the model that predicts is a learner started at the λ of that moment on every event
 * of the warm-up so far, each scaled by the column scales of that moment. The reference here is
 * that definition, learned from scratch; binary ids only, so no column is centred (`standardize:
 * true` divides them by their sd, "auto" by 1).
 */
describe('the warm-up of lambda "auto" restarts on exactly its events', () => {
  it('at every restart and at its end, for every learner', () => {
    const { events } = sparseIdStream({ events: 1300, columns: 3000, seed: 5 });
    for (const [learnerName, standardize] of [
      ['ftrl', 'auto'],
      ['fobos', 'auto'],
      ['ftrl', true],
    ] as const) {
      const model = new OnlineModel({ family: 'binomial', learner: learnerName, standardize });
      const accepted: Array<{ indices: Int32Array; y: number }> = [];
      let lastLambda = NaN;
      let checked = 0;
      let finished = false;
      events.forEach((e, i) => {
        // an event the scaler refuses (its squares overflow) now and then, on restart counts too
        if (i % 97 === 7) {
          const bad = { label: e.label, features: { ...e.features, huge: 1e300 } };
          expect(model.process(bad).rejected).toBeTruthy();
        }
        const outcome = model.process(e);
        expect(outcome.rejected).toBeFalsy();
        accepted.push({
          indices: model.lastFeatures().indices.slice(0, model.lastFeatures().nnz),
          y: e.label!,
        });
        const n = accepted.length;
        const lambda = model.snapshot().lambda;
        const wasFinished = finished;
        if (!finished && n >= 1000 && isFinal(model)) finished = true;
        const restart = (n & (n - 1)) === 0 || lambda !== lastLambda;
        lastLambda = lambda;
        if (wasFinished || !(restart || finished)) return;
        const reference = createLearner(learnerName, 'binomial', lambda, 1);
        for (const a of accepted) {
          // (a column without spread so far enters as 0)
          const values = Float64Array.from(a.indices, (j) =>
            model.columnScale(j) > 0 ? 1 / model.columnScale(j) : 0,
          );
          expect(reference.checkUpdate({ indices: a.indices, values, nnz: a.indices.length }, a.y, 1)).toBe(
            -1,
          );
          reference.learnChecked();
        }
        const got = model.coefficients();
        expect(got.intercept).toBe(reference.intercept());
        const want = new Map<number, number>();
        reference.forEachNonZero((j, w) => {
          if (model.columnScale(j) > 0) want.set(j, w / model.columnScale(j));
        });
        expect(new Map(Array.from(got.indices, (j, k) => [j, got.values[k]!]))).toEqual(want);
        checked++;
      });
      expect(finished).toBe(true);
      // 2, 4, …, 512, the second label's first event and the end, at least
      expect(checked).toBeGreaterThanOrEqual(11);
    }
  });
});

/** True once λ "auto" has been chosen for good (the warm-up ended). */
function isFinal(model: OnlineModel): boolean {
  return model.checkpoint().lambda !== null && model.checkpoint().lambda !== undefined;
}

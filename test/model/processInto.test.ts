import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { newOutcome, OnlineModel, type EventOutcome } from '../../src/model/onlineModel.js';
import { Rng } from '../helpers/random.js';

/** Numeric columns with large means (centred), one sometimes absent, a category, a few unlabelled events. */
function events(n: number, seed: number): L1Event[] {
  const rng = new Rng(seed);
  const out: L1Event[] = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number | string> = {
      a: 5 + rng.normal(),
      b: -3 + 2 * rng.normal(),
      c: rng.next() < 0.3 ? 1 : 7 * rng.next(),
      site: `s${rng.int(6)}`,
    };
    if (rng.next() < 0.5) features.d = 10 + rng.normal();
    const eta = 0.8 * (Number(features.a) - 5) - 0.5 * (features.site === 's1' ? 1 : 0);
    const label = rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push(i % 9 === 4 ? { features } : { label, features, ...(i % 13 === 0 ? { weight: 2 } : {}) });
  }
  return out;
}

describe('OnlineModel.processInto', () => {
  it('gives what process gives, event by event, into one reused outcome', () => {
    const options = { family: 'binomial', lambda: 1e-3 } as const;
    const a = new OnlineModel(options);
    const b = new OnlineModel(options);
    const out = newOutcome();
    const stream = events(1500, 3);
    // a value of an unsupported type: rejected by process's check and by the featurizer, each
    // with its own words
    stream.splice(700, 0, { label: 1, features: { a: { nested: 1 } } } as unknown as L1Event);
    let rejected = 0;
    for (const e of stream) {
      const expected: EventOutcome = a.process(e);
      b.processInto(e, out);
      if (out.rejected !== null) {
        expect(expected.rejected).toBe(
          'feature "a" has unsupported type object (use number, string, boolean or string[])',
        );
        expect(out.rejected).toBe('feature "a" has an unsupported type');
        expect({ ...out, rejected: null }).toEqual({ ...expected, rejected: null });
        rejected++;
      } else expect({ ...out }).toEqual({ ...expected });
    }
    expect(rejected).toBe(1);
    expect(b.coefficients()).toEqual(a.coefficients());
  });

  it('predicts, with centred columns, what its coefficients on the original scale give for the raw event', () => {
    // The learner sees x_j/s_j − mean_j/s_j for centred columns; `coefficients()` maps its weights
    // back (β_j = w_j/s_j, the means folded into the intercept) with scales computed afresh. So
    // an unlabelled event's score (the scaler does not see it) must be σ(intercept + Σ β_j·x_j)
    // on its raw values. (A labelled event is predicted after the scaler has taken it in.)
    for (const standardize of ['auto', true] as const) {
      const model = new OnlineModel({ family: 'binomial', lambda: 1e-3, standardize });
      const raw = new SparseBuffer(16);
      let checked = 0;
      for (const e of events(3000, 11)) {
        const { intercept, indices, values } = model.coefficients();
        const beta = new Map<number, number>();
        indices.forEach((j, k) => beta.set(j, values[k]));
        // the featurizer gives the raw columns (names seen before keep their columns)
        expect(model.featurizer.featurize(e, raw)).toBeNull();
        let margin = intercept;
        for (let k = 0; k < raw.nnz; k++) margin += (beta.get(raw.indices[k]) ?? 0) * raw.values[k];
        const outcome = model.process(e);
        if (e.label === undefined && beta.size > 0) {
          expect(outcome.prediction).toBeCloseTo(1 / (1 + Math.exp(-margin)), 10);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(300);
    }
  });
});

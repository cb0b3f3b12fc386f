/**
 * `OnlineModel.process` from plain JavaScript: a binomial label of 5, a label given as the string
 * "1" and a negative weight were learned from without a word (the model moved; a weight of −3
 * pushed its coefficients the wrong way). Each is refused with the reason the engine's dead letters
 * give, and the model is left exactly as it was.
 */
import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { OnlineModel } from '../../src/model/onlineModel.js';

const train = (m: OnlineModel, from: number) => {
  for (let i = from; i < from + 60; i++)
    m.process({ label: i % 2, features: { x: (i % 3) - 1, c: `l${i % 4}` } });
};
const asEvent = (e: unknown) => e as L1Event;

describe('OnlineModel.process checks the event', () => {
  const cases: [string, unknown, string][] = [
    [
      'a binomial label that is not 0/1',
      { label: 5, features: { x: 1 } },
      '"label" must be 0 or 1 for family binomial, got 5',
    ],
    [
      'a label given as a number in quotes',
      { label: '1', features: { x: 1 } },
      '"label" must be a number, got a number in quotes: send it without them ({"label": 1}, not {"label": "1"})',
    ],
    [
      'a weight given as a number in quotes',
      { label: 1, weight: '2', features: { x: 1 } },
      '"weight" must be a finite number >= 0, got a number in quotes: send it without them ({"weight": 2}, not {"weight": "2"})',
    ],
    [
      'a weight given as other text',
      { label: 1, weight: 'heavy', features: { x: 1 } },
      '"weight" must be a finite number >= 0',
    ],
    [
      'a label given as other text',
      { label: 'yes', features: { x: 1 } },
      '"label" must be a number, got string (binomial labels are 0 and 1, or true and false without quotes)',
    ],
    // (Number(" ") is 0: it was called a number in quotes)
    [
      'a blank label',
      { label: '  ', features: { x: 1 } },
      '"label" must be a number, got string (binomial labels are 0 and 1, or true and false without quotes)',
    ],
    [
      'a negative weight',
      { label: 1, weight: -3, features: { x: 1 } },
      '"weight" must be a finite number >= 0',
    ],
    [
      'a value that is not finite',
      { label: 1, features: { x: Number.NaN } },
      'feature "x" is not a finite number (NaN)',
    ],
    ['no features', { label: 1 }, '"features" is missing or not an object'],
    [
      'features under another name',
      { label: 1, feature: { x: 1 } },
      '"features" is missing or not an object; the event has "feature": did you mean "features"?',
    ],
    ['not an object', 'x=1', 'event is not a JSON object'],
  ];
  for (const [what, event, reason] of cases) {
    it(`refuses ${what} and leaves the model as it was`, () => {
      const checked = new OnlineModel({ family: 'binomial', lambda: 0.01 });
      const reference = new OnlineModel({ family: 'binomial', lambda: 0.01 });
      train(checked, 0);
      train(reference, 0);
      const out = checked.process(asEvent(event));
      expect(out.rejected).toBe(reason);
      expect(out.labelled).toBe(false);
      train(checked, 60);
      train(reference, 60);
      expect(checked.snapshot().coefficients).toEqual(reference.snapshot().coefficients);
      expect(checked.snapshot().intercept).toBe(reference.snapshot().intercept);
    });
  }

  it('takes a boolean label as 0/1 and a null label as none, as the engine does', () => {
    const m = new OnlineModel({ family: 'binomial', lambda: 0.01 });
    train(m, 0);
    expect(m.process(asEvent({ label: true, features: { x: 1 } })).labelled).toBe(true);
    const scored = m.process(asEvent({ label: null, features: { x: 1 } }));
    expect(scored.labelled).toBe(false);
    expect(scored.rejected).toBeNull();
    expect(scored.prediction).toBeGreaterThan(0);
  });
});

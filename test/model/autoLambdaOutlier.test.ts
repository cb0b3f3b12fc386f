import { describe, expect, it } from 'vitest';

import { sparseOf } from '../../src/core/sparse.js';
import { lambdaMax, type WarmupEvent } from '../../src/model/autoLambda.js';

/** 200 events: column 0 carries the label, columns 1–3 are noise; `extra` adds columns to some. */
function events(extra: (i: number) => ReadonlyArray<readonly [number, number]> = () => []): WarmupEvent[] {
  return Array.from({ length: 200 }, (_, i) => {
    const y = i % 2;
    const pairs: Array<readonly [number, number]> = [
      [0, y + Math.sin(i)],
      [1, Math.cos(i)],
      [2, Math.sin(7 * i)],
      [3, Math.cos(5 * i)],
      ...extra(i),
    ];
    return { x: sparseOf(pairs), y, weight: 1 };
  });
}

const unit = (): number => 1;

describe('λ "auto": a column of huge values does not set λ_max', () => {
  const plain = lambdaMax(events(), unit, unit, 1);

  it('one event of 1e154 in a column of its own (unscaled) leaves λ_max to the ordinary columns', () => {
    const once = lambdaMax(
      events((i) => (i === 0 ? [[4, 1e154]] : [])),
      unit,
      unit,
      1,
    );
    expect(plain).toBeGreaterThan(0.1);
    expect(once).toBe(plain);
  });

  it('nor with one ordinary column only (one of two columns is huge)', () => {
    const two = (big: boolean) =>
      events().map((e, i) => ({
        ...e,
        x: sparseOf(
          big && i === 0
            ? [
                [0, e.x.values[0]!],
                [4, 1e154],
              ]
            : [[0, e.x.values[0]!]],
        ),
      }));
    expect(lambdaMax(two(true), unit, unit, 1)).toBe(lambdaMax(two(false), unit, unit, 1));
  });

  it('nor does a column of 1e154 in every third event', () => {
    expect(
      lambdaMax(
        events((i) => (i % 3 === 0 ? [[4, 1e154]] : [])),
        unit,
        unit,
        1,
      ),
    ).toBe(plain);
  });

  it('a column far above the others still sets it when it is not a minority of the columns', () => {
    const scaled = lambdaMax(
      events(() => []).map((e) => ({ ...e, x: sparseOf([[0, 1e9 * (e.y + 0.5)]]) })),
      unit,
      unit,
      1,
    );
    expect(scaled).toBeGreaterThan(1e8);
  });
});

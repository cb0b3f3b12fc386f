import { describe, expect, it } from 'vitest';

import { sparseOf } from '../../src/core/sparse.js';
import { WarmupEvents } from '../../src/model/warmupEvents.js';

const event = (i: number) =>
  sparseOf(Array.from({ length: (i * 7) % 9 }, (_, k) => [i * 3 + k, i + k / 8] as [number, number]));

function pushed(n: number, from = 0, into = new WarmupEvents()): WarmupEvents {
  for (let i = from; i < from + n; i++) into.push(event(i), i % 2, 1 + i / 10);
  return into;
}

const listOf = (e: WarmupEvents) =>
  e.list().map(({ x, y, weight }) => ({ i: Array.from(x.indices), v: Array.from(x.values), y, weight }));

describe('WarmupEvents', () => {
  it('restored from its state at any size, then pushed on, holds what pushes alone give', () => {
    for (const n of [0, 1, 14, 15, 16, 17, 63, 64, 65, 300]) {
      const restored = WarmupEvents.fromState(pushed(n).state());
      expect(listOf(restored)).toEqual(listOf(pushed(n)));
      pushed(40, n, restored);
      const straight = pushed(n + 40);
      expect(restored.length).toBe(n + 40);
      expect(listOf(restored)).toEqual(listOf(straight));
      expect(restored.state()).toEqual(straight.state());
    }
  });

  it('refuses a state whose event starts are not 0 … entries, in order', () => {
    const good = pushed(5).state();
    const starts = (s: number[]) => ({ ...good, starts: Int32Array.from(s) });
    const end = good.indices.length;
    for (const bad of [
      starts([1, 2, 3, 4, 5, end]),
      starts([0, 3, 2, 4, 5, end]),
      starts([0, 1, 2, 3, 4, end - 1]),
      { ...good, labels: good.labels.subarray(1) },
    ])
      expect(() => WarmupEvents.fromState(bad)).toThrow(/warm-up events are malformed/);
  });
});

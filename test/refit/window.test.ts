import { describe, expect, it } from 'vitest';

import { sparseOf } from '../../src/core/sparse.js';
import { RefitWindow } from '../../src/refit/window.js';

const row = (i: number) =>
  sparseOf(Array.from({ length: (i % 4) + 1 }, (_, k) => [i * 10 + k, i + k / 10] as [number, number]));

describe('RefitWindow', () => {
  it('holds exactly the last `capacity` rows, in order, with their labels and weights', () => {
    for (const capacity of [1, 5, 1024, 1500]) {
      const w = new RefitWindow(capacity);
      for (let i = 1; i <= 3000; i++) w.push(row(i), i % 2, i / 100);
      const rows = w.rows()!;
      const first = 3000 - capacity + 1;
      expect([rows.first, rows.last, rows.rows, w.size]).toEqual([first, 3000, capacity, capacity]);
      for (let r = 0; r < rows.rows; r++) {
        const i = first + r;
        const x = row(i);
        expect(Array.from(rows.cols.subarray(rows.rowStart[r], rows.rowStart[r + 1]))).toEqual(
          Array.from(x.indices),
        );
        expect(Array.from(rows.values.subarray(rows.rowStart[r], rows.rowStart[r + 1]))).toEqual(
          Array.from(x.values),
        );
        expect([rows.y[r], rows.weights[r]]).toEqual([i % 2, i / 100]);
      }
      // memory is bounded by the capacity plus one block, however many rows went through
      expect(w.storedNonZeros).toBeLessThanOrEqual((capacity + Math.min(capacity, 1024)) * 4);
    }
  });

  it("holds arrays for the rows it has, not a block's 1,024 (a keyed model with few events)", () => {
    const w = new RefitWindow(20_000);
    for (let i = 1; i <= 3; i++) w.push(row(i), i % 2, 1);
    // 16 rows: row starts, labels and weights (20 bytes a row, 4 more) and 8 entries a row (12 bytes each)
    expect(w.bytes).toBe(16 * 20 + 4 + 16 * 8 * 12);
    for (let i = 4; i <= 100; i++) w.push(row(i), i % 2, 1);
    expect(w.bytes).toBeLessThan(128 * 20 + 4 + 128 * 8 * 12 + 1);
    const rows = w.rows()!;
    expect([rows.first, rows.last]).toEqual([1, 100]);
    for (let r = 0; r < 100; r++) {
      const x = row(r + 1);
      expect(Array.from(rows.cols.subarray(rows.rowStart[r], rows.rowStart[r + 1]))).toEqual(
        Array.from(x.indices),
      );
      expect(Array.from(rows.values.subarray(rows.rowStart[r], rows.rowStart[r + 1]))).toEqual(
        Array.from(x.values),
      );
      expect(rows.y[r]).toBe((r + 1) % 2);
    }
  });

  it('round-trips through its state (and a smaller capacity keeps the newest rows)', () => {
    const w = new RefitWindow(300);
    for (let i = 1; i <= 1000; i++) w.push(row(i), i, 1);
    const again = RefitWindow.fromState(w.state());
    expect(again.rows()).toEqual(w.rows());
    again.push(row(1001), 1001, 1);
    w.push(row(1001), 1001, 1);
    expect(again.rows()).toEqual(w.rows());
    // restored at any fill (within a block, at a block's end, several blocks) and pushed on past
    // block ends and the capacity: always the window that was never checkpointed
    for (const [capacity, before] of [
      [40, 1],
      [40, 39],
      [40, 40],
      [40, 41],
      [40, 95],
      [2000, 1030],
      [2000, 2500],
    ]) {
      const straight = new RefitWindow(capacity);
      for (let i = 1; i <= before; i++) straight.push(row(i), i % 2, i);
      const restored = RefitWindow.fromState(straight.state());
      expect(restored.rows()).toEqual(straight.rows());
      for (let i = before + 1; i <= before + 2 * capacity + 7; i++) {
        straight.push(row(i), i % 2, i);
        restored.push(row(i), i % 2, i);
        if (i % 13 === 0) expect(restored.rows(), `${capacity} ${before} ${i}`).toEqual(straight.rows());
      }
      expect(restored.rows()).toEqual(straight.rows());
      expect(restored.storedNonZeros).toBeLessThanOrEqual((capacity + Math.min(capacity, 1024)) * 4);
    }
    const good = w.state();
    const rows = good.rows!;
    for (const bad of [
      { ...rows, rowStart: rows.rowStart.map((v, i) => (i === 3 ? rows.rowStart[1] - 1 : v)) },
      { ...rows, cols: rows.cols.subarray(1) },
      { ...rows, y: rows.y.subarray(1) },
    ])
      expect(() => RefitWindow.fromState({ ...good, rows: bad })).toThrow(/inconsistent/);
    const smaller = RefitWindow.fromState(w.state(), 10);
    expect(smaller.rows()!.first).toBe(992);
    expect(new RefitWindow(5).rows()).toBeNull();
  });
});

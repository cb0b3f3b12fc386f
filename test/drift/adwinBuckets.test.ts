import { describe, expect, it } from 'vitest';

import { Adwin } from '../../src/drift/adwin.js';
import { typedArrayBytes } from '../helpers/memory.js';
import { Rng } from '../helpers/random.js';

/** ADWIN's exponential histogram kept the plain way: rows of buckets, oldest first, arrays shifted. */
class ReferenceHistogram {
  readonly rows: Array<Array<{ total: number; variance: number }>> = [[]];

  insert(x: number, maxBuckets: number): void {
    this.rows[0].push({ total: x, variance: 0 });
    for (let row = 0; row < this.rows.length; row++) {
      if (this.rows[row].length !== maxBuckets + 1) break;
      if (row + 1 === this.rows.length) this.rows.push([]);
      const size = 2 ** row;
      const [b0, b1] = this.rows[row].splice(0, 2);
      const d = b0.total / size - b1.total / size;
      this.rows[row + 1].push({
        total: b0.total + b1.total,
        variance: b0.variance + b1.variance + size * 0.5 * d * d,
      });
      if (this.rows[row + 1].length <= maxBuckets) break;
    }
  }
}

describe('Adwin: the exponential histogram', () => {
  it('lists each row oldest bucket first, zeros after, through merges and a restore mid-stream', () => {
    const rng = new Rng(7);
    const options = { maxBuckets: 3, clock: 1_000_000, gracePeriod: 1_000_000 };
    let adwin = new Adwin(options);
    const reference = new ReferenceHistogram();
    for (let i = 1; i <= 5_000; i++) {
      const x = rng.next();
      adwin.update(x);
      reference.insert(x, 3);
      if (i % 37 === 0) {
        const s = adwin.state();
        expect(s.rows).toBe(reference.rows.length);
        for (let row = 0; row < s.rows; row++) {
          const buckets = reference.rows[row];
          expect(s.counts[row]).toBe(buckets.length);
          for (let k = 0; k < 4; k++) {
            expect(s.totals[row * 4 + k]).toBe(k < buckets.length ? buckets[k].total : 0);
            expect(s.variances[row * 4 + k]).toBe(k < buckets.length ? buckets[k].variance : 0);
          }
        }
      }
      if (i % 101 === 0) {
        const restored = new Adwin(options);
        restored.restore(adwin.state());
        adwin = restored;
      }
    }
  });

  it('cuts where it would have without a restore, whatever the histogram rows were doing', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => (i < 9_000 ? 0 : 1) + ((i * 7919) % 101) / 101);
    const detections = (restoreEvery: number): number[] => {
      let adwin = new Adwin({ delta: 0.01, clock: 4, maxBuckets: 2 });
      const at: number[] = [];
      values.forEach((x, i) => {
        adwin.update(x);
        if (adwin.driftDetected) at.push(i);
        if (restoreEvery > 0 && i % restoreEvery === 0) {
          const restored = new Adwin({ delta: 0.01, clock: 4, maxBuckets: 2 });
          restored.restore(adwin.state());
          adwin = restored;
        }
      });
      return at;
    };
    const plain = detections(0);
    expect(plain.length).toBeGreaterThan(0);
    expect(detections(13)).toEqual(plain);
    expect(detections(3)).toEqual(plain);
  });

  it('holds room for the rows it uses: a new detector a few rows, 64 only past 2^60 values', () => {
    const adwin = new Adwin();
    // 4 rows of 6 slots (totals and variances) and 4 counts and heads: 448 bytes; 64 rows were 6,656
    const fresh = typedArrayBytes(adwin);
    expect(fresh).toBeLessThan(1_000);
    for (let i = 0; i < 100; i++) adwin.update(i % 2);
    expect(adwin.state().rows).toBe(5);
    // grown to 8 rows, still well under the 64
    expect(typedArrayBytes(adwin)).toBeLessThan(2 * fresh + 100);
  });
});

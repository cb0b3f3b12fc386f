import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { featureScales } from '../../src/report/featureScales.js';

/** The report's CSV reader reads the rows replay learns: a quote nothing closes costs its line only. */
describe('featureScales on a CSV', () => {
  it('a quote that nothing closes costs its line; the rows after it are read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-scales-csv-'));
    const file = join(dir, 'events.csv');
    const good = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => `${(from + i) % 2},${(from + i) % 5}`);
    writeFileSync(file, ['y,x', ...good(10, 0), '1,"unclosed', ...good(1000, 10)].join('\n') + '\n');
    const scales = await featureScales(file, 'binomial', new Set(['x']), 'y');
    expect(scales.events).toBe(1010);
    // x cycles 0..4 evenly: sd √2
    expect(scales.sd.get('x')).toBeCloseTo(Math.SQRT2, 2);
  });

  it('a quote left open that the next row’s quoted field would close costs its line only, as in replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-scales-csv-'));
    const file = join(dir, 'events.csv');
    writeFileSync(file, ['label,x,c', '1,2,"unclosed', '0,5,"b"', '1,7,c'].join('\n') + '\n');
    const scales = await featureScales(file, 'binomial', new Set(['x']), 'label');
    // the rows 0,5,b and 1,7,c (the row 0,5,"b" was lost with the unclosed line)
    expect(scales.events).toBe(2);
    expect(scales.sd.get('x')).toBeCloseTo(1, 12);
  });
});

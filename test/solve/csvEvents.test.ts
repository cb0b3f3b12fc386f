import { describe, expect, it } from 'vitest';

import { csvEvents } from '../../src/solve/csv.js';

/** `csvEvents` (score's CSV input): broken rows are problems by their line, a broken header an error. */
describe('csvEvents', () => {
  it('a quote left open in the header is an error, not the next line taken for the header', () => {
    expect(() => csvEvents('a,"b,c\n1,2,3\n4,5,6\n', 'f.csv')).toThrow(
      /^f\.csv line 1: an unterminated quoted field/,
    );
  });

  it('a stray quote and a quote that nothing closes cost their rows, in line order', () => {
    const rows = csvEvents('a,b\n1,2\n3,4" x\n5,"open\n7,8\n', 'f.csv');
    expect(rows.map((r) => [r.line, r.problem === undefined])).toEqual([
      [2, true],
      [3, false],
      [4, false],
      [5, true],
    ]);
    expect(rows[1]!.problem).toMatch(/^line 3: a quote \("\) inside a field that does not start with one/);
    expect(rows[2]!.problem).toMatch(/^line 4: an unterminated quoted field/);
  });
});

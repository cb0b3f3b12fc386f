import { describe, expect, it } from 'vitest';

import { readCsvDesign } from '../../src/solve/csv.js';

const read = (text: string) => () => readCsvDesign(text, { target: 'y', source: 'f.csv' });

describe('a CSV header that cannot be read names the fix', () => {
  it('a first column without a name (a pandas index written by to_csv)', () => {
    expect(read(',x,y\n0,1.5,1\n1,2.5,0\n')).toThrow(
      'f.csv: column 1 of the header has no name: name it in the header (and leave it out with --exclude NAME if it is not a feature); ' +
        "a pandas DataFrame's index is written so by to_csv: write the file with to_csv(..., index=False)",
    );
  });

  it('a header that ends with a comma', () => {
    expect(read('x,y,\n1.5,1,\n2.5,0,\n')).toThrow(
      'f.csv: column 3 of the header has no name: the header ends with a comma; remove it (from the data rows too, if they end with one), or name it in the header',
    );
  });

  it('a column without a name between named ones', () => {
    expect(read('x,,y\n1.5,3,1\n2.5,4,0\n')).toThrow(
      'f.csv: column 2 of the header has no name: name it in the header (and leave it out with --exclude NAME if it is not a feature)',
    );
  });

  it('a name given twice says which columns and to rename one', () => {
    expect(read('x,z,x,y\n1.5,1,3,1\n2.5,2,4,0\n')).toThrow(
      'f.csv: the header names column "x" twice (columns 1 and 3); column names must be unique: rename one of them',
    );
  });
});

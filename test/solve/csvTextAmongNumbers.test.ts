import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readCsvDesign } from '../../src/solve/csv.js';
import { runCli } from '../helpers/cli.js';

/** 40 rows: `charges` numbers but every 10th a formatted amount, `tenure` numbers but every 8th "unknown". */
function churnCsv(): string {
  const rows = ['charges,tenure,plan,y'];
  for (let i = 0; i < 40; i++) {
    const c = 20 + ((i * 37) % 100) + 0.25;
    const charges = i % 10 === 0 ? `"$${(c * 100).toLocaleString('en-US')}"` : String(c);
    const tenure = i % 8 === 0 ? 'unknown' : String(1 + ((i * 13) % 70));
    rows.push(`${charges},${tenure},${i % 3 === 0 ? 'basic' : 'pro'},${i % 2}`);
  }
  return `${rows.join('\n')}\n`;
}

describe('fit: text cells in a column of numbers are named', () => {
  it('names each such column with its count and a few texts, not the text columns', () => {
    const d = readCsvDesign(churnCsv(), { target: 'y', source: 'churn.csv' });
    expect(d.notes).toContain(
      'text cells in columns of numbers, each a one-hot column=text beside the column\'s number: "charges" 4 of 40 ' +
        '("$2,025", "$9,025", "$6,025", …), "tenure" 5 of 40 ("unknown"); a number written with a currency sign, ' +
        'a thousands separator or a unit ("$1,200", "12 kg") is text: write plain numbers (and leave a missing value empty)',
    );
    // the text column is named in the one-hot note, not among the columns of numbers
    expect(d.notes.find((n) => n.startsWith('text cells in columns of numbers'))).not.toContain('"plan"');
  });

  it('none for a CSV whose text columns have no numbers', () => {
    const d = readCsvDesign('x,plan,y\n1,a,0\n2,b,1\n3,a,0\n', { target: 'y' });
    expect(d.notes).toEqual(['3 text cells were one-hot encoded as column=text: "plan" 3 (2 levels)']);
  });

  it('says so on stderr from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-text-numbers-'));
    const input = join(dir, 'churn.csv');
    writeFileSync(input, churnCsv());
    const r = await runCli([
      'fit',
      '--input',
      input,
      '--target',
      'y',
      '--family',
      'binomial',
      '--lambda',
      '0.01',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: text cells in columns of numbers, .*"charges" 4 of 40 \("\$2,025"/);
  });
});

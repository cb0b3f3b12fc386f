/**
 * What `fit` says of a CSV's columns (a new user's trial, 2026-12-06): a column equal to another in
 * every row (the lasso's choice between them is arbitrary), and which columns of numbers have
 * missing cells (each a 0 to the model).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

describe("fit's notes on a CSV's columns", () => {
  it('names a column equal to an earlier one, and the columns of numbers with missing cells', async () => {
    const rng = new Rng(3);
    const lines = ['y,seats,tenure,plan,seats_copy,note'];
    for (let i = 0; i < 400; i++) {
      const seats = 1 + Math.floor(rng.next() * 9);
      const tenure = Math.round(rng.next() * 60);
      const plan = rng.next() < 0.5 ? 'pro' : 'basic';
      const y = 100 + 8 * seats + 1.5 * tenure + (rng.next() - 0.5) * 20;
      // tenure missing in every 5th row, the note (text) in most
      lines.push(
        `${y.toFixed(2)},${seats},${i % 5 === 0 ? '' : tenure},${plan},${seats},${i % 3 === 0 ? 'x' : ''}`,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'l1s-fit-columns-'));
    const file = join(dir, 'rows.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runCli(['fit', '--input', file, '--target', 'y', '--lambda', '0.1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'warning: column "seats_copy" is equal to column "seats" in every row: the lasso gives their coefficient to one of them',
    );
    expect(r.stderr).toMatch(
      /in columns of numbers: "tenure" 80 of 400 rows \(20 %\); a missing number counts as 0: where 0 is a real value of the column, impute/,
    );
    // a text column's missing cells are absent levels: not named
    expect(r.stderr).not.toMatch(/"note" \d+ of 400/);
    const clean = join(dir, 'clean.csv');
    writeFileSync(
      clean,
      `${lines.map((l) => l.split(',').slice(0, 4).join(',')).join('\n')}\n`.replace(/,,/g, ',0,'),
    );
    const c = await runCli(['fit', '--input', clean, '--target', 'y', '--lambda', '0.1']);
    expect(c.code).toBe(0);
    expect(c.stderr).not.toContain('in every row');
  });
});

/**
 * A line of JSON's white space (spaces, tabs, CRs) is no record, in every command; a line of other
 * spaces (a no-break space, a form feed, U+2028) was skipped as blank by some commands and refused
 * by others. It is refused everywhere now, naming the character, as it is beside an event.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-blank-lines-'));
const events = [
  '{"label":1,"features":{"a":1}}',
  '\u00a0',
  ' \t ',
  '\f',
  '',
  '\u2028',
  '{"label":0,"features":{"a":2}}',
];
const jsonl = join(dir, 'events.jsonl');
writeFileSync(jsonl, `${events.join('\n')}\n`);

const deadLetters = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; reason: string });

describe('lines of white space', () => {
  it('replay and fit: JSON white space skipped, other spaces refused with the character named', async () => {
    const out = join(dir, 'replay');
    const r = await runCli(['replay', '--input', jsonl, '--family', 'binomial', '--no-refit', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const letters = deadLetters(join(out, 'dead-letters.jsonl'));
    expect(letters.map((d) => d.line)).toEqual([2, 4, 6]);
    expect(letters.map((d) => d.reason)).toEqual([
      'cannot decode: unexpected character U+00A0 at position 0, which is not valid JSON',
      'cannot decode: unexpected character U+000C at position 0, which is not valid JSON',
      'cannot decode: unexpected character U+2028 at position 0, which is not valid JSON',
    ]);
    const letterFile = join(dir, 'fit-dead.jsonl');
    const fit = await runCli([
      ...['fit', '--input', jsonl, '--family', 'binomial', '--lambda', '0.01'],
      ...['--dead-letters', letterFile],
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    expect(deadLetters(letterFile).map((d) => [d.line, d.reason])).toEqual(
      letters.map((d) => [d.line, d.reason]),
    );
  });

  it('a CSV row of a no-break space is a row (refused), one of spaces is passed over', async () => {
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, 'label,a\n1,1\n\u00a0\n  \n0,2\n');
    const out = join(dir, 'csv');
    const r = await runCli([
      'replay',
      '--input',
      csv,
      '--target',
      'label',
      '--family',
      'binomial',
      '--no-refit',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      events: number;
      rejected: number;
    };
    expect(summary).toMatchObject({ events: 2, rejected: 1 });
    expect(deadLetters(join(out, 'dead-letters.jsonl')).map((d) => d.line)).toEqual([3]);
    // fit reads the same rows (it refused the row of spaces too)
    const letters = join(dir, 'fit-csv-dead.jsonl');
    const fit = await runCli([
      ...['fit', '--input', csv, '--target', 'label', '--family', 'binomial', '--lambda', '0.01'],
      ...['--dead-letters', letters],
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    expect(deadLetters(letters).map((d) => d.line)).toEqual([3]);
    // and with a quote left open further down (the rows are then found line by line)
    const open = join(dir, 'open.csv');
    writeFileSync(open, 'x,label\n1,1\n2,0\n   \n3,1\n"oops,1\n4,0\n5,1\n');
    const openLetters = join(dir, 'open-dead.jsonl');
    const openFit = await runCli([
      ...['fit', '--input', open, '--target', 'label', '--family', 'binomial', '--lambda', '0.01'],
      ...['--dead-letters', openLetters],
    ]);
    expect(openFit.code, openFit.stderr).toBe(0);
    expect(deadLetters(openLetters).map((d) => d.line)).toEqual([6]);
  });
});

/**
 * `fit` and `path --exclude COL[,COL...]`: the named columns are left out of the features, so the
 * model is the one of the file without them (CSV columns, or JSON events' feature fields, with a
 * text column's one-hot levels); a name that is not a feature column is an error listing them all.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-exclude-'));

interface Row {
  readonly id: number;
  readonly age: number;
  readonly city: string;
  readonly leak: number;
  readonly y: number;
}

const rng = new Rng(3);
const rows: Row[] = Array.from({ length: 80 }, (_, i) => {
  const age = Math.round(20 + 40 * rng.next());
  const city = ['north', 'south', 'east'][i % 3]!;
  const y = rng.next() < 1 / (1 + Math.exp(-(0.08 * (age - 40) + (city === 'north' ? 1 : 0)))) ? 1 : 0;
  return { id: 1000 + i, age, city, leak: y, y };
});

function csvOf(columns: ReadonlyArray<keyof Row>): string {
  const file = join(dir, `${columns.join('-')}.csv`);
  writeFileSync(
    file,
    `${columns.join(',')}\n${rows.map((r) => columns.map((c) => r[c]).join(',')).join('\n')}\n`,
  );
  return file;
}

function jsonlOf(name: string, fields: ReadonlyArray<keyof Row>): string {
  const file = join(dir, `${name}.jsonl`);
  const lines = rows.map((r) =>
    JSON.stringify({ label: r.y, features: Object.fromEntries(fields.map((f) => [f, r[f]])) }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** stdout of a successful command, the model key left out (it is the file's name). */
async function modelsOf(args: readonly string[]): Promise<unknown[]> {
  const r = await runCli([...args]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  // fit prints one pretty-printed snapshot, path one per line
  const texts = args[0] === 'fit' ? [r.stdout] : r.stdout.trim().split('\n');
  return texts.map((l) => {
    const {
      key: _key,
      createdAt: _createdAt,
      metrics,
      ...rest
    } = JSON.parse(l) as {
      key: string;
      createdAt: string;
      metrics: Record<string, unknown>;
    };
    const { solveMs: _solveMs, ...kept } = metrics;
    return { ...rest, metrics: kept };
  });
}

describe('fit and path --exclude', () => {
  const all = csvOf(['id', 'age', 'city', 'leak', 'y']);
  const kept = csvOf(['age', 'city', 'y']);
  const common = ['--target', 'y', '--family', 'binomial'];

  it('fit --lambda, fit --cv and path --cv on a CSV: the models of the file without the columns', async () => {
    for (const extra of [
      ['fit', '--lambda', '0.01'],
      ['fit', '--cv', '4'],
      ['path', '--cv', '4', '--nlambda', '8'],
    ]) {
      const excluded = await modelsOf([...extra, '--input', all, ...common, '--exclude', 'id,leak']);
      const without = await modelsOf([...extra, '--input', kept, ...common]);
      expect(excluded).toEqual(without);
      expect(JSON.stringify(excluded)).not.toMatch(/"(id|leak)"/);
    }
    // without --exclude, the leak is the model
    const leaky = (await modelsOf(['fit', '--lambda', '0.01', '--input', all, ...common]))[0] as {
      coefficients: Record<string, number>;
    };
    expect(Object.keys(leaky.coefficients)).toContain('leak');
  });

  it('JSON lines: a feature field is left out, a text field with all its one-hot levels', async () => {
    const all = jsonlOf('all', ['id', 'age', 'city', 'leak']);
    const kept = jsonlOf('kept', ['age', 'leak']);
    const args = ['fit', '--lambda', '0.01', '--target', 'label', '--family', 'binomial'];
    const excluded = await modelsOf([...args, '--input', all, '--exclude', 'city, id']);
    expect(excluded).toEqual(await modelsOf([...args, '--input', kept]));
    expect((excluded[0] as { metrics: { features: number } }).metrics.features).toBe(2);
  });

  it('names that are not feature columns: one error listing each, with what it probably meant', async () => {
    const names = 'id,lek,City,city=north,y,zzzzzz';
    const r = await runCli(['fit', '--input', all, ...common, '--lambda', '0.01', '--exclude', names]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const message = r.stderr.split('\n')[0]!;
    expect(message).toContain('--exclude: not feature columns of');
    expect(message).toContain('"lek" (did you mean "leak"?)');
    expect(message).toContain('"City" (did you mean "city"?)');
    expect(message).toContain('"city=north" (did you mean "city"?)');
    expect(message).toContain('"y" is the target column (--target), not a feature');
    expect(message).toMatch(/"zzzzzz"[;.]/);
    expect(message).not.toContain('"id"');
    expect(message).toContain('Its feature columns are: id, age, city, leak');

    const events = jsonlOf('typo', ['age', 'city']);
    const j = await runCli(['path', '--input', events, '--target', 'label', '--exclude', 'cty,label']);
    expect(j.code).toBe(1);
    expect(j.stderr).toContain('"cty" (did you mean "city"?); "label" is the target');

    const empty = await runCli(['fit', '--input', all, ...common, '--exclude', 'id,,leak']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--exclude takes column names separated by commas');
  });

  it('a name holding a comma, in CSV quotes: fit and replay leave that column out', async () => {
    // the header's own quoting: "price, usd" is one column
    const header = 'age,"price, usd",city,y';
    const body = rows.map((r) => `${r.age},${r.leak * 10 + 3},${r.city},${r.y}`);
    const file = join(dir, 'comma.csv');
    writeFileSync(file, `${header}\n${body.join('\n')}\n`);
    const args = ['fit', '--lambda', '0.01', '--input', file, ...common];
    const excluded = await modelsOf([...args, '--exclude', '"price, usd", city']);
    expect(excluded).toEqual(await modelsOf([...args, '--exclude', 'city,"price, usd"']));
    expect((excluded[0] as { metrics: { features: number } }).metrics.features).toBe(1);
    const replayed = join(dir, 'comma-out');
    const replay = ['replay', '--input', file, ...'--target y --family binomial'.split(' ')];
    const r = await runCli([...replay, '--exclude', '"price, usd"', '--exclude', 'age', '--out', replayed]);
    expect(r.stderr).not.toMatch(/error|no event had/i);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(replayed, 'summary.json'), 'utf8')) as { features: number };
    expect(summary.features).toBe(3);
    // spaces around a quoted name; one name a line is one name (not a list: it is no column)
    const spaced = await modelsOf([...args, '--exclude', 'city , "price, usd" ']);
    expect(spaced).toEqual(excluded);
    // the flag repeated: its names together (--exclude=-NAME for a name that starts with "-")
    expect(await modelsOf([...args, '--exclude', '"price, usd"', '--exclude=city'])).toEqual(excluded);
    const lines = await runCli([...args, '--exclude', 'city\nage']);
    expect(lines.code).toBe(1);
    expect(lines.stderr).toContain('"city\\nage"');
    // the error's list of columns writes that name as --exclude takes it (it read as two columns)
    expect(lines.stderr).toContain('Its feature columns are: age, "price, usd", city (');
    const after = await runCli([...args, '--exclude', '"price, usd"x']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('text after a closing quote');
    // a JSON field with spaces at its ends is named in quotes, spaces kept
    const spacedField = join(dir, 'spaced.jsonl');
    writeFileSync(
      spacedField,
      `${rows.map((r) => JSON.stringify({ label: r.y, features: { ' id': r.id, age: r.age } })).join('\n')}\n`,
    );
    const fitJsonl = ['fit', '--lambda', '0.01', '--input', spacedField, '--family', 'binomial'];
    const kept = await modelsOf([...fitJsonl, '--exclude', '" id"']);
    expect((kept[0] as { metrics: { features: number } }).metrics.features).toBe(1);
    const open = await runCli([...args, '--exclude', '"price, usd']);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('a quote (") that nothing closes');
  });

  it('a name in another Unicode form (NFC against a header in NFD) is named, and why it looks the same', async () => {
    const nfd = 'caf\u0065\u0301';
    const file = join(dir, 'nfd.csv');
    writeFileSync(file, `${nfd},y\n${rows.map((r) => `${r.age},${r.y}`).join('\n')}\n`);
    const nfc = nfd.normalize('NFC');
    const why = `(did you mean "${nfd}"? It looks the same, but its accented letters are other Unicode characters: the name given is in NFC form, the one there in NFD; copy the name as it is spelled there)`;
    const excluded = await runCli(['fit', '--input', file, ...common, '--lambda', '0.01', '--exclude', nfc]);
    expect(excluded.code).toBe(1);
    expect(excluded.stderr).toContain(`"${nfc}" ${why}`);
    const target = await runCli(['fit', '--input', file, '--target', nfc, '--lambda', '0.01']);
    expect(target.code).not.toBe(0);
    expect(target.stderr).toContain(`target column "${nfc}" is not in the header of nfd.csv ${why}`);
    // and wherever else a name is guessed: penalty factors, the key field
    const factors = join(dir, 'nfc.json');
    writeFileSync(factors, JSON.stringify({ [nfc]: 0 }));
    const pf = await runCli([
      'fit',
      '--input',
      file,
      ...common,
      '--lambda',
      '0.01',
      '--penalty-factors',
      factors,
    ]);
    expect(pf.stderr).toContain(`"${nfc}" is not a feature column ${why}`);
    const events = join(dir, 'nfd.jsonl');
    writeFileSync(events, `${JSON.stringify({ label: 1, features: { [nfd]: 'a', x: 1 } })}\n`);
    const keyed = await runCli([
      'replay',
      ...['--input', events, '--family', 'binomial', '--key-by', nfc, '--out', join(dir, 'nfd-out')],
    ]);
    const letters = readFileSync(join(dir, 'nfd-out', 'dead-letters.jsonl'), 'utf8');
    expect(keyed.code).not.toBe(0);
    expect(letters).toContain(`did you mean \\"${nfd}\\"? It looks the same, but its accented letters`);
  });

  it('is in fit --help and path --help', async () => {
    for (const command of ['fit', 'path']) {
      const r = await runCli([command, '--help']);
      expect(r.stdout).toMatch(/--exclude COL\[,COL\]/);
    }
  });
});

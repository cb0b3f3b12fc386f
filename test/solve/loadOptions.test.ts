/**
 * `readCsvDesign` and `loadTrainingData` from plain JavaScript: a misspelled option was ignored,
 * so `{ weightcolumn: "w" }` fitted without weights and learned the weight column as a feature,
 * and `{ exlude: ["a"] }` kept the column. Each is now a ConfigError naming every problem, with
 * the key it probably meant.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError, loadTrainingData, readCsvDesign, type CsvDesignOptions } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const text = 'y,a,w\n1,2,1\n2,3,5\n3,5,1\n4,4,2\n';

async function loadProblems(load: () => Promise<unknown>): Promise<Map<string, string>> {
  try {
    await load();
  } catch (err) {
    if (err instanceof ConfigError) return new Map(err.problems.map((p) => [p.path, p.message]));
    throw err;
  }
  throw new Error('accepted');
}

describe('the options of readCsvDesign and loadTrainingData', () => {
  it('readCsvDesign refuses a misspelled option and values of the wrong type', () => {
    const found = problems(() => readCsvDesign(text, { target: 'y', weightcolumn: 'w' } as CsvDesignOptions));
    expect(found.get('readCsvDesign: weightcolumn')).toMatch(
      /^unknown option; did you mean "weightColumn"\?/,
    );
    const typed = problems(() =>
      readCsvDesign(text, { target: 3, exclude: 'a', family: 'poisson' } as unknown as CsvDesignOptions),
    );
    expect([...typed.keys()]).toEqual([
      'readCsvDesign: target',
      'readCsvDesign: family',
      'readCsvDesign: exclude',
    ]);
    expect(typed.get('readCsvDesign: exclude')).toBe('must be a list of strings, got "a"');
    expect(problems(() => readCsvDesign(text, {} as CsvDesignOptions)).get('readCsvDesign: target')).toMatch(
      /^is required/,
    );
    const d = readCsvDesign(text, { target: 'y', weightColumn: 'w' });
    expect(d.names).toEqual(['a']);
    expect([...d.weights!]).toEqual([1, 5, 1, 2]);
  });

  it('loadTrainingData refuses a misspelled option, a format it does not read, all at once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'l1s-load-options-')), 'w.csv');
    writeFileSync(file, text);
    const found = await loadProblems(() =>
      loadTrainingData(file, 'y', 'gaussian', { weightcolumn: 'w', exlude: ['a'], format: 'tsv' } as never),
    );
    expect([...found.keys()]).toEqual([
      'loadTrainingData: weightcolumn',
      'loadTrainingData: exlude',
      // the values are checked once the keys are known
    ]);
    expect(found.get('loadTrainingData: exlude')).toMatch(/did you mean "exclude"\?/);
    const format = await loadProblems(() =>
      loadTrainingData(file, 'y', 'gaussian', { format: 'tsv', maxRecordBytes: 0 } as never),
    );
    expect([...format.keys()]).toEqual(['loadTrainingData: maxRecordBytes', 'loadTrainingData: format']);
    const data = await loadTrainingData(file, 'y', 'gaussian', { weightColumn: 'w' });
    expect(data.names).toEqual(['a']);
  });
});

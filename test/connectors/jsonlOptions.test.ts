/**
 * `readJsonl` and `jsonlSource` from plain JavaScript: a misspelled option was ignored
 * (`maxrecordbytes`: lines of any size were held), and a bound that is not a whole number was
 * taken (`maxRecordBytes: "x"` held a line of any size in memory, `batchSize: NaN` put the whole
 * file in one batch, `skipLines: 2.5` skipped 3 lines). Each is a ConfigError naming every problem.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { jsonlSource, readJsonl, type JsonlEventSourceOptions } from '../../connectors/file/index.js';
import { ConfigError } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-jsonl-options-'));
const file = join(dir, 'events.jsonl');
writeFileSync(
  file,
  '{"label":1,"features":{"a":1}}\n'.repeat(5) + `{"label":1,"features":{"${'x'.repeat(3000)}":1}}\n`,
);

const read = (options: unknown) => () => readJsonl(file, options as JsonlEventSourceOptions);
const source = (options: unknown) => () => jsonlSource(file, options as JsonlEventSourceOptions);

describe('the options of readJsonl and jsonlSource', () => {
  it('refuses a misspelled option, naming the one it meant', () => {
    expect(read({ maxrecordbytes: 100 })).toThrow(ConfigError);
    expect(problems(read({ maxrecordbytes: 100 })).get('readJsonl: maxrecordbytes')).toMatch(
      /^unknown option; did you mean "maxRecordBytes"\?/,
    );
    expect(problems(source({ batchsize: 10 })).get('jsonlSource: batchsize')).toMatch(
      /^unknown option; did you mean "batchSize"\?/,
    );
  });

  it('refuses bounds that are not whole numbers, and wrong types, every one at once', () => {
    const found = problems(
      source({
        batchSize: NaN,
        maxRecordBytes: 'x',
        skipLines: 2.5,
        readerThreads: 2,
        skipBlank: 'no',
        family: 'poisson',
        commit: 3,
      }),
    );
    expect([...found.keys()].sort()).toEqual(
      ['batchSize', 'maxRecordBytes', 'skipLines', 'readerThreads', 'skipBlank', 'family', 'commit']
        .map((k) => `jsonlSource: ${k}`)
        .sort(),
    );
    expect(found.get('jsonlSource: maxRecordBytes')).toBe(
      'must be a whole number >= 1 (a longer line is not held in memory), got "x"',
    );
    for (const bad of [0, -1, '2'])
      expect(problems(read({ batchSize: bad })).get('readJsonl: batchSize')).toMatch(
        /^must be a whole number >= 1/,
      );
  });

  it('reads with valid options as before', async () => {
    const batches = await lastValueFrom(
      readJsonl(file, { batchSize: 2, maxRecordBytes: 100 }).pipe(toArray()),
    );
    expect(batches.map((b) => b.records.length)).toEqual([2, 2, 2]);
    expect(batches[2]!.records[1]!.bytes).toBeGreaterThan(3000);
    expect(() => jsonlSource(file, { readerThreads: 0, family: 'binomial', skipLines: 0 })).not.toThrow();
  });
});

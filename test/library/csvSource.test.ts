/**
 * A CSV file as the engine's event source from the library (`l1stream/file`): `readCsvHeader`,
 * `csvSource` and a `CsvRowDecoder` as the engine's decoder, as the README shows them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkEngineConfig, Engine } from '../../src/index.js';
import { CsvRowDecoder, csvSource, FileOutputSink, readCsvHeader } from '../../connectors/file/index.js';

describe('csvSource from the library', () => {
  it('learns the rows, dead-letters a bad one with its line, and names a missing label column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-csv-library-'));
    const path = join(dir, 'rows.csv');
    const rows = ['churned,tenure,plan'];
    for (let i = 0; i < 200; i++) rows.push(`${i % 3 === 0 ? 1 : 0},${i % 17},${i % 2 ? 'pro' : 'basic'}`);
    rows.splice(10, 0, '1,2'); // line 11: a field short
    writeFileSync(path, `${rows.join('\n')}\n`);
    const config = checkEngineConfig({ model: { family: 'binomial' }, refit: { threads: 0 } });
    const header = await readCsvHeader(path);
    expect(header).toEqual({ columns: ['churned', 'tenure', 'plan'], lines: 1 });
    const sink = await FileOutputSink.open(join(dir, 'out'));
    const engine = new Engine(
      config,
      { source: csvSource(path, header), sink },
      { decoder: new CsvRowDecoder(header.columns, 'churned', path) },
    );
    const stats = await engine.run();
    await sink.close();
    expect([stats.learned, stats.rejected]).toEqual([200, 1]);
    const dead = JSON.parse(readFileSync(join(dir, 'out', 'dead-letters.jsonl'), 'utf8')) as {
      line: number;
      reason: string;
    };
    expect(dead.line).toBe(11);
    expect(dead.reason).toBe('cannot decode: the row has 2 fields, the header has 3');
    expect(() => new CsvRowDecoder(header.columns, 'churnd', path)).toThrow(
      /the label column "churnd" is not in the header of .*rows\.csv \(did you mean "churned"\?\)/,
    );
  });
});

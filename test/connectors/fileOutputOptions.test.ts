/**
 * `FileOutputSink.open(dir, options)` and `new JsonlWriter(path, options)` from plain JavaScript:
 * a misspelled `append` (`apend: true`) was ignored, so the files of an earlier run were truncated
 * (lost); `append: "yes"` too. Now a ConfigError names the key and the one it meant, and the files
 * are untouched.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FileOutputSink, JsonlWriter } from '../../connectors/file/index.js';
import { ConfigError } from '../../src/index.js';

type AppendOptions = { readonly append?: boolean };

async function problemsOf(open: () => unknown): Promise<Map<string, string>> {
  try {
    await open();
  } catch (err) {
    if (err instanceof ConfigError) return new Map(err.problems.map((p) => [p.path, p.message]));
    throw err;
  }
  throw new Error('accepted');
}

describe('the options of the file outputs', () => {
  it('FileOutputSink.open refuses a misspelled append and keeps the earlier outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-out-options-'));
    const earlier = '{"key":"a","version":1}\n';
    writeFileSync(join(dir, 'models.jsonl'), earlier);
    const found = await problemsOf(() => FileOutputSink.open(dir, { apend: true } as AppendOptions));
    expect(found.get('FileOutputSink.open: apend')).toMatch(/^unknown option; did you mean "append"\?/);
    expect(
      (await problemsOf(() => FileOutputSink.open(dir, { append: 'yes' } as unknown as AppendOptions))).get(
        'FileOutputSink.open: append',
      ),
    ).toBe('must be true (append to the files) or false (truncate them), got "yes"');
    expect(readFileSync(join(dir, 'models.jsonl'), 'utf8')).toBe(earlier);
    const sink = await FileOutputSink.open(dir, { append: true });
    await sink.close();
    expect(readFileSync(join(dir, 'models.jsonl'), 'utf8')).toBe(earlier);
  });

  it('JsonlWriter refuses a misspelled append and keeps the file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'l1s-writer-options-')), 'w.jsonl');
    writeFileSync(file, '{"kept":1}\n');
    const found = await problemsOf(() => new JsonlWriter(file, { Append: true } as AppendOptions));
    expect(found.get('JsonlWriter: Append')).toMatch(/^unknown option; did you mean "append"\?/);
    expect(() => new JsonlWriter(file, null as unknown as AppendOptions)).toThrow(ConfigError);
    expect(readFileSync(file, 'utf8')).toBe('{"kept":1}\n');
  });
});

/**
 * A `--config` file that gives a key twice in one object (`"family": "binomial", ...,
 * "family": "gaussian"`): JSON.parse keeps the last value, so the first was ignored without a word
 * (replay ran a gaussian model). Now every such key is named, with its line and column, and the
 * run does not start (exit 2).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { duplicateKeys } from '../../src/core/jsonSyntax.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-config-twice-'));
const input = join(dir, 'in.jsonl');
writeFileSync(input, '{"label":1,"features":{"x":1}}\n{"label":0,"features":{"x":0}}\n');

describe('a --config key given twice', () => {
  it('duplicateKeys names each by its path and place, whatever the nesting, strings and escapes', () => {
    const text =
      '{"model": {"family": "binomial", "penaltyFactors": {"a\\"b": 1, "a\\u0022b": 2},\n "family": "gaussian"},' +
      ' "drift": {"loss": [{"x": "}", "x": 1}]}, "model2": {"\\"": 1}}';
    expect(duplicateKeys(text)).toEqual([
      { path: 'model.penaltyFactors.a"b', line: 1, column: 64 },
      { path: 'model.family', line: 2, column: 2 },
      { path: 'drift.loss[0].x', line: 2, column: 55 },
    ]);
    expect(duplicateKeys('{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}')).toEqual([]);
  });

  it('replay refuses the file, naming every key given twice', async () => {
    const config = join(dir, 'twice.json');
    writeFileSync(
      config,
      '{\n  "model": {"family": "binomial", "lambda": 0.1, "family": "gaussian"},\n  "replay": {"batchSize": 5},\n  "replay": {"batchSize": 6}\n}\n',
    );
    const r = await runCli(['replay', '--input', input, '--out', join(dir, 'out'), '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'l1stream: invalid configuration:\n' +
        `  --config: ${config} line 2, column 50: "model.family" is given twice in one object (JSON keeps only the last): remove one of them\n` +
        `  --config: ${config} line 4, column 3: "replay" is given twice in one object (JSON keeps only the last): remove one of them\n`,
    );
  });
});

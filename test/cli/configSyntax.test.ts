import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { jsonSyntaxWhere } from '../../src/core/jsonSyntax.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-config-syntax-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('a JSON file with a syntax error: its name, line and column', () => {
  it('--config: a missing comma on line 4 is reported at line 4, column 5', async () => {
    const config = file(
      'missing-comma.json',
      '{\n  "model": {\n    "family": "gaussian"\n    "lambda": 0.1\n  }\n}\n',
    );
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${config} line 4, column 5: not valid JSON: Expected ',' or '}' after property value`,
    );
    expect(r.stderr).not.toMatch(/position/);
  });

  it('--config: a trailing comma says JSON allows none; a file that ends early points at its end', async () => {
    const trailing = file('trailing.json', '{\n  "model": { "family": "gaussian", }\n}\n');
    const r = await runCli(['replay', '--input', trailing, '--config', trailing, '--out', join(dir, 'out')]);
    expect(r.stderr).toMatch(/trailing\.json line 2, column 36: not valid JSON: .*no trailing comma/);
    const short = file('short.json', '{\n  "model":\n');
    const s = await runCli(['run', '--config', short]);
    expect(s.stderr).toMatch(/short\.json line 3, column 1: not valid JSON: unexpected end of the file/);
  });

  it('an unexpected character (no offset in the message) is found, and the text is not quoted', async () => {
    const trailing = file('array-comma.json', '{\n  "kafka": { "brokers": ["a:9092",\n    ] }\n}\n');
    const r = await runCli(['run', '--config', trailing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${trailing} line 3, column 5: not valid JSON: Unexpected token ']' (JSON allows no trailing comma`,
    );
    expect(r.stderr).not.toContain('is not valid JSON');
    const csv = file('data.csv', 'a,b,y\n1,2,0\n3,4,1\n');
    const c = await runCli(['run', '--config', csv]);
    expect(c.stderr).toContain(`${csv} line 1, column 1: not valid JSON: Unexpected token 'a'\n`);
  });

  it('fit --penalty-factors reads its file the same way', async () => {
    const csv = file('d.csv', 'y,x\n1,2\n0,3\n1,1\n');
    const pf = file('pf.json', '{\n  "x": 1,\n}\n');
    const flags = ['--target', 'y', '--lambda', '0.1', '--penalty-factors', pf];
    const r = await runCli(['fit', '--input', csv, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pf\.json line 3, column 1: not valid JSON/);
  });

  it('the line and column of an offset, counted from 1', () => {
    const text = '{\n"a": 1\n"b": 2}';
    let err: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      err = e;
    }
    expect(jsonSyntaxWhere(text, err)).toMatchObject({ line: 3, column: 1 });
  });
});

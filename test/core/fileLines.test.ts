/**
 * `fileLines`: a file's lines split at newline bytes, as `replay` reads them; a line that is not
 * UTF-8 comes with its reason instead of U+FFFD in place of its bytes (as `score` read it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { fileLines, type FileLine } from '../../src/core/fileLines.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function linesOf(bytes: Buffer): Promise<FileLine[]> {
  const file = join(dir, `f${Math.random()}`);
  writeFileSync(file, bytes);
  const out: FileLine[] = [];
  for await (const l of fileLines(file)) out.push(l);
  return out;
}

describe('fileLines', () => {
  it('splits at newline bytes, drops a CR before one, keeps a last line without one, names bytes that are not UTF-8', async () => {
    const got = await linesOf(Buffer.from('a\r\n\nb\rc\n\xff\xfeé\nlast', 'latin1'));
    expect(got).toEqual([
      { text: 'a' },
      { text: '' },
      { text: 'b\rc' },
      {
        notUtf8:
          'not valid UTF-8 at byte 0 (0xFF): text in another encoding, such as Latin-1? Write the events as UTF-8',
      },
      { text: 'last' },
    ]);
    expect(await linesOf(Buffer.alloc(0))).toEqual([]);
    expect(await linesOf(Buffer.from('x\n'))).toEqual([{ text: 'x' }]);
  });

  it('lines that span the read stream’s chunks (64 KiB), a multi-byte character cut between two, are whole', async () => {
    const long = 'é'.repeat(100_000); // 200,000 bytes: its characters straddle chunk ends
    const text = `${long}\nshort\n${'ü'.repeat(40_000)}`;
    const got = await linesOf(Buffer.from(text, 'utf8'));
    expect(got).toEqual([{ text: long }, { text: 'short' }, { text: 'ü'.repeat(40_000) }]);
  });
});

describe('score on a line that is not UTF-8', () => {
  it('names the byte, as replay does, and scores the other lines (CRLF ends too)', async () => {
    const model = join(dir, 'm.json');
    writeFileSync(model, JSON.stringify({ family: 'gaussian', intercept: 1, coefficients: { a: 2 } }));
    const input = join(dir, 'in.jsonl');
    writeFileSync(
      input,
      Buffer.concat([
        Buffer.from('{"features":{"a":1}}\r\n{"features":{"a":'),
        Buffer.from([0xff]),
        Buffer.from('}}\n{"features":{"a":3}}'),
      ]),
    );
    const r = await runCli(['score', '--model', model, '--input', input]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; prediction?: number; error?: string });
    expect(lines.map((l) => [l.line, l.prediction ?? l.error])).toEqual([
      [1, 3],
      [
        2,
        'cannot decode: not valid UTF-8 at byte 17 (0xFF): text in another encoding, such as Latin-1? Write the events as UTF-8',
      ],
      [3, 7],
    ]);
  });
});

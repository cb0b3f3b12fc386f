import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { readJsonl } from '../../connectors/file/jsonl.js';

const CHUNK = 1 << 20; // the reader's read size

async function read(bytes: Uint8Array, maxRecordBytes = 1 << 20): Promise<Array<[string, string]>> {
  const path = join(mkdtempSync(join(tmpdir(), 'l1s-text-')), 'in.jsonl');
  writeFileSync(path, bytes);
  const batches = await lastValueFrom(readJsonl(path, { maxRecordBytes }).pipe(toArray()));
  return batches.flatMap((b) =>
    b.records.map((r): [string, string] => [r.position.offset, r.value as string]),
  );
}

/** The lines as one streaming `TextDecoder` over the whole file gives them (a leading BOM dropped). */
function reference(bytes: Uint8Array): Array<[string, string]> {
  const lines = new TextDecoder('utf-8').decode(bytes).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: Array<[string, string]> = [];
  lines.forEach((text, i) => {
    const value = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (!/^[ \t\r]*$/.test(value)) out.push([String(i + 1), value]);
  });
  return out;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** A file of `n` lines of about `width` bytes, with multi-byte characters throughout. */
function text(n: number, width: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < n; i++)
    parts.push(`{"label":${i % 2},"features":{"s":"${'é€𝄞x'.repeat(width / 10)}${i}"}}`);
  return utf8(`${parts.join('\n')}\n`);
}

describe('readJsonl decodes lines whole, with the text a streaming TextDecoder gives', () => {
  it('multi-byte characters cut by every chunk boundary, a BOM, CRLF, blank lines, no final newline', async () => {
    const body = text(9000, 300); // ~2.9 MB: lines and characters straddle the 1 MiB chunks
    for (const shift of [0, 1, 2, 3]) {
      const bytes = Buffer.concat([utf8('\uFEFF'), utf8('x'.repeat(shift)), body, utf8('\r\n\n  \nend\r')]);
      expect(await read(bytes)).toEqual(reference(bytes));
    }
  });

  it('a line of invalid UTF-8 (cut, overlong, surrogate, stray bytes) is kept as its bytes, not replaced', async () => {
    const bad = [[0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0x80, 0x80], [0xf0, 0x9f, 0x98]];
    const lines: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(bad[i % bad.length]);
      lines.push(
        i % 3 === 0 ? Buffer.concat([b, utf8(`{"a":${i}}`)]) : Buffer.concat([utf8(`{"a":"${i}`), b]),
      );
      lines.push(utf8(`{"a":"\uFFFD${i}"}`)); // a replacement character in the file is text
    }
    const pad = utf8(`${'z'.repeat(CHUNK - 2)}\n`); // the first line ends right before the boundary
    const last = Buffer.from([0xe2, 0x82]);
    const bytes = Buffer.concat([pad, ...lines.flatMap((l) => [l, utf8('\n')]), last]);
    const path = join(mkdtempSync(join(tmpdir(), 'l1s-text-')), 'in.jsonl');
    writeFileSync(path, bytes);
    const batches = await lastValueFrom(readJsonl(path).pipe(toArray()));
    const values = batches.flatMap((b) => b.records.map((r) => r.value));
    expect(values).toEqual([
      pad.subarray(0, -1).toString(),
      ...lines.map((l, i) => (i % 2 === 0 ? l : l.toString())),
      last,
    ]);
  });

  it('a BOM is dropped only at the start of the text (not after a line over the size limit either)', async () => {
    const bom = '\uFEFF';
    const bytes = utf8(`${bom}{"a":1}\n${bom}{"a":2}\n`);
    expect(await read(bytes)).toEqual([
      ['1', '{"a":1}'],
      ['2', `${bom}{"a":2}`],
    ]);
    // after streaming past an oversize line (one longer than a chunk), a BOM is the next line's, as
    // after a shorter one (it was dropped there: line 3 was learned, line 4 refused)
    const long = `${'y'.repeat(CHUNK + 10)}é`;
    const after = await read(utf8(`${bom}a\n${long}\n${bom}b\n${bom}c`), 1000);
    expect(after).toEqual([
      ['1', 'a'],
      ['2', 'y'.repeat(256)],
      ['3', `${bom}b`],
      ['4', `${bom}c`],
    ]);
    const short = await read(utf8(`${bom}a\n${'y'.repeat(2000)}\n${bom}b\n`), 1000);
    expect(short[2]).toEqual(['3', `${bom}b`]);
  });

  it("lines of JSON's whitespace are skipped; lines of other spaces are records (decoding refuses them, with a reason)", async () => {
    const lines = [' \t \r', '\u00a0', '\f', '\u2028', '\u3000 ', '{"a":1}'];
    expect(await read(utf8(`${lines.join('\n')}\n`))).toEqual([
      ['2', '\u00a0'],
      ['3', '\f'],
      ['4', '\u2028'],
      ['5', '\u3000 '],
      ['6', '{"a":1}'],
    ]);
  });

  it('the start kept of an oversize line ends where the streaming decoder stopped', async () => {
    // 'é' is 2 bytes: a line over the limit in the first chunk, cut inside a character at the chunk's end
    const long = 'é'.repeat(CHUNK); // 2 MiB: the first chunk ends between two characters' bytes
    const rs = await read(utf8(`q\n${long}\nr\n`), 100);
    expect(rs).toEqual([
      ['1', 'q'],
      ['2', 'é'.repeat(256)],
      ['3', 'r'],
    ]);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { firstNonUtf8 } from '../../src/core/utf8.js';
import { runCli } from '../helpers/cli.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const line = (x: number, name = 'x') => utf8(`{"label": ${x % 2}, "features": {"${name}": ${x}}}`);
/** A line with `bytes` in a feature's name. */
const withBytes = (...bytes: number[]) =>
  Buffer.concat([utf8('{"label": 1, "features": {"'), Buffer.from(bytes), utf8('": 1}}')]);

describe('a line of a file that is not UTF-8 is dead-lettered, as a Kafka message is, not read with U+FFFD', () => {
  it('firstNonUtf8 finds the first bad byte (overlong, surrogate, cut, stray continuation)', () => {
    expect(firstNonUtf8(utf8('aé€𝄞\uFFFD'))).toBe(-1);
    expect(firstNonUtf8(Buffer.from([0x61, 0xff]))).toBe(1);
    expect(firstNonUtf8(Buffer.from([0x61, 0xc3]))).toBe(1); // cut at the end
    expect(firstNonUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0); // overlong '/'
    expect(firstNonUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a surrogate
    expect(firstNonUtf8(Buffer.from([0x61, 0x80]))).toBe(1);
    expect(firstNonUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
  });

  it('replay, both readers: the bad lines rejected with where, the others learned, a real U+FFFD a name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-not-utf8-'));
    const input = join(dir, 'events.jsonl');
    const nl = utf8('\n');
    const lines = [
      line(1),
      withBytes(0xff, 0xfe), // line 2
      line(2, '\uFFFD'), // a replacement character written as such: a name
      Buffer.concat([withBytes(0x61, 0xc3), utf8('\r')]), // line 4, CRLF
      line(3),
      withBytes(0xe9), // line 6: Latin-1 é, the last line, no final newline
    ];
    writeFileSync(input, Buffer.concat(lines.flatMap((b, i) => (i < lines.length - 1 ? [b, nl] : [b]))));
    for (const threads of ['0', '1']) {
      const out = join(dir, `out${threads}`);
      const flags = ['--family', 'binomial', '--no-refit', '--reader-threads', threads];
      const r = await runCli(['replay', '--input', input, '--out', out, ...flags]);
      expect(r.code, r.stderr).toBe(0);
      const letters = readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; reason: string; value: string });
      expect(letters.map((d) => [d.line, d.reason])).toEqual(
        [
          [2, 27, 'FF'],
          [4, 28, 'C3'],
          [6, 27, 'E9'],
        ].map(([n, at, byte]) => [
          n,
          `cannot decode: not valid UTF-8 at byte ${at} (0x${byte}): text in another encoding, such as Latin-1? Write the events as UTF-8`,
        ]),
      );
      // the value is the line's bytes (base64), without the CR of a CRLF
      expect(Buffer.from(letters[1].value, 'base64')).toEqual(withBytes(0x61, 0xc3));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
      expect(summary).toMatchObject({ records: 6, events: 3, rejected: 3 });
      expect(summary.rejectedByReason).toEqual({ 'cannot decode: not valid UTF-8': 3 });
      expect(readFileSync(join(out, 'models.jsonl'), 'utf8')).toContain('"\uFFFD"');
    }
  });

  it('fit: the same lines are skipped with the same reason (--dead-letters), not read with U+FFFD', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-not-utf8-fit-'));
    const input = join(dir, 'events.jsonl');
    const good = Array.from({ length: 8 }, (_, i) => line(i));
    writeFileSync(
      input,
      Buffer.concat([...good, withBytes(0xff), withBytes(0xfe)].flatMap((b) => [b, utf8('\n')])),
    );
    const letters = join(dir, 'dl.jsonl');
    const flags = ['--family', 'binomial', '--lambda', '0.01', '--dead-letters', letters];
    const r = await runCli(['fit', '--input', input, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const reasons = readFileSync(letters, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { line: number; reason: string }).line);
    expect(reasons).toEqual([9, 10]);
    expect(r.stderr).toContain('line 9: cannot decode: not valid UTF-8 at byte 27 (0xFF)');
    expect(JSON.parse(r.stdout)).toMatchObject({ metrics: { events: 8, rejected: 2 } });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { readJsonl } from '../../connectors/file/jsonl.js';
import { decodeEvents } from '../../src/stream/decodeEvents.js';
import type { DeadLetter, RawRecord } from '../../src/stream/types.js';

async function records(text: string, maxRecordBytes: number): Promise<RawRecord[]> {
  const path = join(mkdtempSync(join(tmpdir(), 'l1s-size-')), 'in.jsonl');
  writeFileSync(path, text);
  const batches = await lastValueFrom(readJsonl(path, { maxRecordBytes, batchSize: 3 }).pipe(toArray()));
  return batches.flatMap((b) => b.records);
}

const summary = (rs: RawRecord[]) =>
  rs.map((r) => [r.position.offset, r.bytes ?? null, (r.value as string).length]);

describe('maxRecordBytes: the JSONL reader streams past a too-long line (issue 11, item 3)', () => {
  it('counts bytes, not characters, at the limit and one past it; line numbers go on', async () => {
    // 10 bytes: fine; 11 bytes: over; 5 × é (2 bytes each) = 10: fine; 6 × é = 12 bytes in 6 characters: over
    const rs = await records('0123456789\n01234567890\néééééé\n\nééééé\nlast', 10);
    expect(summary(rs)).toEqual([
      ['1', null, 10],
      ['2', 11, 11],
      ['3', 12, 6],
      ['5', null, 5],
      ['6', null, 4],
    ]);
  });

  it('a line longer than the read chunks (1 MiB) is not held: its size is counted across chunks, its start kept', async () => {
    const long = 'y'.repeat(2.5 * (1 << 20) + 3);
    const rs = await records(`a\n${long}\r\nb\n${long}`, 1000);
    expect(summary(rs)).toEqual([
      ['1', null, 1],
      ['2', long.length + 1, 256], // with its \r
      ['3', null, 1],
      ['4', long.length, 256], // the last line, without a newline
    ]);
    expect(rs[1].value).toBe('y'.repeat(256));
  });
});

describe('maxRecordBytes in decodeEvents: every source (Kafka too)', () => {
  it('dead-letters strings, bytes and reader-measured records over the limit, before decoding', async () => {
    const ok = JSON.stringify({ label: 1, features: { a: 1 } }); // 30 bytes
    const wide = JSON.stringify({ label: 1, features: { a: 'é'.repeat(15) } }); // 46 characters, 61 bytes (28 + 15 × 2 + 3)
    const at = (offset: number) => ({ source: 's', partition: 0, offset: String(offset) });
    const letters: DeadLetter[] = [];
    const [batch] = await lastValueFrom(
      from([
        {
          records: [
            { value: ok, position: at(0) },
            { value: wide, position: at(1) },
            { value: new TextEncoder().encode(wide), position: at(2) },
            { value: '{"label":', bytes: 5000, position: at(3) },
            { value: new TextEncoder().encode(ok), position: at(4) },
          ],
        },
      ]).pipe(
        decodeEvents({
          family: 'gaussian',
          deadLetters: { deadLetter: (l) => letters.push(l) },
          maxRecordBytes: 50,
        }),
        toArray(),
      ),
    );
    expect(batch.events).toHaveLength(2);
    expect(batch.rejected).toBe(3);
    expect(letters.map((l) => [l.position.offset, l.stage, l.reason])).toEqual(
      [
        ['1', 61],
        ['2', 61],
        ['3', 5000],
      ].map(([o, n]) => [
        o,
        'decode',
        `record is ${n} bytes, over the limit of 50 bytes: raise limits.maxRecordBytes in the configuration (replay, fit, path, score: --max-record-bytes)`,
      ]),
    );
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { readJsonl } from '../../connectors/file/jsonl.js';
import type { RawBatch } from '../../src/index.js';

/**
 * Where a file source's batches end: at line numbers (batch k holds lines ((k−1)·B, k·B]) for a
 * file, whatever its bytes and where a resumed run began; also once a batch holds 8 Mi characters
 * (memory); and, for a pipe, at each chunk read, so that its lines are learned as they come.
 */
describe('file batches', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-batches-'));
  const lines = (batches: RawBatch[]) => batches.map((b) => b.records.map((r) => Number(r.position.offset)));

  it('end at multiples of batchSize lines, resumed or not, with blank lines', async () => {
    const file = join(dir, 'ten.jsonl');
    writeFileSync(
      file,
      Array.from({ length: 10 }, (_, i) => (i === 3 ? '' : `{"n":${i}}`)).join('\n') + '\n',
    );
    const whole = await lastValueFrom(readJsonl(file, { batchSize: 4 }).pipe(toArray()));
    expect(lines(whole)).toEqual([
      [1, 2, 3],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    const resumed = await lastValueFrom(readJsonl(file, { batchSize: 4, skipLines: 6 }).pipe(toArray()));
    expect(lines(resumed)).toEqual([
      [7, 8],
      [9, 10],
    ]);
  });

  it('end once their lines hold 8 Mi characters', async () => {
    const file = join(dir, 'long.jsonl');
    // lines of half a MiB (under --max-record-bytes): 16 of them pass 8 Mi characters
    const pad = 'x'.repeat(1 << 19);
    writeFileSync(file, Array.from({ length: 20 }, (_, i) => `{"n":${i},"pad":"${pad}"}`).join('\n') + '\n');
    const batches = await lastValueFrom(readJsonl(file).pipe(toArray()));
    expect(batches.map((b) => b.records.length)).toEqual([16, 4]);
  });

  it('a pipe: each chunk read is a batch, before the writer is done', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // a writer in another process: three lines 300 ms apart
    const writer = spawn('sh', ['-c', `for i in 1 2 3; do echo "{\\"n\\":$i}"; sleep 0.3; done > ${fifo}`]);
    // listened for now: the writer may be gone by the time the reader sees the end of the pipe
    const writerClosed = new Promise((r) => writer.on('close', r));
    const started = Date.now();
    const arrivals: number[] = [];
    const batches = await lastValueFrom(
      readJsonl(fifo, { batchSize: 1024 }).pipe(
        tap(() => arrivals.push(Date.now() - started)),
        toArray(),
      ),
    );
    await writerClosed;
    expect(batches.flatMap((b) => b.records.map((r) => Number(r.position.offset)))).toEqual([1, 2, 3]);
    // not one batch at the end (a file's 3 lines would be one): the first came before the last write
    expect(batches.length).toBeGreaterThan(1);
    expect(arrivals[0]!).toBeLessThan(arrivals[arrivals.length - 1]!);
  });
});

/**
 * A file source with checkpoints (`commit`: `replay --state`) reads at most a few batches ahead of
 * the engine. The engine publishes such batches one after the other, waiting for each one's outputs
 * (and checkpoints) to be written, and releases each when done; the source emitted a batch per
 * event-loop turn regardless, so batches queued without bound, each holding the models it touched
 * (a keyed replay with --state grew past 3 GB). JSON lines, CSV, and the reader thread.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tap } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { CsvRowDecoder, csvSource, jsonlSource, readCsvHeader } from '../../connectors/file/index.js';
import { Engine, checkEngineConfig, type EventSource, type RawRecord } from '../../src/index.js';
import { MapStore, keepingSink } from './helpers.js';

const BATCH = 100;
const LINES = 3000;

/** The most lines a source had emitted and the engine not yet released, over a run. */
async function mostAhead(
  source: EventSource,
  decoder?: CsvRowDecoder,
  flushMs = 5,
): Promise<{ ahead: number; learned: number }> {
  let sent = 0;
  let done = 0;
  let ahead = 0;
  const last = (records: readonly RawRecord[]) => Math.max(...records.map((r) => Number(r.position.offset)));
  const watched: EventSource = {
    ...source,
    batches$: source.batches$.pipe(
      tap((b) => {
        sent = Math.max(sent, last(b.records));
        ahead = Math.max(ahead, sent - done);
      }),
    ),
    release: (records) => {
      done = Math.max(done, last(records));
      source.release?.(records);
    },
  };
  const config = checkEngineConfig({
    model: { family: 'binomial', keyBy: 'shop' },
    refit: { enabled: false },
    drift: { enabled: false },
    state: { everyEvents: 500, everySeconds: null },
  });
  const stats = await new Engine(
    config,
    {
      source: watched,
      // a slow disk: each flush of outputs takes 5 ms, while a batch is learned in far less
      sink: keepingSink({
        flush: () =>
          flushMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, flushMs)) : Promise.resolve(),
      }),
      store: new MapStore(),
    },
    decoder !== undefined ? { decoder } : {},
  ).run();
  return { ahead, learned: stats.learned };
}

describe('a file source with checkpoints reads a bounded number of lines ahead', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-inflight-'));
  const events = Array.from({ length: LINES }, (_, i) => ({
    shop: `k${i % 50}`,
    x: i % 7,
    label: i % 3 === 0 ? 1 : 0,
  }));
  const jsonl = join(dir, 'events.jsonl');
  writeFileSync(
    jsonl,
    `${events.map((e) => JSON.stringify({ label: e.label, features: { shop: e.shop, x: e.x } })).join('\n')}\n`,
  );
  const csv = join(dir, 'events.csv');
  writeFileSync(csv, `shop,x,label\n${events.map((e) => `${e.shop},${e.x},${e.label}`).join('\n')}\n`);
  const commit = () => undefined;

  it('JSON lines: at most 4 batches out, and every event learned', async () => {
    const { ahead, learned } = await mostAhead(jsonlSource(jsonl, { batchSize: BATCH, commit }));
    expect(learned).toBe(LINES);
    expect(ahead).toBeGreaterThanOrEqual(BATCH);
    expect(ahead).toBeLessThanOrEqual(5 * BATCH);
  });

  it('CSV: the same', async () => {
    const head = await readCsvHeader(csv);
    const decoder = new CsvRowDecoder(head.columns, 'label', csv, 'shop');
    const { ahead, learned } = await mostAhead(csvSource(csv, head, { batchSize: BATCH, commit }), decoder);
    expect(learned).toBe(LINES);
    expect(ahead).toBeLessThanOrEqual(5 * BATCH + 1);
  });

  it('CSV: a quoted cell over many more lines than the bound is read to its end', async () => {
    // 40 lines in one cell, batches of 2 lines: 8 lines may be out; the row's lines make no batch
    const notes = join(dir, 'notes.csv');
    const cell = Array.from({ length: 40 }, (_, i) => `note ${i}`).join('\n');
    const rows = events
      .slice(0, 30)
      .map((e, i) => `${e.shop},${e.x},${e.label},${i === 10 ? `"${cell}"` : 'n'}`);
    writeFileSync(notes, `shop,x,label,note\n${rows.join('\n')}\n`);
    const head = await readCsvHeader(notes);
    const decoder = new CsvRowDecoder(head.columns, 'label', notes, 'shop');
    // (outputs written at once: the engine releases each batch before the next is read, so the
    // bound holds from the first batch on, and the cell's lines meet it)
    const { learned } = await mostAhead(csvSource(notes, head, { batchSize: 2, commit }), decoder, 0);
    expect(learned).toBe(30);
  });

  it('the reader thread: the same, and the 4 batches the thread may read ahead', async () => {
    const source = jsonlSource(jsonl, { batchSize: BATCH, commit, readerThreads: 1, family: 'binomial' });
    const { ahead, learned } = await mostAhead(source);
    expect(learned).toBe(LINES);
    expect(ahead).toBeLessThanOrEqual(9 * BATCH);
  });

  it('without checkpoints (no commit) the source does not wait for releases that never come', async () => {
    const source = jsonlSource(jsonl, { batchSize: BATCH });
    expect(source.release).toBeUndefined();
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { readJsonl } from '../../connectors/file/jsonl.js';
import { readJsonlThreaded } from '../../connectors/file/jsonlThreaded.js';
import type { RawBatch } from '../../src/stream/types.js';

/** 3,000 short events: one chunk of the file, 60 batches of 50. */
function input(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'l1s-turns-')), 'in.jsonl');
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ label: i % 2, features: { x: i } }));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * For each batch but the last: whether a macrotask scheduled while it was handled (as a refit
 * worker's result or a timer is) ran before the next batch came.
 */
async function turnBetweenBatches(batches$: Observable<RawBatch>): Promise<boolean[]> {
  const order: string[] = [];
  let n = 0;
  await new Promise<void>((resolve, reject) =>
    batches$.subscribe({
      next: () => {
        const i = n++;
        order.push(`batch ${i}`);
        setImmediate(() => order.push(`turn ${i}`));
      },
      error: reject,
      complete: resolve,
    }),
  );
  expect(n).toBe(60);
  return Array.from(
    { length: n - 1 },
    (_, i) => order.indexOf(`turn ${i}`) >= 0 && order.indexOf(`turn ${i}`) < order.indexOf(`batch ${i + 1}`),
  );
}

describe('file sources give the event loop a turn between batches', () => {
  it('readJsonl: one batch per turn, not a whole chunk of the file at once', async () => {
    const turns = await turnBetweenBatches(readJsonl(input(), { batchSize: 50 }));
    expect(turns.every(Boolean)).toBe(true);
  });

  it('readJsonlThreaded (a reader thread): one batch per turn', async () => {
    const turns = await turnBetweenBatches(readJsonlThreaded(input(), { batchSize: 50, family: 'binomial' }));
    expect(turns.every(Boolean)).toBe(true);
  });
});

import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { checkEngineConfig } from '../../src/engine/config.js';
import { Engine } from '../../src/engine/engine.js';
import { MemorySink } from './memoryPorts.js';

/** The reject-share warnings an engine logs over `records` in one raw batch, learned in parts of `partSize`. */
async function rejectWarnings(records: readonly string[], partSize?: number): Promise<number[]> {
  return (await rejectCounts(records, partSize, 1)).shares;
}

/** The warnings over `batches` raw batches of `records` each, and the high windows the engine counted. */
async function rejectCounts(
  records: readonly string[],
  partSize: number | undefined,
  batches: number,
): Promise<{ shares: number[]; highWindows: number }> {
  const shares: number[] = [];
  const logger = {
    info: () => undefined,
    warn: (fields: object) => {
      const share = (fields as { rejectShare?: number }).rejectShare;
      if (share !== undefined) shares.push(share);
    },
    error: () => undefined,
  };
  const all = Array.from({ length: batches }, (_, b) => ({
    records: records.map((value, i) => ({
      value,
      position: { source: 'm', offset: String(b * records.length + i) },
    })),
  }));
  const config = checkEngineConfig({ model: { family: 'gaussian' } });
  const stats = await new Engine(
    config,
    { source: { batches$: of(...all) }, sink: new MemorySink() },
    { logger, ...(partSize !== undefined ? { partSize } : {}) },
  ).run();
  return { shares, highWindows: stats.highRejectWindows };
}

describe('the reject-share warning', () => {
  const bad = Array.from({ length: 3000 }, (_, i) => `not json ${i}`);
  const mixed = Array.from({ length: 3000 }, (_, i) =>
    i % 4 === 0 ? `not json ${i}` : JSON.stringify({ label: i % 7, features: { x: i % 5 } }),
  );

  it('says 100 % when every record is rejected, whether a batch is learned whole or in parts', async () => {
    expect(await rejectWarnings(bad)).toEqual([1]);
    expect(await rejectWarnings(bad, 512)).toEqual([1]);
  });

  it('warns once a minute at most, and counts every high window', async () => {
    // three batches of 3,000 rejected records within a second: three high windows, one warning
    expect(await rejectCounts(bad, undefined, 3)).toEqual({ shares: [1], highWindows: 3 });
    const fine = mixed.map((l, i) => (i % 4 === 0 ? '{"label":1,"features":{"x":1}}' : l));
    expect(await rejectCounts(fine, undefined, 2)).toEqual({ shares: [], highWindows: 0 });
  });

  it('gives the batch share (a quarter) when it is learned in parts', async () => {
    expect(await rejectWarnings(mixed)).toEqual([0.25]);
    expect(await rejectWarnings(mixed, 100)).toEqual([0.25]);
  });
});

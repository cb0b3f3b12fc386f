import { describe, expect, it } from 'vitest';

import { NameTable } from '../../bench/drift/sparseStreams.js';
import { Mulberry32 } from '../../bench/drift/streams.js';
import { DriftMonitor } from '../../src/drift/index.js';
import type { Alert } from '../../src/model/snapshot.js';
import { feed, fixedClock } from './helpers.js';

/**
 * A stationary stream of 60,000 events (a, b, one level of c) where `early` (at `rate`) is in the
 * first 5,000 events only; the input tests start at event 2,000 (`warmupEvents`).
 */
function alerts(rate: number, inputSequential: Record<string, number>): Alert[] {
  const table = new NameTable();
  const rng = new Mulberry32(3);
  function* events() {
    for (let i = 0; i < 60_000; i++) {
      const features = [table.id('a'), table.id('b'), table.id(`c=${rng.next() < 0.5 ? 'x' : 'y'}`)];
      if (i < 5000 && rng.next() < rate) features.push(table.id('early'));
      yield { label: 0, loss: 0, features };
    }
  }
  const monitor = new DriftMonitor({
    clock: fixedClock,
    config: { loss: { enabled: false }, inputSequential: { warmupEvents: 2000, ...inputSequential } },
  });
  return feed(events(), 1000, (b) => monitor.onBatch(b), table.nameOf);
}

describe('a feature only in the first events of a stationary stream', () => {
  it('stopping before it is armed (armEvents 10,000), its fall in non-zeros is info, not a warning', () => {
    for (const rate of [1, 0.5]) {
      const found = alerts(rate, {});
      expect(found).toHaveLength(1);
      expect(found[0]!.severity).toBe('info');
      expect(found[0]!.message).toMatch(/non-zeros per event .* \(early\)/);
      const nnz = found[0]!.details.nnz as {
        referenceMean: number;
        recentMean: number;
        fields: Array<{ feature: string }>;
      };
      expect(nnz.recentMean).toBeLessThan(nnz.referenceMean * 0.9);
      expect(nnz.fields.map((f) => f.feature)).toEqual(['early']);
    }
  });

  it('stopping once armed: one stop alert, not also the fall in non-zeros it accounts for', () => {
    const found = alerts(1, { armEvents: 2000 });
    expect(found.map((a) => [a.severity, a.message])).toEqual([
      ['critical', 'input drift: stopped arriving: early'],
    ]);
  });
});

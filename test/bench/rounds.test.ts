import { describe, expect, it } from 'vitest';

import { speedRatio, type Measurement } from '../../bench/online/cases.js';
import { alternate, median, medianRatio } from '../../bench/rounds.js';

describe('alternating rounds (bench/rounds.ts)', () => {
  it('runs every contender once per round, in turn', async () => {
    const order: string[] = [];
    const out = await alternate(3, [
      ['l1stream', () => (order.push('l1stream'), 1)],
      ['peer', async () => (order.push('peer'), 2)],
    ]);
    expect(order).toEqual(['l1stream', 'peer', 'l1stream', 'peer', 'l1stream', 'peer']);
    expect(out.get('l1stream')).toEqual([1, 1, 1]);
    expect(out.get('peer')).toEqual([2, 2, 2]);
  });

  it('takes ratios within a round, then their median', () => {
    // load that comes and goes: per-round ratios 2, 0.2 and 20, median 2; medians alone give 4 / 1.5
    const peer = [2, 4, 30];
    const mine = [1, 20, 1.5];
    expect(medianRatio(peer, mine)).toBe(2);
    expect(median(peer) / median(mine)).not.toBe(2);
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('speedRatio (bench/online)', () => {
  const m = (events: number, seconds: number[]): Measurement => ({
    system: 'l1stream',
    input: 'x',
    learner: 'ftrl',
    settings: '',
    seconds,
    events,
    totalNnz: events,
    progressiveLogLoss: 0,
    nonZero: null,
    maxRssMb: null,
  });

  it('compares events per second, also when the two ran different numbers of events', () => {
    // 200,000 events in 10 s (20k/s) against 1,000,000 in 2.5 s (median; 400k/s): 0.05×, not 0.25×
    expect(speedRatio(m(200_000, [10]), m(1_000_000, [2, 2.5, 3]))).toBeCloseTo(0.05, 10);
    expect(speedRatio(m(200_000, [10]), m(1_000_000, [2]))).toBeCloseTo(0.04, 10);
  });

  it('uses the median of per-round ratios for contenders of the same rounds', () => {
    expect(speedRatio(m(100, [1, 10, 1]), m(100, [2, 20, 3]))).toBe(2);
  });
});

/**
 * Loss and label-rate alerts found by an analyst's trial: one change of the label rate (0.45 to 0.50)
 * raised three alerts, the last 24,000 events after it (a test whose sibling had found the change
 * kept its old baseline and found it again); the level reported after a change was a 64-event moving
 * average ("rose to 0.6603" where the rate was 0.5), so severities followed noise; and one event's
 * log loss of 36 raised a `critical` loss-drift alert on its own.
 */
import { describe, expect, it } from 'vitest';

import { Mulberry32 } from '../../bench/drift/streams.js';
import { Adwin, DriftMonitor, PageHinkley } from '../../src/drift/index.js';
import type { Alert } from '../../src/model/snapshot.js';
import { feed, fixedClock, type SyntheticEvent } from './helpers.js';

/**
 * Labels with rate `before`, then `after` from event `at`; losses uniform on [0.4, 0.8], drawn
 * apart from the labels (so that only the label rate changes).
 */
function rateChange(seed: number, n: number, at: number, before: number, after: number): SyntheticEvent[] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = rng.next() < (i < at ? before : after) ? 1 : 0;
    return { label, loss: 0.4 + 0.4 * rng.next(), features: [] };
  });
}

const lossAlerts = (alerts: Alert[]) => alerts.filter((a) => a.type === 'loss-drift');

describe('loss and label-rate drift: one change, one alert, its size from the values after it', () => {
  it.each([1, 2, 3])('a label rate from 0.45 to 0.50 (seed %i): one alert, reporting about 0.50', (seed) => {
    const events = rateChange(seed, 100_000, 50_000, 0.45, 0.5);
    const run = (size: number) => {
      const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
      return lossAlerts(feed(events, size, (b) => monitor.onBatch(b)));
    };
    const alerts = run(1024);
    expect(alerts.length).toBe(1);
    const [alert] = alerts;
    expect(alert.offset).toBeGreaterThan(50_000);
    expect(alert.details.signal).toBe('label-rate');
    expect(alert.message).toMatch(/^label rate rose from /);
    // the level since the change (the true 0.50 within the noise of a few thousand events)
    expect(Math.abs((alert.details.recentMean as number) - 0.5)).toBeLessThan(0.02);
    expect(alert.severity).not.toBe('critical');
    // the same alert whatever the batching (a test restarted by its sibling's detection mid-batch)
    expect(run(1)).toEqual(alerts);
  });

  it('one event with a log loss of 36 raises no loss-drift alert; a lasting rise still does, at once', () => {
    const events = rateChange(4, 30_000, Infinity, 0.3, 0.3);
    const spike = events.map((e, i) => (i === 15_000 ? { ...e, loss: 36 } : e));
    const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
    expect(lossAlerts(feed(spike, 1000, (b) => monitor.onBatch(b)))).toEqual([]);
    // the loss doubled from event 15,000 on: critical, within a few hundred events
    const rise = events.map((e, i) => (i >= 15_000 ? { ...e, loss: 2 * e.loss } : e));
    const again = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
    const found = lossAlerts(feed(rise, 1000, (b) => again.onBatch(b)));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].offset).toBeGreaterThan(15_000);
    expect(found[0].offset).toBeLessThan(15_500);
    expect(found[0].severity, JSON.stringify(found[0])).toBe('critical');
  });
});

describe('the mean since the change the tests point to', () => {
  it('Page-Hinkley: the mean of the values after the extreme of its cumulative sum', () => {
    const ph = new PageHinkley({ threshold: 20, delta: 0.05, alpha: 1 });
    const values = [...Array<number>(500).fill(0), ...Array<number>(200).fill(1)];
    let at = -1;
    for (let i = 0; i < values.length && at < 0; i++) {
      ph.update(values[i]);
      if (ph.driftDetected) at = i;
    }
    expect(at).toBeGreaterThan(500);
    expect(ph.meanSinceChange).toBe(1);
    expect(ph.countSinceChange).toBe(at - 499);
  });

  it('ADWIN: the newer part of its window at its most significant split', () => {
    const adwin = new Adwin({ delta: 0.002 });
    const rng = new Mulberry32(9);
    let found = false;
    for (let i = 0; i < 20_000 && !found; i++) {
      adwin.update((i < 10_000 ? 0.2 : 0.6) + 0.1 * (rng.next() - 0.5));
      found = adwin.driftDetected && i >= 10_000;
    }
    expect(found).toBe(true);
    expect(adwin.meanSinceChange()).toBeCloseTo(0.6, 1);
    expect(adwin.countSinceChange).toBeGreaterThan(0);
    expect(adwin.countSinceChange).toBeLessThan(adwin.width);
  });
});

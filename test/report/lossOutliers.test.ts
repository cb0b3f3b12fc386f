/**
 * The loss panel is not flattened by the first events' loss: a gaussian run whose label is in cents
 * (about 5,000) had a first 250 events' MSE of 157,217 and about 8,000 after, and an axis up to
 * 160,000 drew the whole run as a flat line at the bottom. The axis now reaches the largest loss
 * after a short warm-up; the warm-up's values above it are cut off the lines (which are drawn where
 * they are, at their true values) and marked on the top edge, with their true values in tooltips.
 */
import { describe, expect, it } from 'vitest';

import { intervalLosses, keyChartSvg, lossScale } from '../../src/report/charts.js';
import type { KeyReport, SnapshotPoint } from '../../src/report/collect.js';

/** Online snapshots every `every` events whose interval losses are `losses` (running means from them). */
function points(losses: readonly number[], every: number): SnapshotPoint[] {
  let sum = 0;
  return losses.map((l, i) => {
    sum += l * every;
    const offset = (i + 1) * every;
    return {
      offset,
      source: 'online',
      version: i + 1,
      support: 1,
      loss: sum / offset,
      lossEvents: offset,
      auc: null,
      coefficients: Float64Array.of(0.5),
      window: null,
    };
  });
}

const key = (pts: SnapshotPoint[], family: 'gaussian' | 'binomial' = 'gaussian'): KeyReport => ({
  key: 'k',
  family,
  lambda: null,
  events: pts[pts.length - 1]!.offset,
  onlineSnapshots: pts.length,
  refitSnapshots: 0,
  features: ['x'],
  maxAbs: [0.5],
  featuresSeen: 1,
  points: pts,
  alerts: [],
  alertsTotal: 0,
});

const num = (s: string) => Number(s.replace(/,/g, ''));

/** The loss panel as drawn: its frame, the value → pixel map its tick labels give, its lines' points. */
function lossPanel(svg: string) {
  const panel = svg.slice(svg.indexOf('progressive '), svg.indexOf('>alerts'));
  const frame = /<rect x="80" y="([\d.]+)" width="640" height="([\d.]+)" fill="none"/.exec(panel)!;
  const top = Number(frame[1]);
  const bottom = top + Number(frame[2]);
  const ticks = [
    ...panel.matchAll(
      /<text x="74" y="([\d.]+)" text-anchor="end" dominant-baseline="middle">([^<]*)<\/text>/g,
    ),
  ].map((m) => ({ y: Number(m[1]), v: num(m[2]!) }));
  const [a, b] = [ticks[0]!, ticks[ticks.length - 1]!];
  const slope = (b.y - a.y) / (b.v - a.v);
  const valueAt = (y: number) => a.v + (y - a.y) / slope;
  const yOf = (v: number) => a.y + (v - a.v) * slope;
  const line = (color: string) =>
    [...panel.matchAll(new RegExp(`<polyline fill="none" stroke="${color}"[^>]* points="([^"]*)"`, 'g'))].map(
      (m) => m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]),
    );
  const above = [
    ...panel.matchAll(/<g class="loss-above" data-value="([^"]*)"><title>([^<]*)<\/title>/g),
  ].map((m) => ({ value: Number(m[1]), title: m[2]! }));
  return { panel, top, bottom, ticks, valueAt, yOf, steps: line('#ff7f0e'), running: line('#1f77b4'), above };
}

// 80 snapshots every 250 events: the first interval's MSE 157,217, then about 8,000 (6,500 to 9,500)
const cents = [157_217, ...Array.from({ length: 79 }, (_, i) => 8000 + 1500 * Math.sin(i))];

describe('loss panel with an early outlier', () => {
  it('scales to the loss after the warm-up; the lines are drawn at their true values', () => {
    const svg = keyChartSvg(key(points(cents, 250)));
    const p = lossPanel(svg);
    // the axis' top is the largest later loss, of the intervals after the first and of the running
    // means of the last three quarters (padded), not 157,217
    const later = Math.max(
      ...cents.slice(1),
      ...points(cents, 250)
        .filter((q) => q.offset >= 5000)
        .map((q) => q.loss!),
    );
    expect(later).toBeLessThan(16_000);
    expect(p.valueAt(p.top)).toBeGreaterThanOrEqual(later);
    expect(p.valueAt(p.top)).toBeLessThan(1.1 * later);
    expect(p.ticks.length).toBeGreaterThanOrEqual(3);
    // every later interval's step is drawn at its value; nothing is drawn above the frame
    const drawn = p.steps.flat();
    for (const s of intervalLosses(points(cents, 250)).slice(1)) {
      const x = 80 + (s.to / 20_000) * 640;
      expect(drawn.some(([px, py]) => Math.abs(px - x) < 0.06 && Math.abs(py - p.yOf(s.loss)) < 0.25)).toBe(
        true,
      );
    }
    for (const [, py] of [...drawn, ...p.running.flat()]) expect(py).toBeGreaterThanOrEqual(p.top - 0.05);
    // where the running mean comes into the axis, it is on its true line (the crossing at the top)
    const firstIn = p.running[0]![0]!;
    expect(Math.abs(firstIn[1] - p.top)).toBeLessThan(0.1);
  });

  it('marks what is above the axis, with the true values', () => {
    const svg = keyChartSvg(key(points(cents, 250)));
    const p = lossPanel(svg);
    // the first interval (orange) and the running means it raises (blue): one mark per stretch
    expect(p.above).toHaveLength(2);
    expect(p.above.map((a) => a.value)).toEqual([157_217, 157_217]);
    expect(p.above[0]!.title).toBe(
      'mean MSE since the last snapshot above the axis over events 0 to 250: up to 157,217 (at event 125)',
    );
    expect(p.above[1]!.title).toMatch(
      /^running mean MSE above the axis from event 250 to [\d,]+: up to 157,217 \(at event 250\)$/,
    );
    const scale = lossScale(
      points(cents, 250).map((q) => ({ offset: q.offset, loss: q.loss! })),
      intervalLosses(points(cents, 250)),
      20_000,
    );
    const runningAbove = points(cents, 250).filter((q) => q.loss! > scale.top).length;
    expect(scale.above).toBe(1 + runningAbove);
    expect(p.panel).toContain(`${scale.above} values above the axis, up to 157,217:`);
    expect(p.panel).toContain('the loss of events 0 to 250, and the');
  });

  it('a binomial run whose first events are confident misses: the log loss after them is readable', () => {
    // snapshots every 20 events of 4,000: log loss 4.6 over the first 20 events, 2.1 over the next, then ~0.45
    const losses = [4.6, 2.1, ...Array.from({ length: 198 }, (_, i) => 0.45 + 0.05 * Math.cos(i / 3))];
    const p = lossPanel(keyChartSvg(key(points(losses, 20), 'binomial')));
    expect(p.valueAt(p.top)).toBeLessThan(0.6);
    expect(p.valueAt(p.top)).toBeGreaterThanOrEqual(0.5);
    expect(p.above.length).toBeGreaterThanOrEqual(1);
    expect(p.above.map((a) => a.value)).toContain(4.6);
  });

  it('a loss that rises after the warm-up (drift) is never cut off', () => {
    const drift = [...cents];
    for (let i = 60; i < 64; i++) drift[i] = 60_000;
    const p = lossPanel(keyChartSvg(key(points(drift, 250))));
    expect(p.valueAt(p.top)).toBeGreaterThanOrEqual(60_000);
    expect(p.steps.flat().some(([, py]) => Math.abs(py - p.yOf(60_000)) < 0.25)).toBe(true);
    // the warm-up's 157,217 is still above it
    expect(p.above.map((a) => a.value)).toContain(157_217);
  });

  it('a run without such outliers keeps every value in range, with no marks', () => {
    const calm = [9000, 8600, ...cents.slice(1)];
    const svg = keyChartSvg(key(points(calm, 250)));
    const p = lossPanel(svg);
    expect(p.above).toEqual([]);
    expect(p.panel).not.toContain('above the axis');
    expect(p.valueAt(p.top)).toBeGreaterThanOrEqual(9500);
    const running = points(calm, 250).map((q) => ({ offset: q.offset, loss: q.loss! }));
    expect(lossScale(running, intervalLosses(points(calm, 250)), 20_000).top).toBe(Infinity);
  });
});

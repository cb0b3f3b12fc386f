/**
 * A run with about 60 alerts, most of them info (support-drift and sign-flip of the online model on
 * a stream whose coefficients wander): each alert was a 12 px triangle and a dashed line through
 * every panel, so 59 lines hid the coefficients and the few critical and warning alerts among the
 * info ones. Info alerts are now small triangles in the strip only, counted per stretch of the
 * axis; critical and warning alerts keep their triangles and lines; none is hidden.
 */
import { describe, expect, it } from 'vitest';

import { INFO_BUCKET, keyChartSvg } from '../../src/report/charts.js';
import type { AlertMark } from '../../src/report/collect.js';
import { alertMark, keyWithAlerts } from '../helpers/alertStrip.js';

const alert = (offset: number, type: string, severity: string): AlertMark =>
  alertMark(offset, type, severity, ['f01']);

// 60,000 events: 2 critical, 5 warning, and 53 info alerts (every 1,000 events or so, some in pairs)
const info = Array.from({ length: 53 }, (_, i) =>
  alert(2000 + Math.round(i * 1070 + (i % 3) * 37), i % 2 ? 'sign-flip' : 'support-drift', 'info'),
);
const severe = [
  alert(9000, 'loss-drift', 'warning'),
  alert(24_500, 'loss-drift', 'warning'),
  alert(38_100, 'loss-drift', 'critical'),
  alert(42_000, 'input-drift', 'critical'),
  alert(48_600, 'loss-drift', 'warning'),
  alert(55_000, 'sign-flip', 'warning'),
  alert(60_000, 'sign-flip', 'warning'),
];
const alerts = [...info, ...severe].sort((a, b) => a.offset - b.offset);

const key = keyWithAlerts(alerts, 'binomial', 0.5);
const xOf = (offset: number) => 80 + (offset / 60_000) * 640;

describe('alert strip with many info alerts', () => {
  const svg = keyChartSvg(key);
  const markers = [
    ...svg.matchAll(
      /<g class="alert-marker" data-severity="([^"]*)"><title>([^<]*)<\/title><path d="([^"]*)"/g,
    ),
  ].map((m) => ({
    severity: m[1]!,
    title: m[2]!,
    x: Number(/^M([\d.]+) /.exec(m[3]!)![1]),
    width: Number(/h-([\d.]+)z$/.exec(m[3]!)![1]),
  }));

  it('draws lines through the panels for the critical and warning alerts only', () => {
    const lines = [...svg.matchAll(/<line class="alert-line" x1="([\d.]+)"[^>]* stroke="([^"]*)"/g)];
    expect(lines.map((m) => Number(m[1]))).toEqual(
      severe.map((a) => Number(xOf(a.offset).toFixed(1))).sort((a, b) => a - b),
    );
    expect(lines.map((m) => m[2])).not.toContain('#78909c');
  });

  it('still marks every alert at its event, in event order; info ones smaller', () => {
    expect(markers).toHaveLength(60);
    markers.forEach((m, i) => {
      expect(m.severity).toBe(alerts[i]!.severity);
      expect(Math.abs(m.x - xOf(alerts[i]!.offset))).toBeLessThan(0.06);
      expect(m.title).toMatch(new RegExp(`^${alerts[i]!.type} \\(${alerts[i]!.severity}\\) at event `));
    });
    const width = (s: string) => new Set(markers.filter((m) => m.severity === s).map((m) => m.width));
    expect(width('critical')).toEqual(new Set([12]));
    expect(width('warning')).toEqual(new Set([12]));
    for (const w of width('info')) expect(w).toBeLessThanOrEqual(8);
  });

  it('counts the info alerts per stretch of the axis: every one counted, no two counts overlapping', () => {
    const infoY = Math.max(
      ...[...svg.matchAll(/<text class="alert-count" x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1])),
    );
    const counts = [
      ...svg.matchAll(/<text class="alert-count" x="([\d.]+)" y="([\d.]+)"[^>]*>×(\d+)<\/text>/g),
    ].filter((m) => Number(m[2]) === infoY);
    const xs = counts.map((m) => Number(m[1]));
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(INFO_BUCKET - 0.1);
    // the info alerts each count belongs to, and those alone in their stretch
    const bucket = (x: number) => Math.floor((x - 80) / INFO_BUCKET);
    const perBucket = new Map<number, number>();
    for (const a of info)
      perBucket.set(bucket(xOf(a.offset)), (perBucket.get(bucket(xOf(a.offset))) ?? 0) + 1);
    const counted = new Map(counts.map((m) => [bucket(Number(m[1])), Number(m[3])]));
    for (const [b, n] of perBucket) expect(counted.get(b) ?? 1).toBe(n);
    expect([...perBucket.values()].reduce((a, b) => a + b, 0)).toBe(53);
    // a tooltip names the other alerts of its stretch
    const pair = [...perBucket].find(([, n]) => n === 2)![0];
    const [first, second] = info.filter((a) => bucket(xOf(a.offset)) === pair);
    const tip = markers[alerts.indexOf(first!)]!.title;
    expect(tip).toContain(
      `1 more alert(s) drawn here:\n${second!.type} (info) at event ${second!.offset.toLocaleString('en-US')}`,
    );
  });

  it('says how many of each severity the strip holds', () => {
    expect(svg).toContain(
      '>alerts (2 critical, 5 warning, 53 info): hover a triangle for what it says</text>',
    );
  });
});

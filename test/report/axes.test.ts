/**
 * The report's axes as a reader sees them: every panel has enough tick labels to read a value off
 * (a log-loss panel of 0.546–0.575 had one label, "0.56"), and the event axis of a short run has
 * no two labels that read the same (3 events were labelled "0 1 1 2 2 3 3").
 */
import { describe, expect, it } from 'vitest';

import { niceTicks } from '../../src/plot/svg.js';
import { keyChartSvg } from '../../src/report/charts.js';
import type { KeyReport, SnapshotPoint } from '../../src/report/collect.js';

const point = (offset: number, loss: number, coefficient: number): SnapshotPoint => ({
  offset,
  source: 'online',
  version: 1,
  support: coefficient === 0 ? 0 : 1,
  loss,
  lossEvents: offset,
  auc: null,
  coefficients: Float64Array.of(coefficient),
  window: null,
});

const key = (points: SnapshotPoint[]): KeyReport => ({
  key: 'k',
  family: 'binomial',
  lambda: null,
  events: points[points.length - 1]!.offset,
  onlineSnapshots: points.length,
  refitSnapshots: 0,
  features: ['x'],
  maxAbs: [1],
  featuresSeen: 1,
  points,
  alerts: [],
  alertsTotal: 0,
});

/** The tick labels of each panel's axes: y labels end at x = 74, x labels sit under a frame. */
function axes(svg: string) {
  const y = [
    ...svg.matchAll(/<text x="74" y="[\d.]+" text-anchor="end" dominant-baseline="middle">([^<]*)<\/text>/g),
  ];
  const x = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" text-anchor="middle">([^<]*)<\/text>/g)];
  const byRow = new Map<string, string[]>();
  for (const m of x) byRow.set(m[1]!, [...(byRow.get(m[1]!) ?? []), m[2]!]);
  return { y: y.map((m) => m[1]!), xRows: [...byRow.values()] };
}

describe('report axes', () => {
  it('the loss panel of a run whose loss moves by 0.03 has at least three tick labels', () => {
    // the running log loss of a 10,000-event run (the evil-names example): 0.5746 down to 0.5461
    const losses = [0.5746, 0.5673, 0.5618, 0.5592, 0.5585, 0.557, 0.5568, 0.5553, 0.5547, 0.5548];
    const svg = keyChartSvg(key(losses.map((l, i) => point((i + 1) * 1000, l, 0.5))));
    const loss = svg.slice(svg.indexOf('progressive log loss'), svg.indexOf('alerts'));
    const labels = axes(loss).y;
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it.each([1, 2, 3])('the event axis of a %d-event run labels whole events, each once', (events) => {
    const svg = keyChartSvg(key([point(events, 0.69, 0.01)]));
    const { xRows } = axes(svg);
    expect(xRows.length).toBeGreaterThan(0);
    for (const row of xRows) {
      expect(new Set(row).size).toBe(row.length);
      for (const label of row)
        expect(Number(label)).toSatisfy((n: number) => Number.isInteger(n) && n <= events);
      if (events <= 3) expect(row).toEqual(Array.from({ length: events + 1 }, (_, i) => String(i)));
    }
  });

  it('a one-snapshot run draws its loss from 0 up and its AUC within [0, 1], not -1 to 1', () => {
    const one = { ...point(3, 0.709, 0.003), auc: 0 };
    const svg = keyChartSvg(key([one]));
    const loss = axes(svg.slice(svg.indexOf('progressive log loss'), svg.indexOf('progressive AUC'))).y;
    const auc = axes(svg.slice(svg.indexOf('progressive AUC'), svg.indexOf('alerts'))).y;
    expect(loss.length).toBeGreaterThanOrEqual(3);
    expect(auc.length).toBeGreaterThanOrEqual(3);
    for (const label of loss) expect(Number(label)).toBeGreaterThanOrEqual(0);
    for (const label of auc) expect(Number(label)).toSatisfy((v: number) => v >= 0 && v <= 1);
  });

  it('niceTicks gives the tick count nearest the target, at round values', () => {
    expect(niceTicks(0.391, 0.425, 3)).toEqual([0.4, 0.41, 0.42]);
    expect(niceTicks(-1.5, 9.2, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 58_819, 6)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(niceTicks(0, 3, 6, true)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0.1, 0.3, 3)).toEqual([0.1, 0.2, 0.3]);
    // a log-loss panel of 0.29–0.39 (campaign c01) had two labels, 0.3 and 0.35
    expect(niceTicks(0.2887, 0.3919, 3)).toEqual([0.3, 0.32, 0.34, 0.36, 0.38]);
    expect(niceTicks(-0.4, 8.4, 3, true)).toEqual([0, 2, 4, 6, 8]);
  });
});

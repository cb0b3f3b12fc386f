/**
 * The report's legend names stay inside the picture: 30 characters of a name in capitals
 * (MEMBERSHIP_MAXIMUM_WITHDRAWAL_AMOUNT_…) ran past the SVG's right edge and were cut off.
 */
import { describe, expect, it } from 'vitest';

import { keyChartSvg } from '../../src/report/charts.js';
import type { KeyReport } from '../../src/report/collect.js';

const names = [
  'MEMBERSHIP_MAXIMUM_WITHDRAWAL_AMOUNT_MOM_WOW_2024',
  'NEW_MEMBER_WALLET_MOMENTUM_SUMMARY_WEEKLY_W12',
];

const k: KeyReport = {
  key: 'k',
  family: 'gaussian',
  lambda: null,
  events: 100,
  onlineSnapshots: 1,
  refitSnapshots: 0,
  features: names,
  maxAbs: [2, 1],
  featuresSeen: 2,
  points: [
    {
      offset: 100,
      source: 'online',
      version: 1,
      support: 2,
      loss: 1,
      lossEvents: 100,
      auc: null,
      coefficients: Float64Array.of(2, 1),
      window: null,
    },
  ],
  alerts: [],
  alertsTotal: 0,
};

describe('report legend', () => {
  it('every name ends inside the picture (M and W are at least 0.83 em wide, other capitals 0.6 em)', () => {
    const svg = keyChartSvg(k);
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);
    const entries = [...svg.matchAll(/<g class="legend-entry">.*?<text x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)];
    expect(entries).toHaveLength(2);
    for (const m of entries) {
      let least = 0;
      for (const c of m[2]!) least += (/[MW]/.test(c) ? 0.83 : /[A-Z]/.test(c) ? 0.6 : 0.5) * 12;
      expect(Number(m[1]) + least).toBeLessThanOrEqual(width);
      // still names the feature: its start and its end
      expect(m[2]!.slice(0, 8)).toBe(names[entries.indexOf(m)]!.slice(0, 8));
    }
  });
});

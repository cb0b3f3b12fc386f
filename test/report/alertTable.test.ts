/**
 * The alert table under a model's chart lists its 30 most severe alerts, by event: it listed the
 * first 30 by event, so in a drifting run critical input-drift alerts at events 48,023 and 72,023
 * were left out behind early info alerts.
 */
import { describe, expect, it } from 'vitest';

import type { AlertMark, KeyReport, ReportData } from '../../src/report/collect.js';
import { defaultReportOptions } from '../../src/report/collect.js';
import { reportHtml } from '../../src/report/page.js';

const alert = (offset: number, severity: string, type = 'support-drift'): AlertMark => ({
  offset,
  type,
  severity,
  message: `${type} at ${offset}`,
  features: [],
});

describe('report alert table', () => {
  it('lists the most severe alerts, in event order, and says how many more there are', () => {
    const alerts = [
      ...Array.from({ length: 40 }, (_, i) => alert(1000 + i * 100, 'info')),
      alert(48_023, 'critical', 'input-drift'),
      alert(60_000, 'warning', 'sign-flip'),
      alert(72_023, 'critical', 'input-drift'),
    ].sort((a, b) => a.offset - b.offset);
    const key: KeyReport = {
      key: 'default',
      family: 'binomial',
      lambda: null,
      events: 80_000,
      onlineSnapshots: 0,
      refitSnapshots: 0,
      features: [],
      maxAbs: [],
      featuresSeen: 0,
      points: [],
      alerts,
      alertsTotal: alerts.length,
    };
    const data: ReportData = {
      dir: '/tmp/x',
      summary: null,
      keys: [key],
      keysTotal: 1,
      keysOmitted: [],
      scales: null,
      notes: [],
      warnings: [],
    };
    const html = reportHtml(data, defaultReportOptions);
    const table = /<table class="alerts">.*?<\/table>/s.exec(html)![0];
    const rows = [...table.matchAll(/<tr><td class="num">([\d,]+)<\/td><td>([^<]*)<\/td>/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows).toHaveLength(30);
    expect(rows).toContainEqual(['48,023', 'input-drift']);
    expect(rows).toContainEqual(['72,023', 'input-drift']);
    expect(rows).toContainEqual(['60,000', 'sign-flip']);
    const offsets = rows.map(([o]) => Number(o!.replace(/,/g, '')));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(html).toContain('13 more alert(s) in alerts.jsonl not listed here');
  });
});

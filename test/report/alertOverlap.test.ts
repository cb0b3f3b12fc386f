/**
 * Alerts whose triangles fall on one another are not hidden: the sparsity-drift example's
 * input-drift (event 33,024) and loss-drift (33,072) alerts, both critical, were drawn at the same
 * pixel, so the strip showed one triangle and hovering it named one alert.
 */
import { describe, expect, it } from 'vitest';

import { keyChartSvg } from '../../src/report/charts.js';
import type { AlertMark, KeyReport } from '../../src/report/collect.js';
import { alertMark, keyWithAlerts } from '../helpers/alertStrip.js';

const alert = (offset: number, type: string, severity = 'critical'): AlertMark =>
  alertMark(offset, type, severity);
const key = (alerts: AlertMark[]): KeyReport => keyWithAlerts(alerts, 'gaussian', 1);

describe('alert strip', () => {
  it('counts triangles drawn on one another, and each tooltip names the others', () => {
    const svg = keyChartSvg(
      key([alert(10_000, 'support-drift'), alert(33_024, 'input-drift'), alert(33_072, 'loss-drift')]),
    );
    const titles = [...svg.matchAll(/<g class="alert-marker"[^>]*><title>([^<]*)<\/title>/g)].map(
      (m) => m[1]!,
    );
    expect(titles).toHaveLength(3);
    expect(titles[0]).not.toContain('more alert(s) drawn here');
    expect(titles[1]).toMatch(
      /^input-drift \(critical\) at event 33,024: [^]*1 more alert\(s\) drawn here:\nloss-drift \(critical\) at event 33,072$/,
    );
    expect(titles[2]).toMatch(
      /^loss-drift \(critical\) at event 33,072: [^]*input-drift \(critical\) at event 33,024$/,
    );
    const counts = [...svg.matchAll(/<text class="alert-count"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(counts).toEqual(['×2']);
  });

  it('alerts of different severities at one event are in different rows: not counted together', () => {
    const svg = keyChartSvg(key([alert(33_024, 'input-drift'), alert(33_024, 'support-drift', 'info')]));
    expect(svg).not.toContain('alert-count');
  });
});

/**
 * Degenerate runs say what happened: a model whose only non-zero feature had one value over the
 * events (a one-event replay) has β·sd = 0 and nothing to draw, and the page said "no feature was
 * ever non-zero" beside "1 features ever non-zero"; its heading read "1 events learned, 1 online
 * snapshots" and its empty alert strip "hover a triangle for what it says".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { keyChartSvg } from '../../src/report/charts.js';
import { collectReport, defaultReportOptions } from '../../src/report/collect.js';
import { reportHtml } from '../../src/report/page.js';

describe('report of a degenerate run', () => {
  it('a non-zero feature with sd 0 over the events is said to be one, not "never non-zero"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-report-degenerate-'));
    const events = join(dir, 'one.jsonl');
    writeFileSync(events, '{"label":1,"features":{"a":1}}\n');
    writeFileSync(
      join(dir, 'models.jsonl'),
      '{"key":"default","version":1,"offset":1,"source":"online","family":"binomial","learner":"ftrl","lambda":0.005,"l1Ratio":1,"intercept":0.1,"coefficients":{"a":0.004},"metrics":{"events":1,"progressiveLoss":0.6931}}\n',
    );
    writeFileSync(join(dir, 'alerts.jsonl'), '');
    const data = await collectReport(dir, { ...defaultReportOptions, data: events });
    expect(data.keys[0]!.featuresSeen).toBe(1);
    expect(data.keys[0]!.features).toEqual([]);
    const svg = keyChartSvg(data.keys[0]!, 'max', true);
    expect(svg).not.toContain('no feature was ever non-zero');
    expect(svg).toContain('1 feature(s) non-zero, each with sd 0 over the events');
    expect(svg).toContain('>alerts: none</text>');
    expect(svg).not.toContain('hover a triangle');
    const html = reportHtml(data, defaultReportOptions);
    expect(html).toContain('1 event learned, 1 online snapshot, 1 feature ever non-zero, 0 alerts</span>');
  });

  it('counts in a heading have thousands separators', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-report-counts-'));
    const lines = Array.from(
      { length: 6000 },
      (_, i) =>
        `{"key":"default","version":${i + 1},"offset":${(i + 1) * 5},"source":"online","family":"gaussian","learner":"ftrl","lambda":0.01,"l1Ratio":1,"intercept":0,"coefficients":{"a":0.5},"metrics":{"events":${(i + 1) * 5},"progressiveLoss":1}}\n`,
    );
    writeFileSync(join(dir, 'models.jsonl'), lines.join(''));
    writeFileSync(join(dir, 'alerts.jsonl'), '');
    const data = await collectReport(dir, defaultReportOptions);
    const html = reportHtml(data, defaultReportOptions);
    expect(html).toContain(
      '30,000 events learned, 6,000 online snapshots (300 drawn, evenly spaced), 1 feature ever non-zero',
    );
  });
});

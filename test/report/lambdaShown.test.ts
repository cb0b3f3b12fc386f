/**
 * Each model's heading gives the λ it learned with: with the default `lambda: "auto"` the summary
 * (and so the page's summary table) says only "auto", while every key's snapshots carry its own
 * resolved λ.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { collectReport, defaultReportOptions } from '../../src/report/collect.js';
import { reportHtml } from '../../src/report/page.js';

const line = (key: string, offset: number, lambda: number) =>
  `{"key":"${key}","version":1,"offset":${offset},"source":"online","family":"binomial","learner":"ftrl","lambda":${lambda},"l1Ratio":1,"intercept":0,"coefficients":{"x":0.5},"metrics":{"events":${offset},"progressiveLoss":0.6}}\n`;

describe('report model headings', () => {
  it("name each key's λ from its latest snapshot", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-report-lambda-'));
    writeFileSync(
      join(dir, 'models.jsonl'),
      line('top', 1000, 0.002459763958500747) +
        line('side', 1000, 0.0031) +
        line('top', 2000, 0.002459763958500747),
    );
    writeFileSync(join(dir, 'alerts.jsonl'), '');
    writeFileSync(join(dir, 'summary.json'), '{"family":"binomial","lambda":"auto"}');
    const data = await collectReport(dir, defaultReportOptions);
    expect(data.keys.map((k) => [k.key, k.lambda])).toEqual([
      ['top', 0.002459763958500747],
      ['side', 0.0031],
    ]);
    const html = reportHtml(data, defaultReportOptions);
    expect(html).toMatch(/model top<\/h2> <span class="meta">binomial, λ = 0\.00246, 2,000 events learned/);
    expect(html).toMatch(/model side<\/h2> <span class="meta">binomial, λ = 0\.0031, 1,000 events learned/);
  });
});

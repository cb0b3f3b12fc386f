/**
 * The page shows the replay's warnings from summary.json: a one-event run's "every learned event
 * had the same label ... its predictions and progressive loss say nothing" was on stderr and in the
 * summary, but not on the page whose pictures it is about.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { collectReport, defaultReportOptions } from '../../src/report/collect.js';
import { reportHtml } from '../../src/report/page.js';

describe('report page and the run warnings', () => {
  it('lists summary.json warnings, escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-report-warnings-'));
    writeFileSync(
      join(dir, 'models.jsonl'),
      '{"key":"default","version":1,"offset":1,"source":"online","family":"binomial","learner":"ftrl","lambda":0.005,"l1Ratio":1,"intercept":0,"coefficients":{"a":0.004},"metrics":{"events":1,"progressiveLoss":0.6931}}\n',
    );
    writeFileSync(join(dir, 'alerts.jsonl'), '');
    const same =
      'every learned event had the same label: a binomial model needs events of both labels (0 and 1) to learn anything';
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({ family: 'binomial', warnings: [same, 'field "<script>x</script>" & more'] }),
    );
    const html = reportHtml(await collectReport(dir, defaultReportOptions), defaultReportOptions);
    expect(html).toContain(`<li>${same}</li>`);
    expect(html).toContain('<li>field &quot;&lt;script&gt;x&lt;/script&gt;&quot; &amp; more</li>');
    expect(html).not.toContain('<script>');
  });
});

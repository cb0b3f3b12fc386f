/**
 * The report as a user sees it: a real replay (with --report), its page opened in Debian's
 * Chromium through playwright-core, a full-page screenshot, and checks of what is on it: the
 * legend names the model's largest features, every alert has a marker at its event on the axis,
 * in its severity's colour in the screenshot's pixels, the axes are labelled, and names from the
 * data (a feature called <script>…</script>) are shown, not run.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { deliveries } from '../../examples/sparsity-drift/generate.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const executable = candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
const ci = process.env.CI === 'true' || process.env.CI === '1';
if (executable === undefined && !ci)
  console.warn(
    'test/report/browser.test.ts SKIPPED: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)',
  );

const SCRIPT = '<script>pwned=1</script>';
const dir = mkdtempSync(join(tmpdir(), 'l1s-report-browser-'));

describe.skipIf(executable === undefined && !ci)('the report in a browser', () => {
  let browser: Browser;
  const out = join(dir, 'out');

  beforeAll(async () => {
    if (executable === undefined)
      throw new Error(
        'CI is set but no Chromium was found (/usr/bin/chromium): .ci/run installs it with apt-get; the report test must not skip in CI',
      );
    // 40,000 deliveries whose temperature and browser stop arriving at event 22,001, plus a
    // strong feature whose name is markup
    const rng = new Rng(3);
    const lines = deliveries(7, 40_000).map((e) => {
      const on = rng.next() < 0.5 ? 1 : 0;
      return JSON.stringify({ ...e, label: e.label! + 20 * on, features: { ...e.features, [SCRIPT]: on } });
    });
    writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        model: { family: 'gaussian', learner: 'ftrl', lambda: 0.005, standardize: true },
        snapshots: { everyEvents: 2000, everySeconds: 'Infinity' },
        drift: {
          checkEveryEvents: 5000,
          inputSparsity: { windowEvents: 5000, warmupEvents: 10000 },
          loss: { warmupEvents: 2000, cooldownEvents: 2000 },
        },
      }),
    );
    const r = await runCli([
      'replay',
      '--input',
      join(dir, 'events.jsonl'),
      '--config',
      join(dir, 'config.json'),
      '--refit-every',
      '10000',
      '--refit-window',
      '5000',
      '--refit-threads',
      '0',
      '--out',
      out,
      '--report',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/replay: report in .*report\.html \(\d+ KB\)/);
    browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the largest features by name, alerts at their events, labelled axes; runs nothing', async () => {
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: string; coefficients: Record<string, number> });
    const alerts = readFileSync(join(out, 'alerts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { offset: number; severity: string; type: string; details: unknown });
    expect(alerts.some((a) => a.type === 'input-drift')).toBe(true);
    // the reference: the 10 largest max |β|·sd over every snapshot, computed here, with each
    // feature's population sd over the replayed events (numbers by field, booleans 0/1, strings one-hot)
    const sums = new Map<string, [number, number]>();
    const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    for (const line of events) {
      const { features } = JSON.parse(line) as { features: Record<string, number | string | boolean> };
      for (const [field, v] of Object.entries(features)) {
        const [name, x] =
          typeof v === 'number'
            ? [field, v]
            : typeof v === 'boolean'
              ? [field, v ? 1 : 0]
              : [`${field}=${v}`, 1];
        const s = sums.get(name) ?? [0, 0];
        sums.set(name, [s[0] + x, s[1] + x * x]);
      }
    }
    const sd = (name: string): number => {
      const [s1, s2] = sums.get(name) ?? [0, 0];
      return Math.sqrt(Math.max(0, s2 / events.length - (s1 / events.length) ** 2));
    };
    const maxAbs = new Map<string, number>();
    for (const m of models)
      for (const [name, v] of Object.entries(m.coefficients))
        maxAbs.set(name, Math.max(maxAbs.get(name) ?? 0, Math.abs(v) * sd(name)));
    const top = [...maxAbs].sort((a, b) => b[1] - a[1]).slice(0, 10);
    expect(top[0]![0]).toBe(SCRIPT);

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const url = pathToFileURL(join(out, 'report.html')).href;
    await page.goto(url);
    const shot = process.env.L1S_REPORT_SCREENSHOT ?? join(dir, 'report.png');
    const png = await page.screenshot({ path: shot, fullPage: true });
    expect(png.length).toBeGreaterThan(10_000);

    // self-contained: the page itself is all the browser loaded
    expect(requests).toEqual([url]);
    // names are data: the markup feature is text on the page, and no script exists or ran
    expect(await page.evaluate('document.scripts.length')).toBe(0);
    expect(await page.evaluate('typeof pwned')).toBe('undefined');
    const legend = page.locator('details[open] .legend-entry text');
    expect(await legend.allTextContents()).toEqual(top.map(([name]) => name));
    for (const entry of await legend.all()) expect(await entry.isVisible()).toBe(true);

    // axes labelled
    const yLabels = await page.locator('details[open] .y-label').allTextContents();
    expect(yLabels).toEqual(expect.arrayContaining(['β_j·sd_j (standardized)', 'non-zero β', 'MSE']));
    expect(await page.locator('details[open] .x-label').allTextContents()).toEqual([
      'events learned by this model',
    ]);
    // refits are diamonds
    const refits = models.filter((m) => m.source === 'refit').length;
    expect(refits).toBe(4);
    const diamonds = await page.locator('details[open] path.refit-marker').getAttribute('d');
    expect(diamonds!.match(/M/g)).toHaveLength(refits);

    // the event axis of the alert strip, read from its tick labels as a reader would
    // (browser code as strings: this project's TypeScript has no DOM types)
    const ticks = (await page.evaluate(`(() => {
      const svg = document.querySelector('details[open] svg.key-chart');
      const texts = [...svg.querySelectorAll('text')].filter((t) => /^[\\d,]+$/.test(t.textContent));
      const bottom = Math.max(...texts.map((t) => Number(t.getAttribute('y'))));
      return texts
        .filter((t) => Number(t.getAttribute('y')) === bottom)
        .map((t) => {
          const box = t.getBoundingClientRect();
          return { value: Number(t.textContent.replace(/,/g, '')), x: box.x + box.width / 2 };
        });
    })()`)) as Array<{ value: number; x: number }>;
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const [a, b] = [ticks[0]!, ticks[ticks.length - 1]!];
    const xOf = (offset: number) => a.x + ((offset - a.value) / (b.value - a.value)) * (b.x - a.x);
    const markers = await page.locator('details[open] .alert-marker').all();
    expect(markers).toHaveLength(alerts.length);
    const boxes = [];
    for (const [i, m] of markers.entries()) {
      const box = (await m.boundingBox())!;
      expect(Math.abs(box.x + box.width / 2 - xOf(alerts[i]!.offset))).toBeLessThan(1.5);
      expect(await m.getAttribute('data-severity')).toBe(alerts[i]!.severity);
      boxes.push(box);
    }
    const tooltip = await page.locator('details[open] .alert-marker title').allTextContents();
    const input = alerts.findIndex(
      (x) => x.type === 'input-drift' && ((x.details as { stopped?: unknown[] }).stopped?.length ?? 0) > 0,
    );
    expect(input).toBeGreaterThanOrEqual(0);
    expect(tooltip[input]).toMatch(/^input-drift \((warning|critical)\) at event [\d,]+: /);
    expect(tooltip[input]).toMatch(/features: .*temperature/);

    // the screenshot's pixels: each marker is drawn in its severity's colour
    const colour = { critical: [198, 40, 40], warning: [239, 108, 0], info: [120, 144, 156] } as const;
    const viewer = await browser.newPage();
    const points = boxes.map((box) => [box.x + box.width / 2, box.y + box.height * 0.6]);
    const pixels = (await viewer.evaluate(`(async () => {
      const img = new Image();
      img.src = 'data:image/png;base64,${png.toString('base64')}';
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      return ${JSON.stringify(points)}.map(([x, y]) => [...ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data]);
    })()`)) as number[][];
    pixels.forEach((rgba, i) => {
      const want = colour[alerts[i]!.severity as keyof typeof colour];
      for (let c = 0; c < 3; c++) expect(Math.abs(rgba[c]! - want[c]!)).toBeLessThan(40);
    });
  }, 120_000);
});

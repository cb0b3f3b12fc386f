import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { collectReport, defaultReportOptions } from '../../src/report/collect.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

// A planted feature in days: tenure_days (sd 1,000 days) moves y by −0.8 per sd, β ≈ −0.0008 per day;
// eight unit-free features (sd 1) move it by 0.2 .. 0.55. By raw |β| tenure_days is the smallest
// of nine and not among the 5 drawn; by |β|·sd it is the largest.
function stream(file: string): void {
  const rng = new Rng(99);
  const g = (): number => rng.normal();
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const features: Record<string, number> = { tenure_days: Math.round(2000 + 1000 * g()) };
    let y = (-0.8 * (features.tenure_days! - 2000)) / 1000 + 0.3 * g();
    for (let k = 0; k < 8; k++) {
      const v = +g().toFixed(3);
      features[`f${k}`] = v;
      y += (0.2 + 0.05 * k) * v;
    }
    lines.push(JSON.stringify({ label: +y.toFixed(4), features }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('report ranks and draws features by their standardized effect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-report-sd-'));
  const input = join(dir, 'tenure.jsonl');
  stream(input);
  const out = join(dir, 'out');
  const replayed = runCli(['replay', '--input', input, '--family', 'gaussian', '--no-refit', '--out', out]);
  const limits = { ...defaultReportOptions, features: 5 };

  it("with the replayed events (summary.json's input): tenure_days is drawn first, as β·sd", async () => {
    expect((await replayed).code).toBe(0);
    const data = await collectReport(out, limits);
    expect(data.scales).toEqual({ file: input, events: 4000 });
    const k = data.keys[0]!;
    expect(k.features[0]).toBe('tenure_days');
    expect(k.maxAbs[0]).toBeGreaterThan(0.6);
    // the last online snapshot drawn: β·sd of tenure_days about −0.8
    const last = k.points.filter((p) => p.source === 'online').at(-1)!;
    expect(last.coefficients[0]).toBeLessThan(-0.6);
    expect(data.notes.join(' ')).toMatch(/ranked and drawn by their standardized effect β·sd/);
    const r = await runCli(['report', '--input', out, '--top', '5']);
    expect(r.code).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<title>tenure_days: max |β·sd|');
    expect(html).toContain('β_j·sd_j (standardized)');
  });

  it('without the events: raw |β|, and the page says so and why (tenure_days is then not drawn)', async () => {
    expect((await replayed).code).toBe(0);
    const moved = join(dir, 'elsewhere.jsonl');
    renameSync(input, moved);
    try {
      const data = await collectReport(out, limits);
      expect(data.scales).toBeNull();
      expect(data.keys[0]!.features).not.toContain('tenure_days');
      expect(data.notes.join(' ')).toMatch(
        /ranked and drawn by raw \|β\| .*unreadable \(ENOENT\).*--data EVENTS \(the replayed events: JSON lines, or a CSV with --target\)/,
      );
      // --data names the events where they are now
      const withData = await collectReport(out, { ...limits, data: moved });
      expect(withData.keys[0]!.features[0]).toBe('tenure_days');
    } finally {
      renameSync(moved, input);
    }
  });

  it('a replay input that was a pipe: raw |β| with the reason, and a pipe as --data is refused (reading it hung)', async () => {
    expect((await replayed).code).toBe(0);
    const fifo = join(dir, 'events.fifo');
    execFileSync('mkfifo', [fifo]);
    const pipedOut = join(dir, 'piped-out');
    mkdirSync(pipedOut);
    copyFileSync(join(out, 'models.jsonl'), join(pipedOut, 'models.jsonl'));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(pipedOut, 'summary.json'), JSON.stringify({ ...summary, input: fifo }));
    const data = await collectReport(pipedOut, limits);
    expect(data.scales).toBeNull();
    expect(data.notes.join(' ')).toContain(
      `${fifo}, the replay's input, is not a regular file (a pipe, a FIFO or a device: its events cannot be read again)`,
    );
    await expect(collectReport(pipedOut, { ...limits, data: fifo })).rejects.toThrow(
      `--data ${fifo} is not a regular file (a pipe, a FIFO or a device: its events cannot be read again): give the events as a file`,
    );
  });
});

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { intervalLosses, keyChartSvg } from '../../src/report/charts.js';
import { collectReport, defaultReportOptions, type SnapshotPoint } from '../../src/report/collect.js';
import { reportHtml } from '../../src/report/page.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const root = mkdtempSync(join(tmpdir(), 'l1s-report-'));
const SCRIPT = '<script>window.pwned = 1</script>';

/** A replay-like output directory written from records (JSON lines built by hand, names as data). */
function outputDir(name: string, models: readonly string[], alerts: readonly string[], summary?: string) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'models.jsonl'), models.map((l) => `${l}\n`).join(''));
  writeFileSync(join(dir, 'alerts.jsonl'), alerts.map((l) => `${l}\n`).join(''));
  if (summary !== undefined) writeFileSync(join(dir, 'summary.json'), summary);
  return dir;
}

/** A snapshot line; `coefficients` is JSON text so that "__proto__" stays an own field. */
const snapshot = (key: string, offset: number, coefficients: string, extra = '') =>
  `{"key":${JSON.stringify(key)},"version":1,"offset":${offset},"source":"online","family":"gaussian","learner":"ftrl","lambda":0.01,"l1Ratio":1,"intercept":0,"coefficients":${coefficients},"metrics":{"events":${offset},"progressiveLoss":1.5}${extra},"createdAt":"2026-01-01T00:00:00Z"}`;

describe('report: what it reads', () => {
  it("refuses a models.jsonl of batch fits (fit, path), and leaves such lines out of a stream's", async () => {
    const batch = (lambda: number) =>
      snapshot('y', 500, '{"x":1}')
        .replace('"source":"online"', '"source":"batch"')
        .replace('"lambda":0.01', `"lambda":${lambda}`);
    const path = outputDir('path', [0.1, 0.05, 0.02].map(batch), []);
    await expect(collectReport(path)).rejects.toThrow(
      /holds 3 batch fit\(s\) \("source": "batch", as fit and path write them\), not a stream's snapshots: report draws the outputs of replay and run; for a path's picture, l1stream path --plot FILE\.svg$/,
    );
    const mixed = outputDir(
      'mixed',
      [snapshot('y', 100, '{"x":1}'), batch(0.1), snapshot('y', 200, '{"x":2}')],
      [],
    );
    const data = await collectReport(mixed);
    expect(data.warnings).toContain(
      '1 line(s) of models.jsonl are batch fits ("source": "batch", as fit and path write them), not a stream\'s snapshots, and were left out',
    );
    expect(data.notes.join(' ')).not.toMatch(/written again after a resume/);
  });

  it('shows the busiest keys, names the others, and ranks features by max |β| (names are data)', async () => {
    const models: string[] = [];
    const keys = ['__proto__', 'constructor', ...Array.from({ length: 13 }, (_, i) => `k${i}`)];
    keys.forEach((key, i) => {
      const events = 1000 * (i + 1);
      for (let s = 1; s <= 5; s++)
        models.push(
          snapshot(
            key,
            (events * s) / 5,
            `{"__proto__":${s === 3 ? -9 : 1},${JSON.stringify(SCRIPT)}:${s},"toString":0.5,"small":0.1}`,
          ),
        );
    });
    const dir = outputDir('keys', models, [], '{"input":"x.jsonl","events":120000}');
    const data = await collectReport(dir, { ...defaultReportOptions, features: 3 });
    // the 8 with the most events (k12 … k5), then the rest, busiest first
    expect(data.keysTotal).toBe(15);
    expect(data.keys.map((k) => k.key)).toEqual(['k12', 'k11', 'k10', 'k9', 'k8', 'k7', 'k6', 'k5']);
    expect(data.keysOmitted.map((k) => k.key)).toEqual([
      'k4',
      'k3',
      'k2',
      'k1',
      'k0',
      'constructor',
      '__proto__',
    ]);
    const k = data.keys[0]!;
    expect(k.events).toBe(15000);
    expect(k.features).toEqual(['__proto__', SCRIPT, 'toString']);
    expect(k.maxAbs).toEqual([9, 5, 0.5]);
    expect(k.featuresSeen).toBe(4);
    expect(k.points.map((p) => p.coefficients[0])).toEqual([1, 1, -9, 1, 1]);
    expect(k.points.map((p) => p.support)).toEqual([4, 4, 4, 4, 4]);
    const html = reportHtml(data, defaultReportOptions);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt;');
    expect(html).toContain('>__proto__</text>');
    expect(html).toMatch(
      /15 model keys; the 8 with the most critical alerts, then warnings, then learned events are shown \(--keys 8\), 7 are not: k4 \(7,000\), k3 \(6,000\)/,
    );
  });

  it('brings keys with critical, then warning alerts before the busiest (info alerts do not count)', async () => {
    const models: string[] = [];
    const keys = ['__proto__', ...Array.from({ length: 11 }, (_, i) => `k${i}`)];
    keys.forEach((key, i) => models.push(snapshot(key, 1000 * (i + 1), '{"x":1}')));
    const alert = (key: string, severity: string) =>
      `{"key":${JSON.stringify(key)},"offset":10,"type":"input-outlier","severity":"${severity}","message":"m","details":{"feature":"x"},"createdAt":"2026-01-01T00:00:00Z"}`;
    const alerts = [
      alert('k0', 'warning'),
      alert('__proto__', 'critical'),
      alert('k1', 'warning'),
      alert('k1', 'warning'),
      alert('k2', 'info'),
      alert('k2', 'info'),
      alert('k2', 'info'),
    ];
    const dir = outputDir('alerting-keys', models, alerts);
    const data = await collectReport(dir, { ...defaultReportOptions, keys: 5 });
    // __proto__ (1 critical), k1 (2 warnings), k0 (1 warning), then the busiest: k10, k9
    expect(data.keys.map((k) => k.key)).toEqual(['__proto__', 'k1', 'k0', 'k10', 'k9']);
    expect(data.keysOmitted.map((k) => k.key).slice(0, 2)).toEqual(['k8', 'k7']);
    expect(data.keys[0]!.alerts.map((a) => a.features)).toEqual([['x']]);
  });

  it('--rank final draws the largest |β| of the last online snapshot, then the largest max |β|', async () => {
    const models = [
      snapshot('m', 100, '{"early":50,"a":1,"b":2}'),
      snapshot('m', 200, '{"a":3,"b":2,"c":0.5}'),
      snapshot('m', 200, '{"d":99}').replace('"source":"online"', '"source":"refit"'),
    ];
    const dir = outputDir('rank', models, []);
    const byMax = await collectReport(dir, { ...defaultReportOptions, features: 3 });
    expect(byMax.keys[0]!.features).toEqual(['d', 'early', 'a']);
    const byFinal = await collectReport(dir, { ...defaultReportOptions, features: 5, rank: 'final' });
    expect(byFinal.keys[0]!.features).toEqual(['a', 'b', 'c', 'd', 'early']);
    const r = await runCli(['report', '--input', dir, '--rank', 'final']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain(
      'coefficients of the 5 largest features (|β| in the last snapshot)',
    );
  });

  it('a key with one online snapshot is drawn as dots, not as invisible one-point lines', async () => {
    const dir = outputDir('single', [snapshot('only', 500, '{"a":1.5,"b":-2}')], []);
    const data = await collectReport(dir, defaultReportOptions);
    const svg = keyChartSvg(data.keys[0]!);
    // one-point polylines draw nothing: each series of one point is a dot in its colour
    expect(svg).not.toMatch(/<polyline[^>]*points="[^" ]+"\/>/);
    const dots = svg.match(/<circle [^>]*r="3" fill="#[0-9a-fA-F]{6}"\/>/g) ?? [];
    // a dot per coefficient (2), support size, loss
    expect(dots.length).toBeGreaterThanOrEqual(4);
    // and the notes say why there is one point, and what gives more
    expect(data.notes).toContain(
      'no model has more than 1 online snapshot, so the charts over events have at most one point: replay with a smaller --snapshot-every (snapshots.everyEvents, 10,000 events by default) for more',
    );
    const three = outputDir(
      'three',
      [100, 200, 300].map((n) => snapshot('only', n, '{"a":1.5}')),
      [],
    );
    expect((await collectReport(three, defaultReportOptions)).notes.join(' ')).not.toContain(
      'online snapshot',
    );
  });

  it('counts and draws a snapshot written again after a resume once, from its later line', async () => {
    const refit = (key: string, offset: number, coefficients: string) =>
      snapshot(key, offset, coefficients).replace('"source":"online"', '"source":"refit"');
    // run 1 wrote 100 … 500 (a refit at 300), was killed, and run 2 resumed from 200: it wrote
    // 300 and 400 again (and the refit at 300) and was stopped; run 3 resumed from 400 and went on
    // to 700. Key "b" never resumed; "__proto__" is a name like any other.
    const models = [
      ...[100, 200, 300, 400, 500].map((o) => snapshot('a', o, `{"x":${o}}`)),
      refit('a', 300, '{"x":-1}'),
      snapshot('b', 100, '{"x":1}'),
      snapshot('__proto__', 100, '{"x":1}'),
      ...[300, 400].map((o) => snapshot('a', o, `{"x":${o + 1}}`)),
      refit('a', 300, '{"x":-2}'),
      snapshot('b', 200, '{"x":2}'),
      snapshot('__proto__', 100, '{"x":2}'),
      ...[500, 600, 700].map((o) => snapshot('a', o, `{"x":${o + 2}}`)),
    ];
    const data = await collectReport(outputDir('resumed', models, []), defaultReportOptions);
    const a = data.keys.find((k) => k.key === 'a')!;
    expect([a.onlineSnapshots, a.refitSnapshots]).toEqual([7, 1]);
    expect(a.points.filter((p) => p.source === 'online').map((p) => [p.offset, p.coefficients[0]])).toEqual([
      [100, 100],
      [200, 200],
      [300, 301],
      [400, 401],
      [500, 502],
      [600, 602],
      [700, 702],
    ]);
    expect(a.points.filter((p) => p.source === 'refit').map((p) => p.coefficients[0])).toEqual([-2]);
    const b = data.keys.find((k) => k.key === 'b')!;
    expect(b.onlineSnapshots).toBe(2);
    const proto = data.keys.find((k) => k.key === '__proto__')!;
    expect(proto.points.map((p) => p.coefficients[0])).toEqual([2]);
    expect(data.notes).toContain(
      '5 snapshot(s) of models.jsonl were written again after a resume (at-least-once outputs): each is counted and drawn once, from its later line',
    );
  });

  it('keeps evenly spaced snapshots (first and last) and the most severe alerts, within the limits', async () => {
    const models: string[] = [];
    for (let s = 1; s <= 1000; s++) models.push(snapshot('m', s * 10, `{"a":${s}}`));
    for (let s = 1; s <= 50; s++)
      models.push(
        snapshot(
          'm',
          s * 200,
          `{"a":${-s},"b":1}`,
          `,"window":{"first":${s * 200 - 99},"last":${s * 200},"events":100}`,
        ).replace('"source":"online"', '"source":"refit"'),
      );
    models.push('{"key": "m", "offset": 3, "trunc'); // a half-written last line
    const alerts: string[] = [];
    for (let i = 0; i < 30; i++) {
      const severity = i % 10 === 0 ? 'critical' : i % 3 === 0 ? 'warning' : 'info';
      alerts.push(
        JSON.stringify({
          key: 'm',
          offset: 100 * (i + 1),
          type: 'support-drift',
          severity,
          message: `change ${i}`,
          details: {
            entered: [`e${i}`],
            left: [],
            flips: [{ feature: `f${i}` }],
            stopped: [{ feature: `s${i}` }],
          },
        }),
      );
    }
    alerts.push(
      JSON.stringify({ key: 'other', offset: 5, type: 'loss-drift', severity: 'info', message: '' }),
    );
    const dir = outputDir('bounded', models, alerts);
    const data = await collectReport(dir, { ...defaultReportOptions, points: 11, refits: 6, alerts: 8 });
    const k = data.keys[0]!;
    const online = k.points.filter((p) => p.source === 'online');
    const refits = k.points.filter((p) => p.source === 'refit');
    expect(online).toHaveLength(11);
    expect(online[0]!.offset).toBe(10);
    expect(online[10]!.offset).toBe(10000);
    for (let i = 1; i < 11; i++)
      expect(Math.abs(online[i]!.offset - online[i - 1]!.offset - 999)).toBeLessThanOrEqual(10);
    expect(refits.map((p) => p.offset)).toEqual([200, 2200, 4200, 6000, 8000, 10000]);
    expect(refits[0]!.window).toEqual({ first: 101, last: 200 });
    expect(k.onlineSnapshots).toBe(1000);
    expect(k.refitSnapshots).toBe(50);
    // 3 critical (i = 0, 10, 20), then 5 of the 7 warnings (i = 3, 6, 9, 12, 15), ordered by event
    expect(k.alertsTotal).toBe(30);
    expect(k.alerts.map((a) => a.offset)).toEqual([100, 400, 700, 1000, 1100, 1300, 1600, 2100]);
    expect(k.alerts[0]!.features).toEqual(['e0', 's0', 'f0']);
    expect(data.notes.join('\n')).toMatch(
      /^1 line\(s\) of models\.jsonl are not model snapshots and were skipped \(line \d+ is not JSON\)$/m,
    );
    expect(data.warnings).toHaveLength(1);
    expect(data.notes).toContain('1 alert(s) of keys not shown');
    expect(data.notes).toContain('no summary.json (the replay may not have finished)');
  });

  it('the loss between snapshots, from running means, equals the mean loss of those events', () => {
    const rng = new Rng(5);
    const losses = Array.from({ length: 5000 }, () => rng.next() * 3);
    const at = [137, 1000, 1001, 2500, 4999, 5000];
    const points: SnapshotPoint[] = at.map((n) => ({
      offset: n,
      source: 'online',
      version: 1,
      support: 0,
      loss: losses.slice(0, n).reduce((a, b) => a + b, 0) / n,
      lossEvents: n,
      auc: null,
      coefficients: new Float64Array(0),
      window: null,
    }));
    const intervals = intervalLosses(points);
    // from event 0 to the first snapshot too (its running mean), then between snapshots
    expect(intervals.map((s) => [s.from, s.to])).toEqual(at.map((n, i) => [i === 0 ? 0 : at[i - 1], n]));
    intervals.forEach((s) => {
      const direct = losses.slice(s.from, s.to).reduce((a, b) => a + b, 0) / (s.to - s.from);
      expect(Math.abs(s.loss - direct)).toBeLessThan(1e-9);
    });
  });

  it('stays under 2 MB with the default limits (3 MB with --top 20), whatever the run: many keys, snapshots, alerts, long names', async () => {
    const long = (s: string) => s + 'x'.repeat(300);
    const models: string[] = [];
    const alerts: string[] = [];
    for (let key = 0; key < 10; key++) {
      const name = long(`key${key}`);
      const coefficients = `{${Array.from({ length: 25 }, (_, j) => `${JSON.stringify(long(`f${j}`))}:${(j + 1) * 0.123456789}`).join(',')}}`;
      for (let s = 1; s <= 600; s++) models.push(snapshot(name, s * 7, coefficients));
      for (let s = 1; s <= 150; s++)
        models.push(snapshot(name, s * 13, coefficients).replace('"source":"online"', '"source":"refit"'));
      for (let a = 0; a < 150; a++)
        alerts.push(
          JSON.stringify({
            key: name,
            offset: a * 20,
            type: 'support-drift',
            severity: ['info', 'warning', 'critical'][a % 3],
            message: long('m').repeat(10),
            details: { entered: Array.from({ length: 100 }, (_, j) => long(`f${j}`)) },
          }),
        );
    }
    const dir = outputDir('big', models, alerts, JSON.stringify({ input: long('in'), events: 1 }));
    // the default limits, then the largest --top (one colour each)
    for (const [args, bound] of [
      [[], 2],
      [['--top', '20'], 3],
    ] as const) {
      const r = await runCli(['report', '--input', dir, ...args]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/report: wrote .*report\.html \(\d+ KB, 8 model\(s\)\)/);
      const bytes = readFileSync(join(dir, 'report.html')).length;
      expect(bytes).toBeLessThan(bound * 1024 * 1024);
    }
  });
});

describe('l1stream report: errors', () => {
  it('one line and exit 2 for a missing directory or models.jsonl; exit 1 for no snapshots', async () => {
    let r = await runCli(['report', '--input', join(root, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `l1stream: --input ${join(root, 'nope')}: no such directory; give the --out directory of a replay\n`,
    );
    const empty = join(root, 'empty');
    mkdirSync(empty);
    r = await runCli(['report', '--input', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^l1stream: --input .*empty has no models\.jsonl: give the --out directory of a replay/,
    );
    writeFileSync(join(empty, 'models.jsonl'), '');
    r = await runCli(['report', '--input', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no model snapshots: nothing to report/);
    r = await runCli(['report', '--input', empty, '--top', '21']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--top must be <= 20, got 21/);
  });
});

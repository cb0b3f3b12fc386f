import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { main } from '../../src/cli/main.js';
import { pathRange, plotPathSvg, polylinePoints } from '../../src/solve/plotSvg.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-path-plot-'));

// 30 columns on different scales, 27 of them in the planted model: the path brings in 27+ features.
const rng = new Rng(23);
const p = 30;
const names = Array.from({ length: p }, (_, j) => `feature_${String(j).padStart(2, '0')}`);
const lines = [[...names, 'y'].join(',')];
for (let i = 0; i < 300; i++) {
  const x = names.map((_, j) => rng.normal() * (1 + (j % 4)));
  let y = rng.normal();
  for (let j = 0; j < 27; j++) y += ((0.3 + 0.1 * j) * x[j]!) / (1 + (j % 4));
  lines.push([...x, y].map((v) => v.toFixed(5)).join(','));
}
const csv = join(dir, 'wide.csv');
writeFileSync(csv, `${lines.join('\n')}\n`);

interface PathLine {
  lambda: number;
  coefficients: Record<string, number>;
  metrics: { cvDeviance?: number; cvDevianceSe?: number; lambdaMin?: number; lambda1se?: number };
}
const parseLines = (text: string): PathLine[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as PathLine);
const attr = (el: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(el)?.[1];
const elements = (svg: string, tag: string, cls: string): string[] =>
  svg.match(new RegExp(`<${tag} class="${cls}"[^>]*>`, 'g')) ?? [];

/** Runs the CLI with a stdout that says it is a terminal (as process.stdout does on a tty). */
async function runOnTerminal(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        stdout += chunk.toString();
        cb();
      },
    }),
    { isTTY: true },
  );
  const err = new Writable({
    write(chunk: Buffer, _enc, cb) {
      stderr += chunk.toString();
      cb();
    },
  });
  const code = await main(argv, { stdout: out, stderr: err, interactive: false });
  return { code, stdout, stderr };
}

describe('path --plot', () => {
  it('names every feature that enters, each line in its own style, and says what the y axis shows', async () => {
    const svgFile = join(dir, 'path.svg');
    const r = await runCli(['path', '--input', csv, '--target', 'y', '--plot', svgFile]);
    expect(r.code).toBe(0);
    const entered = new Set(parseLines(r.stdout).flatMap((m) => Object.keys(m.coefficients)));
    expect(entered.size).toBeGreaterThanOrEqual(27);
    const svg = readFileSync(svgFile, 'utf8');
    const legend = [...svg.matchAll(/<g class="legend-entry"><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(new Set(legend)).toEqual(entered);
    const paths = elements(svg, 'polyline', 'path');
    expect(paths).toHaveLength(entered.size);
    const styles = paths.map((el) => `${attr(el, 'stroke')} ${attr(el, 'stroke-dasharray') ?? 'solid'}`);
    expect(new Set(styles).size).toBe(paths.length);
    // standardized by default (sd_j·β_j), and the axis says so; --plot-scale original says that
    expect(svg).toMatch(/class="y-label">standardized coefficient s_j × β_j</);
    const original = join(dir, 'original.svg');
    await runCli(['path', '--input', csv, '--target', 'y', '--plot', original, '--plot-scale', 'original']);
    expect(readFileSync(original, 'utf8')).toMatch(/class="y-label">coefficient β_j \(original scale\)</);
    // --no-standardize: the penalty is on β_j itself, so a "standardized" axis is sd_j·β_j, and says
    // so (it said "s_j × β_j, s_j the scale the penalty applies to", which is 1 there)
    const raw = join(dir, 'raw.svg');
    const args = ['--no-standardize', '--plot', raw, '--plot-scale', 'standardized'];
    expect((await runCli(['path', '--input', csv, '--target', 'y', ...args])).code).toBe(0);
    expect(readFileSync(raw, 'utf8')).toMatch(
      /class="y-label">effect of one sd, sd_j × β_j \(the penalty is on β_j\)</,
    );
  });

  it('with --cv adds the cross-validated error per λ: mean ± 1 standard error, λ_min and λ_1se', async () => {
    const svgFile = join(dir, 'cv.svg');
    const r = await runCli(['path', '--input', csv, '--target', 'y', '--cv', '5', '--plot', svgFile]);
    expect(r.code).toBe(0);
    const models = parseLines(r.stdout);
    const svg = readFileSync(svgFile, 'utf8');
    const points = [...svg.matchAll(/<g class="cv-point( cv-above)?"[^>]*>(.*?)<\/g>/g)].map((m) => ({
      above: m[1] !== undefined,
      g: m[2]!,
    }));
    expect(points).toHaveLength(models.length);
    // each point's height is one affine function of the cross-validated error the JSON lines report;
    // the means above the axis (the largest λ, near the null model) are marks on its top edge
    const cvm = models.map((m) => m.metrics.cvDeviance!);
    const drawn = points.flatMap((p, k) => (p.above ? [] : [k]));
    const cy = points.map((p) => (p.above ? NaN : Number(attr(p.g.match(/<circle[^>]*>/)![0], 'cy'))));
    const hi = drawn.reduce((a, k) => (cvm[k]! > cvm[a]! ? k : a), drawn[0]!);
    const lo = cvm.indexOf(Math.min(...cvm));
    const slope = (cy[hi]! - cy[lo]!) / (cvm[hi]! - cvm[lo]!);
    expect(slope).toBeLessThan(0); // larger error higher up
    for (const k of drawn)
      expect(Math.abs(cy[k]! - (cy[lo]! + slope * (cvm[k]! - cvm[lo]!)))).toBeLessThan(0.15);
    const frameTop = Number(/<rect x="80" y="([\d.]+)" width="[\d.]+" height="260"/.exec(svg)![1]);
    const axisTop = cvm[lo]! + (frameTop - cy[lo]!) / slope;
    points.forEach((p, k) => expect(p.above).toBe(cvm[k]! > axisTop + 1e-6));
    // the bars span ±1 standard error (a bar that reaches above the axis is cut at its edge)
    for (const k of drawn) {
      const bar = points[k]!.g.match(/<line[^>]*>/)![0];
      const span = Number(attr(bar, 'y2')) - Number(attr(bar, 'y1'));
      const se = models[k]!.metrics.cvDevianceSe!;
      if (cvm[k]! + se <= axisTop) expect(Math.abs(span + 2 * slope * se)).toBeLessThan(0.15);
      else expect(Math.abs(Number(attr(bar, 'y1')) - frameTop)).toBeLessThan(0.1);
    }
    // λ_min sits on the lowest point, λ_1se on the largest λ within one standard error of it
    const x = points.map((p) =>
      p.above ? Number(/d="M([\d.]+) /.exec(p.g)![1]) : Number(attr(p.g.match(/<circle[^>]*>/)![0], 'cx')),
    );
    const markers = elements(svg, 'line', 'marker').map((el) => Number(attr(el, 'x1')));
    const lambdas = models.map((m) => m.lambda);
    expect(markers).toHaveLength(2);
    expect(markers).toContain(x[lambdas.indexOf(models[0]!.metrics.lambdaMin!)]);
    expect(markers).toContain(x[lambdas.indexOf(models[0]!.metrics.lambda1se!)]);
    expect(lambdas.indexOf(models[0]!.metrics.lambdaMin!)).toBe(lo);
    expect(points[lambdas.indexOf(models[0]!.metrics.lambda1se!)]!.above).toBe(false);
    expect(svg).toContain('mean squared error');
    expect(svg).toContain('>λ_min<');
    expect(svg).toContain('>λ_1se<');
  });

  it('refuses a file name that is not .svg, before fitting and writing anything', async () => {
    const png = join(dir, 'path.png');
    const r = await runCli(['path', '--input', csv, '--target', 'y', '--plot', png]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/--plot writes SVG only: give a file name ending in \.svg/);
    expect(r.stdout).toBe('');
    expect(existsSync(png)).toBe(false);
  });

  it('prints the per-λ JSON lines to a pipe or --output, not to a terminal', async () => {
    const svgFile = join(dir, 'tty.svg');
    const args = ['path', '--input', csv, '--target', 'y', '--nlambda', '20', '--plot', svgFile];
    const tty = await runOnTerminal(args);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toBe('');
    expect(tty.stderr).toMatch(/per-λ models are not printed on a terminal with --plot; add --output FILE/);
    expect(readFileSync(svgFile, 'utf8')).toMatch(/^<svg/);
    const output = join(dir, 'tty.jsonl');
    const kept = await runOnTerminal([...args, '--output', output]);
    expect(kept.stdout).toBe('');
    const piped = await runCli(args);
    const count = parseLines(piped.stdout).length;
    expect(count).toBeGreaterThan(5);
    expect(parseLines(readFileSync(output, 'utf8'))).toHaveLength(count);
    // without --plot the JSON lines are the command's output, terminal or not
    const plain = await runOnTerminal(args.slice(0, -2));
    expect(parseLines(plain.stdout)).toHaveLength(count);
  });

  it('beyond 80 features (20 colours × 4 dashes) the rest are thin grey lines, counted in the legend', () => {
    const p = 90;
    const fits = Array.from({ length: 100 }, (_, k) => ({
      lambda: Math.exp(-k / 10),
      coefficients: Float64Array.from({ length: p }, (_, j) => (k > j ? (j + 1) * 0.01 : 0)),
    }));
    const names = Array.from({ length: p }, (_, j) => `x${j}`);
    const svg = plotPathSvg(fits, names);
    const paths = elements(svg, 'polyline', 'path');
    expect(paths).toHaveLength(p);
    const grey = paths.filter((el) => attr(el, 'stroke') === '#bbbbbb');
    expect(grey).toHaveLength(10);
    const styled = paths.filter((el) => attr(el, 'stroke') !== '#bbbbbb');
    const styles = styled.map((el) => `${attr(el, 'stroke')} ${attr(el, 'stroke-dasharray') ?? 'solid'}`);
    expect(new Set(styles).size).toBe(80);
    // the first 80 to enter are in the legend, in the order they enter
    const legend = [...svg.matchAll(/<g class="legend-entry"><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(legend).toEqual(names.slice(0, 80));
    expect(svg).toContain('+ 10 more in grey (hover)');
  });

  it('a path whose last λ fit coefficients many times the rest (near separation) is cut off, said above the plot', () => {
    // 3 features that enter and level off near ±1, then from the 60th λ on 200 more that grow to ±30
    const p = 203;
    const fits = Array.from({ length: 80 }, (_, k) => ({
      lambda: Math.exp(-k / 10),
      coefficients: Float64Array.from({ length: p }, (_, j) =>
        j < 3
          ? k > 5 * j
            ? (j === 1 ? -1 : 1) * (1 - Math.exp(-(k - 5 * j) / 10))
            : 0
          : k >= 60
            ? ((j % 2 ? 1 : -1) * 30 * (k - 59)) / 20
            : 0,
      ),
    }));
    const names = Array.from({ length: p }, (_, j) => `x${j}`);
    // the legend names 80: the axis holds the path to the last λ with at most 80 non-zero (the 60th)
    const range = pathRange(fits, 59);
    expect(range.cut).toBe(200);
    expect(range.largest).toBe(30);
    expect(range.hi).toBeGreaterThan(1);
    expect(range.hi).toBeLessThan(1.5);
    expect(range.lo).toBeLessThan(-1);
    expect(range.lo).toBeGreaterThan(-1.5);
    const svg = plotPathSvg(fits, names);
    expect(svg).toMatch(
      /<text class="cut-note"[^>]*>200 features beyond the axis near the end of the path, cut off \(largest \|coefficient\| 30\): the axis holds the path while its first 80 features \(the legend&#39;s\) enter<\/text>/,
    );
    // with cross-validation, to λ_min
    const withMin = plotPathSvg(fits, names, { markers: [{ lambda: fits[40]!.lambda, label: 'λ_min' }] });
    expect(withMin).toContain('the axis holds the path to λ_min');
    // growth that is not explosive: every coefficient in range, no note
    const mild = fits.map((f, k) => ({
      lambda: f.lambda,
      coefficients: f.coefficients.map((c, j) => (j < 3 ? c : k >= 60 ? Math.sign(c) * 2 : 0)),
    }));
    expect(pathRange(mild, 59).cut).toBe(0);
    expect(plotPathSvg(mild, names)).not.toContain('cut-note');
  });

  it('draws each line without the points inside its flat runs (its zeros before it enters): the same line', () => {
    expect(polylinePoints(['1', '2', '3', '4', '5', '6'], ['0', '0', '0', '1', '1', '1'])).toBe(
      '1,0 3,0 4,1 6,1',
    );
    expect(polylinePoints(['1'], ['0'])).toBe('1,0');
    expect(polylinePoints(['1', '2'], ['0', '0'])).toBe('1,0 2,0');
    // random lines with flat runs: the line drawn from the points kept passes through every point given
    const r = new Rng(5);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(r.next() * 30);
      const xs = Array.from({ length: n }, (_, i) => (10 * i).toFixed(1));
      const ys: string[] = [];
      for (let i = 0; i < n; i++)
        ys.push(i > 0 && r.next() < 0.6 ? ys[i - 1]! : (Math.round(r.next() * 4) * 10).toFixed(1));
      const kept = polylinePoints(xs, ys)
        .split(' ')
        .map((pt) => pt.split(',').map(Number) as [number, number]);
      expect(kept[0]).toEqual([0, Number(ys[0])]);
      expect(kept.at(-1)).toEqual([10 * (n - 1), Number(ys[n - 1])]);
      for (let i = 0; i < n; i++) {
        const x = 10 * i;
        const k = kept.findIndex(([kx]) => kx >= x);
        const [xb, yb] = kept[k]!;
        const [xa, ya] = kept[Math.max(k - 1, 0)]!;
        const y = xb === x ? yb : ya + ((yb - ya) * (x - xa)) / (xb - xa);
        expect(y, `line ${t}, point ${i}`).toBe(Number(ys[i]));
      }
    }
    // a path whose features enter one λ after another: far fewer points than 100 a line
    const p = 90;
    const fits = Array.from({ length: 100 }, (_, k) => ({
      lambda: Math.exp(-k / 10),
      coefficients: Float64Array.from({ length: p }, (_, j) => (k > j ? (j + 1) * 0.01 : 0)),
    }));
    const svg = plotPathSvg(
      fits,
      Array.from({ length: p }, (_, j) => `x${j}`),
    );
    const points = elements(svg, 'polyline', 'path').map((el) => attr(el, 'points')!.split(' ').length);
    expect(points).toHaveLength(p);
    expect(Math.max(...points)).toBeLessThanOrEqual(5);
  });
});

/**
 * Batch-solver benchmark: time of the full 100-λ path, l1stream vs scikit-learn and glmnet, on
 * the same seeded data and the same λ grid, with each solution's objective at a few λ so speed
 * is never bought with accuracy.
 *
 *   npm run bench:solve               # default cases
 *   npm run bench:solve -- --full     # adds the sparse case, binomial n = 100k, gaussian 100k × 1,000 (800 MB)
 *   npm run bench:solve -- --quick    # smallest cases only
 *   npm run bench:solve -- --only binomial,100000x100   # cases whose "<family> <n>x<p>" matches
 *   npm run bench:solve -- --full --only 100000x50000 --no-peers --out solve-sparse   # l1stream alone
 *   npm run bench:solve -- --thresh 1e-7,1e-10 --glmnet-modes naive --no-sklearn   # fewer peers
 *   npm run bench:solve -- ... --rule-tight 1e-11   # gaussian: glmnet's rule at 1e-11 too, against thresh 1e-10
 *   npm run bench:solve -- --refit-only [--refit-tight] [--full] [--refit-warmup N] [--refit-out NAME]
 *                                          # the refit case alone (solve-refit.md, or NAME.md)
 *   npm run bench:solve -- --cv-only [--rounds N]   # binomial CV on breast_cancer and a churn-like table vs cv.glmnet (solve-cv.md)
 *
 * Every solver runs once per round, in turn (l1stream, l1stream glmnet rule or loose, scikit-learn,
 * glmnet ...), for --rounds N rounds (default 3): times are medians, "vs l1stream" the median of
 * per-round ratios. Objectives are computed at every λ; the table shows three, and a second table
 * sets each l1stream setting against glmnet at matching accuracy (glmnet rule vs thresh 1e-7,
 * certified vs thresh 1e-10): time ratio and the λ where l1stream's objective is above glmnet's.
 *
 * The default run ends with the refit case (a sparse binomial window at one λ, cold and warm;
 * bench/solve/refit.ts), written to solve-refit.md; --no-refit skips it, --only leaves it out.
 *
 * Writes bench/results/solve.md and solve.json (default run), or solve-extra.md and
 * solve-extra.json (with --full or --only), or NAME.md and NAME.json (--out NAME).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DenseDesign, SparseDesign, type Design } from '../../src/solve/design.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { lambdaGrid, solvePath } from '../../src/solve/path.js';
import type { Coefficients } from '../../src/solve/solve.js';
import { alternate, median, medianRatio } from '../rounds.js';
import { refitMain } from './refit.js';
import { cvMain } from './cv.js';

type Family = 'gaussian' | 'binomial';

interface Case {
  readonly name: string;
  readonly family: Family;
  readonly n: number;
  readonly p: number;
  /** Fraction of non-zeros for a sparse design; undefined for dense. */
  readonly density?: number;
}

interface PeerResult {
  readonly name: string;
  readonly seconds: number | null;
  /** CPU seconds of the fit (l1stream: this process's; glmnet: R's user + system), when known. */
  readonly cpu?: number;
  readonly objectives: Record<string, number>;
  readonly note?: string;
}

/** A contender's result over the alternating rounds: median time, per-round times, ratio to l1stream. */
interface RoundsResult extends Omit<PeerResult, 'note'> {
  note?: string;
  /** Seconds of each round (empty when a run failed). */
  readonly runs: readonly number[];
  /** CPU seconds of each round (empty when unknown). */
  readonly cpuRuns: readonly number[];
  /** Median over rounds of this time ÷ l1stream's time in the same round. */
  readonly ratio: number | null;
}

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('cannot find the repository root');
    d = up;
  }
  return d;
}

/** mulberry32 + Box–Muller: the same data every run. */
function rng(seed: number): { next(): number; normal(): number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()) };
}

function makeData(c: Case): { x: Design; y: Float64Array } {
  const r = rng(1234 + c.n + c.p);
  const { n, p } = c;
  const truth = new Float64Array(p);
  const k = Math.min(20, p);
  for (let j = 0; j < k; j++) truth[Math.floor((j * p) / k)] = (j % 2 ? -1 : 1) * (0.5 + (j % 5) / 4);
  const eta = new Float64Array(n);
  let x: Design;
  if (c.density === undefined) {
    const values = new Float64Array(n * p);
    // correlated columns: x_j = 0.5 z + z_j
    const z = Float64Array.from({ length: n }, () => r.normal());
    for (let j = 0; j < p; j++) {
      const off = j * n;
      for (let i = 0; i < n; i++) values[off + i] = 0.5 * z[i]! + r.normal();
      if (truth[j] !== 0) for (let i = 0; i < n; i++) eta[i]! += truth[j]! * values[off + i]!;
    }
    x = new DenseDesign(n, p, values);
  } else {
    const perCol = Math.max(1, Math.round(c.density * n));
    const colStart = new Int32Array(p + 1);
    const rowIndex = new Int32Array(perCol * p);
    const vals = new Float64Array(perCol * p);
    const seen = new Int32Array(n).fill(-1);
    let w = 0;
    for (let j = 0; j < p; j++) {
      const rowsOf: number[] = [];
      while (rowsOf.length < perCol) {
        const i = Math.floor(r.next() * n);
        if (seen[i] !== j) {
          seen[i] = j;
          rowsOf.push(i);
        }
      }
      rowsOf.sort((a, b) => a - b);
      for (const i of rowsOf) {
        rowIndex[w] = i;
        vals[w] = 1 + r.next();
        if (truth[j] !== 0) eta[i]! += truth[j]! * vals[w]!;
        w++;
      }
      colStart[j + 1] = w;
    }
    x = new SparseDesign(n, p, colStart, rowIndex, vals);
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = c.family === 'gaussian' ? eta[i]! + r.normal() : r.next() < 1 / (1 + Math.exp(-eta[i]!)) ? 1 : 0;
  }
  return { x, y };
}

function writeData(
  dir: string,
  c: Case,
  x: Design,
  y: Float64Array,
  lambdas: Float64Array,
  report: number[],
): void {
  const buf = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'y.bin'), buf(y));
  if (x instanceof DenseDesign) writeFileSync(join(dir, 'x.bin'), buf(x.values));
  else if (x instanceof SparseDesign) {
    writeFileSync(join(dir, 'colptr.bin'), buf(x.colStart));
    writeFileSync(join(dir, 'rowidx.bin'), buf(x.rowIndex));
    writeFileSync(join(dir, 'vals.bin'), buf(x.values));
  }
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({
      n: c.n,
      p: c.p,
      family: c.family,
      sparse: c.density !== undefined,
      lambdas: Array.from(lambdas),
      report,
    }),
  );
}

function has(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function runPeer(
  cmd: string,
  args: string[],
  x: Design,
  y: Float64Array,
  family: Family,
  lambdas: Float64Array,
): PeerResult {
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 3_600_000 });
  if (res.status !== 0) {
    return {
      name: `${cmd} ${args[0]}`,
      seconds: null,
      objectives: {},
      note: `failed: ${(res.stderr || String(res.error)).slice(-300)}`,
    };
  }
  const out = JSON.parse(res.stdout) as {
    name: string;
    seconds: number;
    cpuSeconds?: number;
    // dense (`coef`) or sparse (`index`, `value`) coefficients
    fits: Record<string, { intercept: number; coef?: number[]; index?: number[]; value?: number[] }>;
  };
  const objectives: Record<string, number> = {};
  const coefficients = new Float64Array(x.cols);
  for (const [k, f] of Object.entries(out.fits)) {
    if (f.coef) coefficients.set(f.coef);
    else {
      coefficients.fill(0);
      f.index!.forEach((j, q) => (coefficients[j] = f.value![q]!));
    }
    objectives[k] = objectiveValue(x, y, { intercept: f.intercept, coefficients }, lambdas[Number(k)]!, {
      family,
      standardize: false,
    }).objective;
  }
  return {
    name: out.name,
    seconds: out.seconds,
    ...(out.cpuSeconds !== undefined ? { cpu: out.cpuSeconds } : {}),
    objectives,
  };
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function fmtSec(s: number | null): string {
  return s === null ? 'n/a' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--refit-only')) {
    refitMain(argv, repoRoot());
    return;
  }
  if (argv.includes('--cv-only')) {
    await cvMain(
      argv,
      repoRoot(),
      has('Rscript', ['-e', 'library(glmnet); library(jsonlite)']) ? 'Rscript' : null,
    );
    return;
  }
  const full = argv.includes('--full');
  const quick = argv.includes('--quick');
  const cases: Case[] = [{ name: 'dense gaussian', family: 'gaussian', n: 10_000, p: 100 }];
  if (!quick) {
    cases.push(
      { name: 'dense gaussian', family: 'gaussian', n: 100_000, p: 100 },
      { name: 'dense gaussian', family: 'gaussian', n: 10_000, p: 1_000 },
    );
  }
  cases.push({ name: 'dense binomial', family: 'binomial', n: 10_000, p: 100 });
  // the refit of a click or churn model: binomial on a sparse design with thousands of features
  if (!quick)
    cases.push({ name: 'sparse binomial', family: 'binomial', n: 20_000, p: 2_000, density: 0.005 });
  // --only a,b: run only the cases whose "<family> <n>x<p>" label contains one of the words
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : [];
  // Not in the default run: the sparse path takes l1stream about 7 minutes (see the note written
  // into solve.md), the two n = 100k cases need several GB and minutes for the peers.
  if (full) {
    cases.push(
      { name: 'sparse gaussian', family: 'gaussian', n: 100_000, p: 50_000, density: 0.001 },
      { name: 'dense binomial', family: 'binomial', n: 100_000, p: 100 },
      { name: 'dense gaussian', family: 'gaussian', n: 100_000, p: 1_000 },
    );
  }
  const selected =
    only.length === 0
      ? cases
      : cases.filter((c) => only.some((w) => `${c.family} ${c.n}x${c.p}`.includes(w)));
  cases.splice(0, cases.length, ...selected);
  const outAt = argv.indexOf('--out');
  const outName =
    outAt >= 0 ? (argv[outAt + 1] ?? 'solve-extra') : full || only.length > 0 ? 'solve-extra' : 'solve';
  const noPeers = argv.includes('--no-peers');
  const listFlag = (flag: string, fallback: string) => {
    const at = argv.indexOf(flag);
    return (at >= 0 ? (argv[at + 1] ?? '') : fallback).split(',').filter(Boolean);
  };
  // glmnet's thresholds (1e-7: its default; 1e-10: matched with l1stream's default) and modes
  const threshes = listFlag('--thresh', '1e-7,1e-10,1e-12');
  const ruleTightAt = argv.indexOf('--rule-tight');
  const ruleTight = ruleTightAt >= 0 ? argv[ruleTightAt + 1] : undefined;
  if (ruleTight !== undefined && !(Number(ruleTight) > 0))
    throw new Error(`--rule-tight takes a tolerance > 0, got ${ruleTight}`);
  const glmnetModes = listFlag('--glmnet-modes', 'covariance,naive');
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number ≥ 1');
  const root = repoRoot();
  const peers = join(root, 'bench', 'solve', 'peers');
  const noSklearn = argv.includes('--no-sklearn');
  const python = !noPeers && !noSklearn && has('python3', ['-c', 'import sklearn']) ? 'python3' : null;
  const rscript = !noPeers && has('Rscript', ['-e', 'library(glmnet); library(jsonlite)']) ? 'Rscript' : null;
  const lines: string[] = [];
  const out = join(root, 'bench', 'results');
  // Runs with other cases than the default set write their own file, so the README's figures
  // (solve.md) only ever come from a default run.
  /** Results are written after every case, so an interrupted run still leaves what it measured. */
  const writeResults = (done: boolean) => {
    const footer = [
      '',
      '"vs l1stream" is the median over rounds of peer time / l1stream time in the same round: above 1× l1stream is faster.',
      ...(full
        ? []
        : [
            '',
            'Not in this run: sparse gaussian 100k × 50k (0.1 %), binomial 100k × 100 and gaussian 100k × 1,000',
            '(`npm run bench:solve -- --full`, written to solve-extra.md: they take the peers most of an hour).',
          ]),
      ...(done ? [] : ['', '_Run in progress or interrupted: the remaining cases are missing._']),
    ];
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${outName}.md`), `${[...lines, ...footer].join('\n')}\n`);
    writeFileSync(join(out, `${outName}.json`), `${JSON.stringify(json, null, 2)}\n`);
  };
  const json: unknown[] = [];
  const log = (s: string) => {
    process.stdout.write(`${s}\n`);
    lines.push(s);
  };
  log('# Batch solver benchmark: full 100-λ path');
  log('');
  log(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores shared), ${new Date().toISOString()}.`,
  );
  log(
    'Same seeded data and the same 100-value λ grid (λ_max → λ_max·1e-4, or 1e-2 when p ≥ n) for every solver;',
  );
  log(
    `standardize off everywhere (scikit-learn has no standardization); peers time only their own fitting (their process start excluded); ${rounds} alternating rounds (each round runs every solver once, in the order of the table), the time shown is the median, "vs l1stream" the median of the per-round ratios; 1-minute load average ${loadavg()[0]!.toFixed(1)} at the start (the machine is shared with other jobs).`,
  );
  log(
    '"objective" is the objective of docs/conventions.md for each solution computed by one function (relative excess over the best shown).',
  );
  log(
    'l1stream default: tolerance 1e-14 with a duality-gap certificate ≤ 1e-10·var(y) (gaussian; covariance mode finishes each λ with an exact active-set solve) or KKT to 1e-10 (binomial); "glmnet rule" (gaussian): `stopping: \'glmnet\'`, glmnet\'s passes and convergence rule without a certificate, at its default tolerance 1e-9; "loose" (binomial): tolerance 1e-7, KKT to 1e-4.',
  );
  log(
    `glmnet runs at thresh = ${threshes.join(', ')} (1e-7 is its default); for gaussian in ${glmnetModes.length > 1 ? 'both of its modes' : 'its mode'} ${glmnetModes.map((m) => `\`type.gaussian = "${m}"\``).join(' and ')} (its own default is naive from 500 columns on): the faster mode at each thresh is the peer, the other is shown beside it.`,
  );
  if (noPeers) log('\n**Peers not run** (`--no-peers`): l1stream alone.');
  else if (noSklearn) log('\n**scikit-learn not run** (`--no-sklearn`).');
  else if (!python)
    log('\n**scikit-learn peer missing** (python3 with scikit-learn not found): its columns are n/a.');
  if (!noPeers && !rscript)
    log('\n**glmnet peer missing** (Rscript with glmnet and jsonlite not found): its columns are n/a.');
  log('');
  // JIT warm-up on a small problem of each family, so the first timed case does not pay for compilation
  for (const family of ['gaussian', 'binomial'] as const) {
    const w = makeData({ name: 'warm-up', family, n: 2_000, p: 50 });
    solvePath(w.x, w.y, { family, standardize: false, nLambda: 20 });
  }
  log(
    '| case | n | p | solver | path time (median) | rounds | vs l1stream | objective at λ_10 / λ_50 / λ_99 (rel. excess) | converged / note |',
  );
  log('|---|---|---|---|---|---|---|---|---|');
  for (const c of cases) {
    const { x, y } = makeData(c);
    // λ grid: λ_max of this problem (as the path computes it), 100 values
    const probe = solvePath(x, y, { family: c.family, standardize: false, nLambda: 1 });
    const lambdas = lambdaGrid(probe.lambdaMax, 100, c.n > c.p ? 1e-4 : 1e-2);
    // objectives at every λ; the table shows three
    const report = Array.from(lambdas, (_, k) => k);
    const shown = [10, 50, 99];
    const reportObjectives = (fit: (k: number) => Coefficients): Record<string, number> => {
      const objectives: Record<string, number> = {};
      for (const k of report)
        objectives[String(k)] = objectiveValue(x, y, fit(k), lambdas[k]!, {
          family: c.family,
          standardize: false,
        }).objective;
      return objectives;
    };
    const l1stream = (label: string, fast: boolean, ruleTolerance?: number) => (): PeerResult => {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const path = solvePath(x, y, {
        family: c.family,
        standardize: false,
        lambdas,
        ...(!fast
          ? {}
          : c.family === 'gaussian'
            ? {
                stopping: 'glmnet' as const,
                ...(ruleTolerance !== undefined ? { tolerance: ruleTolerance } : {}),
              }
            : { tolerance: 1e-7, kktTolerance: 1e-4 }),
      });
      return {
        name: label,
        seconds: (performance.now() - t0) / 1000,
        cpu: cpuSeconds(process.cpuUsage(cpu0)),
        objectives: reportObjectives((k) => path.fits[k]!),
        note: path.converged ? 'yes' : `NO (${path.fits.filter((f) => !f.converged).length} λ)`,
      };
    };
    const fastLabel = c.family === 'gaussian' ? 'l1stream (glmnet rule)' : 'l1stream (loose)';
    const contenders: Array<readonly [string, () => PeerResult]> = [
      ['l1stream', l1stream('l1stream', false)],
      [fastLabel, l1stream(fastLabel, true)],
    ];
    // gaussian, `--rule-tight T`: glmnet's rule at tolerance T, against glmnet thresh 1e-10
    const tightLabel = ruleTight === undefined ? null : `l1stream (glmnet rule, tolerance ${ruleTight})`;
    if (tightLabel !== null && c.family === 'gaussian')
      contenders.push([tightLabel, l1stream(tightLabel, true, Number(ruleTight))]);
    const dir = noPeers ? null : mkdtempSync(join(tmpdir(), 'l1s-bench-'));
    if (dir) {
      writeData(dir, c, x, y, lambdas, report);
      const peer = (cmd: string | null, missing: string, args: string[]) => (): PeerResult =>
        cmd
          ? runPeer(cmd, args, x, y, c.family, lambdas)
          : { name: missing, seconds: null, objectives: {}, note: 'missing' };
      if (!noSklearn)
        contenders.push([
          'scikit-learn',
          peer(python, 'scikit-learn', [join(peers, 'sklearn_path.py'), dir]),
        ]);
      // glmnet at its default threshold, and at a tight one for an accuracy-matched comparison;
      // gaussian in both of its modes (it picks naive from 500 columns on, often the slower one)
      for (const thresh of threshes)
        for (const mode of c.family === 'gaussian' ? glmnetModes : [''])
          contenders.push([
            `glmnet ${mode} ${thresh}`,
            peer(rscript, 'glmnet', [join(peers, 'glmnet_path.R'), dir, thresh, ...(mode ? [mode] : [])]),
          ]);
    }
    let measured: Map<string, PeerResult[]>;
    try {
      measured = await alternate(rounds, contenders, (key, r, round) =>
        process.stderr.write(
          `${c.family} ${c.n}x${c.p} round ${round + 1}/${rounds}: ${key} ${fmtSec(r.seconds)}\n`,
        ),
      );
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
    const times = (key: string) => measured.get(key)!.map((r) => r.seconds ?? NaN);
    const base = times('l1stream');
    const results: RoundsResult[] = contenders.map(([key]) => {
      const runs = measured.get(key)!;
      const last = runs[runs.length - 1]!;
      const secs = times(key);
      const ok = secs.every((t) => Number.isFinite(t));
      const cpu = runs.map((r) => r.cpu ?? NaN);
      return {
        ...last,
        seconds: ok ? median(secs) : null,
        runs: ok ? secs : [],
        cpuRuns: cpu.every((t) => Number.isFinite(t)) ? cpu : [],
        ratio: ok ? medianRatio(secs, base) : null,
      };
    });
    // the faster glmnet mode at each threshold is the peer; the other is shown beside it
    const threshOf = (r: RoundsResult) => Number(/thresh=(\S+)$/.exec(r.name)?.[1] ?? NaN);
    const glmnetPeer = new Map<number, RoundsResult>();
    for (const thresh of threshes.map(Number)) {
      const timed = results
        .filter((r) => r.name.startsWith('glmnet') && threshOf(r) === thresh && r.seconds !== null)
        .sort((a, b) => a.seconds! - b.seconds!);
      if (timed[0]) glmnetPeer.set(thresh, timed[0]);
      if (c.family === 'gaussian' && glmnetModes.length > 1)
        timed.forEach((r, i) => (r.note = i === 0 ? 'the faster mode: the peer' : 'the slower mode'));
    }
    const best: Record<string, number> = {};
    for (const k of shown) best[k] = Math.min(...results.map((r) => r.objectives[k] ?? Infinity));
    const label = `${c.name}${c.density ? ` (${c.density * 100}% dense)` : ''}`;
    for (const r of results) {
      const ratio = r.ratio === null ? 'n/a' : r.name === 'l1stream' ? '1' : `${r.ratio.toFixed(2)}×`;
      const objs = shown
        .map((k) =>
          r.objectives[k] === undefined
            ? 'n/a'
            : `${r.objectives[k]!.toPrecision(10)} (${((r.objectives[k]! - best[k]!) / best[k]!).toExponential(1)})`,
        )
        .join(' / ');
      log(
        `| ${label} | ${c.n} | ${c.p} | ${r.name} | ${fmtSec(r.seconds)} | ${r.runs.map(fmtSec).join(', ')} | ${ratio} | ${objs} | ${r.note ?? ''} |`,
      );
    }
    // each l1stream setting against glmnet at matching accuracy, at every λ
    const matched: string[] = [];
    for (const [setting, thresh] of [
      [fastLabel, 1e-7],
      ['l1stream', 1e-10],
      ...(tightLabel !== null ? [[tightLabel, 1e-10] as const] : []),
    ] as const) {
      const mine = results.find((r) => r.name === setting);
      const peer = glmnetPeer.get(thresh);
      if (!mine || !peer || mine.runs.length === 0) continue;
      let above = 0;
      let worst = 0;
      for (const k of report) {
        const a = mine.objectives[k];
        const b = peer.objectives[k];
        if (a === undefined || b === undefined) continue;
        const excess = (a - b) / b;
        // beyond rounding (both at the null model at λ_0)
        if (excess > 1e-12) above++;
        worst = Math.max(worst, excess);
      }
      const ratio = medianRatio(mine.runs, peer.runs);
      const cpuRatio =
        mine.cpuRuns.length > 0 && peer.cpuRuns.length > 0
          ? `${medianRatio(mine.cpuRuns, peer.cpuRuns).toFixed(2)}× (${fmtSec(median(mine.cpuRuns))} / ${fmtSec(median(peer.cpuRuns))})`
          : 'n/a';
      matched.push(
        `| ${setting} | ${peer.name} | ${ratio.toFixed(2)}× | ${cpuRatio} | ${above} of ${report.length} | ${worst.toExponential(1)} |`,
      );
    }
    if (matched.length > 0) {
      log('');
      log(`${label} ${c.n}x${c.p}, each l1stream setting against glmnet at matching accuracy, at every λ:`);
      log('');
      log(
        "| l1stream | glmnet | time ratio (l1stream / glmnet, median of rounds) | CPU ratio (l1stream / glmnet: median of rounds, and medians) | λ where l1stream's objective is above glmnet's | largest relative excess |",
      );
      log('|---|---|---|---|---|---|');
      for (const m of matched) log(m);
      log('');
    }
    json.push({ case: c, lambdas: { max: lambdas[0], min: lambdas[99] }, results });
    writeResults(false);
  }
  writeResults(true);
  process.stderr.write(`wrote ${resolve(out, `${outName}.md`)}\n`);
  if (!argv.includes('--no-refit') && only.length === 0) refitMain(argv, root);
  if (!argv.includes('--no-cv') && only.length === 0) cvMain(argv, root, rscript);
}

await main();

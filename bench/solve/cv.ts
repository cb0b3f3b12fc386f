/**
 * The cross-validation cases of bench:solve, beside `cv.glmnet` on the same folds and λ (default
 * thresh 1e-7). Rounds alternate l1stream and glmnet so that the load of the shared machine falls
 * on both alike; times are medians over the rounds.
 *
 * - binomial K-fold CV on breast_cancer (569 × 30, the test fixture's copy of scikit-learn's data;
 *   standardize on, 100 λ) with l1stream's `crossValidate` at kktTolerance 1e-10 and 1e-4;
 * - `fit`'s cross-validation on a churn-like table (50,000 rows: 33 numeric columns, two text
 *   columns one-hot: 40 features), with `fit`'s defaults (standardize "auto": numeric columns
 *   divided by their sd, 0/1 columns as they are; glmnet gets the columns so scaled, with
 *   standardize = FALSE: the same objective), `crossValidateOnThreads` on one thread and on all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { availableParallelism } from 'node:os';

import { crossValidate, assignFolds, seededRandom } from '../../src/solve/cv.js';
import { crossValidateOnThreads } from '../../src/solve/cvThreads.js';
import { DenseDesign } from '../../src/solve/design.js';
import { solvePath } from '../../src/solve/path.js';
import { median } from '../rounds.js';

interface CvRow {
  readonly folds: number;
  readonly solver: string;
  readonly runs: number[];
  /** Held-out deviance at λ_min, and fold fits that did not converge (l1stream). */
  cvmMin: number | null;
  unconverged: number | null;
}

/** An empty row of the table for `solver`. */
function cvRow(folds: number, solver: string): CvRow {
  return { folds, solver, runs: [], cvmMin: null, unconverged: null };
}

/** One timed `glmnet_cv.R` run on the data in `dir` (`args`: its THRESH and STANDARDIZE), into `row`. */
function runGlmnet(row: CvRow, rscript: string, root: string, dir: string, args: readonly string[]): void {
  const script = join(root, 'bench', 'solve', 'peers', 'glmnet_cv.R');
  const out = spawnSync(rscript, [script, dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`glmnet_cv.R failed: ${out.stderr}`);
  const res = JSON.parse(out.stdout) as { seconds: number; cvm: number[] };
  row.runs.push(res.seconds);
  row.cvmMin = Math.min(...res.cvm);
}

/** The table's lines for `rows`, each timed against the glmnet row of its folds. */
function tableLines(rows: readonly CvRow[]): string[] {
  return rows.map((row) => {
    const ref = rows.find((o) => o.folds === row.folds && o.solver.startsWith('glmnet'));
    const t = median(row.runs);
    const vs = ref && ref !== row ? `${(t / median(ref.runs)).toFixed(2)}×` : '';
    const runs = row.runs.map((v) => v.toFixed(2)).join(', ');
    return `| ${row.folds} | ${row.solver} | ${t.toFixed(2)} s | ${runs} | ${vs} | ${row.cvmMin?.toPrecision(8) ?? 'n/a'} | ${row.unconverged ?? ''} |`;
  });
}

/**
 * A churn-like table (the seeded generator of bench/results/batchfit-s38.md's Python script,
 * redone here): `tenure` 1..72, `plan` basic/pro/max, `monthly` 10..120, `support_calls` 0..8,
 * `region` n/s/e/w, x0..x29 N(0, 1) to 3 decimals; logit −1 + 0.4·calls − 0.03·tenure +
 * 0.8·[basic] + 0.3·x0 − 0.2·x1. Columns: the 33 numbers, then the one-hot levels.
 */
function churnTable(n: number, seed: number): { rows: number[][]; y: number[]; numeric: number } {
  const rand = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const tenure = 1 + Math.floor(rand() * 72);
    const plan = Math.floor(rand() * 3);
    const monthly = Math.round((10 + rand() * 110) * 100) / 100;
    const calls = Math.floor(rand() * 9);
    const region = Math.floor(rand() * 4);
    const xs = Array.from({ length: 30 }, () => Math.round(normal() * 1000) / 1000);
    const logit = -1 + 0.4 * calls - 0.03 * tenure + (plan === 0 ? 0.8 : 0) + 0.3 * xs[0]! - 0.2 * xs[1]!;
    y.push(rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0);
    rows.push([
      tenure,
      monthly,
      calls,
      ...xs,
      ...[0, 1, 2].map((k) => (k === plan ? 1 : 0)),
      ...[0, 1, 2, 3].map((k) => (k === region ? 1 : 0)),
    ]);
  }
  return { rows, y, numeric: 33 };
}

/** `fit`'s cross-validation on `churnTable`, threads 1 and all, beside cv.glmnet. */
async function churnCase(
  rounds: number,
  root: string,
  rscript: string | null,
  dir: string,
): Promise<CvRow[]> {
  const { rows, y, numeric } = churnTable(50_000, 4);
  const x = DenseDesign.fromRows(rows);
  const options = { family: 'binomial', standardize: 'auto' } as const;
  const lambdas = solvePath(x, y, options).fits.map((f) => f.lambda);
  const folds = 10;
  const foldIds = assignFolds(y.length, folds, 1);
  // glmnet, standardize = FALSE, on the numeric columns divided by their population sd
  const n = rows.length;
  const scaled = rows.map((r) => r.slice());
  for (let j = 0; j < numeric; j++) {
    let mean = 0;
    for (const r of rows) mean += r[j]! / n;
    let v = 0;
    for (const r of rows) v += (r[j]! - mean) ** 2 / n;
    const sd = Math.sqrt(v);
    for (const r of scaled) r[j]! /= sd;
  }
  writeFileSync(join(dir, 'cv.json'), JSON.stringify({ x: scaled, y, foldid: Array.from(foldIds), lambdas }));
  const mine = [1, availableParallelism()].map((threads) => cvRow(folds, `l1stream threads=${threads}`));
  const glmnet = cvRow(
    folds,
    'glmnet 4.1.6 cv.glmnet thresh=1e-07 (standardize = FALSE on the scaled columns)',
  );
  for (let r = 0; r < rounds; r++) {
    for (const row of mine) {
      const threads = Number(row.solver.split('=')[1]);
      const t0 = performance.now();
      const cv = await crossValidateOnThreads(x, y, { ...options, lambdas, foldIds, threads });
      row.runs.push((performance.now() - t0) / 1000);
      row.cvmMin = cv.cvm[cv.indexMin]!;
      row.unconverged = cv.unconvergedFolds.reduce((a, b) => a + b, 0);
    }
    if (rscript) runGlmnet(glmnet, rscript, root, dir, ['1e-7', 'false']);
    process.stderr.write(`cv: churn-like 50,000 × 40, round ${r + 1}/${rounds}\n`);
  }
  return [...mine, ...(rscript ? [glmnet] : [])];
}

/** Writes bench/results/solve-cv.md and .json. Flags: --rounds N (default 3). */
export async function cvMain(argv: readonly string[], root: string, rscript: string | null): Promise<void> {
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 3;
  const fixture = JSON.parse(
    readFileSync(join(root, 'test', 'fixtures', 'solve', 'glmnet.json'), 'utf8'),
  ) as {
    datasets: Record<string, { x: number[][]; y: number[] }>;
  };
  const data = fixture.datasets['cancer']!;
  const x = DenseDesign.fromRows(data.x);
  const lambdas = solvePath(x, data.y, { family: 'binomial' }).fits.map((f) => f.lambda);
  const rows: CvRow[] = [];
  const churn: CvRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'l1s-cv-'));
  try {
    for (const folds of [10, 5]) {
      const foldIds = assignFolds(data.y.length, folds, 1);
      writeFileSync(
        join(dir, 'cv.json'),
        JSON.stringify({ x: data.x, y: data.y, foldid: Array.from(foldIds), lambdas }),
      );
      const mine = [1e-10, 1e-4].map((kkt) => cvRow(folds, `l1stream kkt=${kkt}`));
      const glmnet = cvRow(folds, 'glmnet 4.1.6 cv.glmnet thresh=1e-07');
      for (let r = 0; r < rounds; r++) {
        for (const row of mine) {
          const kktTolerance = Number(row.solver.split('=')[1]);
          const t0 = performance.now();
          const cv = crossValidate(x, data.y, { family: 'binomial', lambdas, foldIds, kktTolerance });
          row.runs.push((performance.now() - t0) / 1000);
          row.cvmMin = cv.cvm[cv.indexMin]!;
          row.unconverged = cv.unconvergedFolds.reduce((a, b) => a + b, 0);
        }
        if (rscript) runGlmnet(glmnet, rscript, root, dir, []);
        process.stderr.write(`cv: ${folds} folds, round ${r + 1}/${rounds}\n`);
      }
      rows.push(...mine, ...(rscript ? [glmnet] : []));
    }
    churn.push(...(await churnCase(rounds, root, rscript, dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    '# Batch solver benchmark: binomial cross-validation on breast_cancer',
    '',
    `Node ${process.version}, ${new Date().toISOString()}; 2 shared cores; ${rounds} alternating rounds (l1stream at both tolerances, then cv.glmnet), median shown; the machine is shared and loaded, so compare within a row group.`,
    'Data: breast_cancer 569 × 30 (test/fixtures/solve/glmnet.json), binomial, standardize on; the 100 λ of the full path; the same seeded folds (`assignFolds`, seed 1) and λ for both solvers; glmnet times only `cv.glmnet` (its R start-up excluded), l1stream only `crossValidate` (in-process).',
    '',
    '| folds | solver | time (median) | runs | vs cv.glmnet | cvm at λ_min | fold fits not converged |',
    '|---|---|---|---|---|---|---|',
  ];
  lines.push(...tableLines(rows));
  lines.push(
    '',
    "## `fit`'s cross-validation on a churn-like table",
    '',
    '50,000 rows × 40 features (33 numeric columns; `plan`, 3 levels, and `region`, 4 levels, one-hot: the table of [batchfit-s38.md](batchfit-s38.md), generated here with a seeded JavaScript generator), binomial, 10 folds, standardize "auto" as `fit` does (numeric columns divided by their sd, 0/1 columns as they are; glmnet gets the numeric columns so divided and `standardize = FALSE`: the same objective); the full path\'s λ and the same folds for both; l1stream\'s `crossValidateOnThreads` (what `fit` and `path --cv` run) on one thread and on every core Node reports, in-process; glmnet times only `cv.glmnet`.',
    '',
    '| folds | solver | time (median) | runs | vs cv.glmnet | cvm at λ_min | fold fits not converged |',
    '|---|---|---|---|---|---|---|',
  );
  lines.push(...tableLines(churn));
  const out = join(root, 'bench', 'results');
  writeFileSync(join(out, 'solve-cv.md'), `${lines.join('\n')}\n`);
  writeFileSync(join(out, 'solve-cv.json'), `${JSON.stringify({ rounds, rows, churn }, null, 2)}\n`);
  process.stderr.write(`wrote ${join(out, 'solve-cv.md')}\n`);
}

/**
 * The cross-validation case of bench:solve: binomial K-fold CV on breast_cancer (569 × 30, the
 * test fixture's copy of scikit-learn's data; standardize on, 100 λ) with l1stream's
 * `crossValidate` at kktTolerance 1e-10 and 1e-4, beside `cv.glmnet` on the same folds and λ
 * (default thresh 1e-7). Rounds alternate l1stream and glmnet so that the load of the shared
 * machine falls on both alike; times are medians over the rounds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { crossValidate, assignFolds } from '../../src/solve/cv.js';
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

/** Writes bench/results/solve-cv.md and .json. Flags: --rounds N (default 3). */
export function cvMain(argv: readonly string[], root: string, rscript: string | null): void {
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
  const dir = mkdtempSync(join(tmpdir(), 'l1s-cv-'));
  try {
    for (const folds of [10, 5]) {
      const foldIds = assignFolds(data.y.length, folds, 1);
      writeFileSync(
        join(dir, 'cv.json'),
        JSON.stringify({ x: data.x, y: data.y, foldid: Array.from(foldIds), lambdas }),
      );
      const mine = [1e-10, 1e-4].map((kkt): CvRow => ({
        folds,
        solver: `l1stream kkt=${kkt}`,
        runs: [],
        cvmMin: null,
        unconverged: null,
      }));
      const glmnet: CvRow = {
        folds,
        solver: 'glmnet 4.1.6 cv.glmnet thresh=1e-07',
        runs: [],
        cvmMin: null,
        unconverged: null,
      };
      for (let r = 0; r < rounds; r++) {
        for (const row of mine) {
          const kktTolerance = Number(row.solver.split('=')[1]);
          const t0 = performance.now();
          const cv = crossValidate(x, data.y, { family: 'binomial', lambdas, foldIds, kktTolerance });
          row.runs.push((performance.now() - t0) / 1000);
          row.cvmMin = cv.cvm[cv.indexMin]!;
          row.unconverged = cv.unconvergedFolds.reduce((a, b) => a + b, 0);
        }
        if (rscript) {
          const out = spawnSync(rscript, [join(root, 'bench', 'solve', 'peers', 'glmnet_cv.R'), dir], {
            encoding: 'utf8',
          });
          if (out.status !== 0) throw new Error(`glmnet_cv.R failed: ${out.stderr}`);
          const res = JSON.parse(out.stdout) as { seconds: number; cvm: number[] };
          glmnet.runs.push(res.seconds);
          glmnet.cvmMin = Math.min(...res.cvm);
        }
        process.stderr.write(`cv: ${folds} folds, round ${r + 1}/${rounds}\n`);
      }
      rows.push(...mine, ...(rscript ? [glmnet] : []));
    }
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
  for (const row of rows) {
    const ref = rows.find((o) => o.folds === row.folds && o.solver.startsWith('glmnet'));
    const t = median(row.runs);
    lines.push(
      `| ${row.folds} | ${row.solver} | ${t.toFixed(2)} s | ${row.runs.map((v) => v.toFixed(2)).join(', ')} | ${ref && ref !== row ? `${(t / median(ref.runs)).toFixed(2)}×` : ''} | ${row.cvmMin?.toPrecision(8) ?? 'n/a'} | ${row.unconverged ?? ''} |`,
    );
  }
  const out = join(root, 'bench', 'results');
  writeFileSync(join(out, 'solve-cv.md'), `${lines.join('\n')}\n`);
  writeFileSync(join(out, 'solve-cv.json'), `${JSON.stringify({ rounds, rows }, null, 2)}\n`);
  process.stderr.write(`wrote ${join(out, 'solve-cv.md')}\n`);
}

/**
 * The refit case of bench:solve (DESIGN §7): one λ on a window of recent events, binomial,
 * standardize on, 2^18 hashed binary columns with 40 ids per event (`refitWindow`). For each λ:
 * l1stream cold (from zero) and warm (from the solution on the window 10 % earlier, and from that
 * solution with many spurious small weights, and from the live online FTRL model), at kktTolerance 1e-4
 * and 1e-10, beside glmnet (single λ, its default thresh and 1e-10) on the same window.
 *
 * Every time is the median of 3 alternating rounds (1 when a round's runs average more than 5 s),
 * after untimed warm-up rounds (`warmup`): a refit worker in a stream has run refits before, so
 * its solver code is optimized, as it is not in a process's first few fits. The machine is
 * shared, so the sweeps and column visits (machine-independent) are reported too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { OnlineModel } from '../../src/model/onlineModel.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { DEFAULT_REFIT_KKT } from '../../src/refit/job.js';
import { solveAt, type Coefficients, type LambdaFit } from '../../src/solve/solve.js';
import { refitWindow, type RefitWindow, type RefitWindowOptions } from './refitWindow.js';
import { median } from '../rounds.js';

export interface RefitBenchOptions {
  /** Window sizes (default [20_000]). */
  readonly rows: readonly number[];
  readonly lambdas: readonly number[];
  /** Run l1stream at 1e-10 on λ below this (slow cases; default: only λ ≥ 0.005). */
  readonly tightBelow: number;
  readonly rscript: string | null;
  /** λ given to glmnet (default: all of `lambdas`). */
  readonly peerLambdas?: readonly number[];
  readonly peersDir: string;
  readonly log: (line: string) => void;
  /** Untimed rounds before the timed ones (default REFIT_WARMUP_ROUNDS; 0: none). */
  readonly warmup?: number;
}

/**
 * Untimed rounds of every fit before the timed rounds: V8 optimizes the solver's functions after
 * they have run a few times, and a refit worker in a stream has. Rounds stop early once one takes
 * more than WARMUP_LIMIT_MS (at seconds per fit, compilation is a small share).
 */
export const REFIT_WARMUP_ROUNDS = 5;
const WARMUP_LIMIT_MS = 3000;

type Start = 'cold' | 'warm' | 'warm (noisy)' | 'warm (online)';

export interface RefitRow {
  readonly rows: number;
  readonly lambda: number;
  readonly solver: string;
  readonly start: Start;
  readonly seconds: number | null;
  readonly runs: readonly number[];
  /** CPU time of this process (user + system) per run, and its median (l1stream rows). */
  readonly cpuSeconds?: number;
  readonly cpuRuns?: readonly number[];
  readonly objective: number | null;
  readonly nonzero: number | null;
  readonly passes?: number;
  readonly columnVisits?: number;
  readonly converged?: boolean;
  readonly note?: string;
}

/**
 * Runs each fit of `runs` once per round, in turn, for 3 rounds (1 when a round takes more than
 * 5 s): on a shared machine, load that comes and goes then hits every start alike. Before them,
 * up to `warmup` untimed rounds (`REFIT_WARMUP_ROUNDS`).
 */
function alternating<K extends string>(
  runs: ReadonlyArray<readonly [K, () => LambdaFit]>,
  warmup: number,
): Map<K, { fit: LambdaFit; runs: number[]; cpu: number[] }> {
  for (let round = 0; round < warmup; round++) {
    const t0 = performance.now();
    for (const [, run] of runs) run();
    if (performance.now() - t0 > WARMUP_LIMIT_MS) break;
  }
  const out = new Map<K, { fit: LambdaFit; runs: number[]; cpu: number[] }>();
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (const [key, run] of runs) {
      const t = performance.now();
      const c = process.cpuUsage();
      const fit = run();
      const used = process.cpuUsage(c);
      const seconds = (performance.now() - t) / 1000;
      const cpu = (used.user + used.system) / 1e6;
      const o = out.get(key);
      if (o) {
        o.runs.push(seconds);
        o.cpu.push(cpu);
      } else out.set(key, { fit, runs: [seconds], cpu: [cpu] });
    }
    if (performance.now() - t0 > 5000 * runs.length) break;
  }
  return out;
}

/**
 * The live online model at the end of window B, on B's columns: DESIGN's default online model
 * (FTRL, standardized, the same λ) that learned every event of `stream` (from window A's first
 * event through B's last), read on the original scale by feature name (`ids=i<column>`).
 */
export function onlineStart(lambda: number, stream: RefitWindowOptions): Coefficients {
  const events = refitWindow(stream);
  const x = events.x;
  const ids: number[][] = Array.from({ length: x.rows }, () => []);
  for (let j = 0; j < x.cols; j++)
    for (let k = x.colStart[j]!; k < x.colStart[j + 1]!; k++) ids[x.rowIndex[k]!]!.push(j);
  const model = new OnlineModel({ family: 'binomial', lambda });
  for (let i = 0; i < x.rows; i++)
    model.process({ label: events.y[i]!, features: { ids: ids[i]!.map((j) => `i${j}`) } });
  const snap = model.snapshot();
  const coefficients = new Float64Array(x.cols);
  for (const [name, value] of Object.entries(snap.coefficients))
    coefficients[Number(name.slice('ids=i'.length))] = value;
  return { intercept: snap.intercept, coefficients };
}

/** The previous solution with spurious small weights on many columns (an online model's start). */
function noisyStart(prev: LambdaFit, w: RefitWindow, seed: number): Coefficients {
  const c = Float64Array.from(prev.coefficients);
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // ±1e-3 on a third of the columns seen in the window (FTRL keeps tiny weights on most ids)
  for (let j = 0; j < c.length; j++) {
    if (w.x.colStart[j + 1]! > w.x.colStart[j]! && next() < 1 / 3) c[j]! += (next() - 0.5) * 2e-3;
  }
  return { intercept: prev.intercept, coefficients: c };
}

function writeWindow(dir: string, w: RefitWindow, lambdas: readonly number[]): void {
  const buf = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'y.bin'), buf(w.y));
  writeFileSync(join(dir, 'colptr.bin'), buf(w.x.colStart));
  writeFileSync(join(dir, 'rowidx.bin'), buf(w.x.rowIndex));
  writeFileSync(join(dir, 'vals.bin'), buf(w.x.values));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n: w.x.rows, p: w.x.cols, lambdas }));
}

function glmnetRows(
  rscript: string,
  script: string,
  dir: string,
  thresh: string | null,
  w: RefitWindow,
):
  | {
      name: string;
      fits: {
        lambda: number;
        seconds: number;
        runs: number[];
        cpus: number[];
        model: Coefficients | null;
        note: string;
      }[];
    }
  | string {
  const res = spawnSync(rscript, [script, dir, ...(thresh ? [thresh] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 3_600_000,
  });
  if (res.status !== 0)
    return `failed (status ${res.status}, signal ${res.signal}): ${(res.stderr || String(res.error)).slice(-300)}`;
  const out = JSON.parse(res.stdout) as {
    name: string;
    fits: {
      lambda: number;
      seconds: number;
      runs: number[] | number;
      cpus?: number[] | number;
      intercept: number | string | null;
      index: number[] | number;
      value: number[] | number;
      note?: string;
    }[];
  };
  const arr = <T>(v: T[] | T): T[] => (Array.isArray(v) ? v : [v]);
  return {
    name: out.name,
    fits: out.fits.map((f) => {
      const coefficients = new Float64Array(w.x.cols);
      const idx = arr(f.index);
      const val = arr(f.value);
      for (let k = 0; k < idx.length; k++) coefficients[idx[k]!] = val[k]!;
      return {
        lambda: f.lambda,
        seconds: f.seconds,
        runs: arr(f.runs),
        cpus: f.cpus === undefined ? [] : arr(f.cpus),
        model: typeof f.intercept === 'number' ? { intercept: f.intercept, coefficients } : null,
        note: f.note ?? '',
      };
    }),
  };
}

/** Runs the refit case; returns its rows (also logged as a Markdown table). */
export function runRefitBench(o: RefitBenchOptions): RefitRow[] {
  const all: RefitRow[] = [];
  for (const rows of o.rows) {
    // window A: the previous refit's; window B: 10 % later (drop the oldest 10 %, add 10 % new)
    const a = refitWindow({ rows });
    const b = refitWindow({ rows, first: Math.round(rows / 10) });
    const objective = (m: Coefficients, lambda: number) =>
      objectiveValue(b.x, b.y, m, lambda, { family: 'binomial', standardize: true }).objective;
    const rowsHere: RefitRow[] = [];
    const onlineByLambda = new Map<number, Coefficients>();
    const online = (lambda: number): Coefficients => {
      let m = onlineByLambda.get(lambda);
      if (m === undefined)
        onlineByLambda.set(lambda, (m = onlineStart(lambda, { rows: rows + Math.round(rows / 10) })));
      return m;
    };
    for (const lambda of o.lambdas) {
      for (const kkt of [DEFAULT_REFIT_KKT, 1e-4, 1e-10]) {
        if (kkt === 1e-10 && lambda < o.tightBelow) {
          rowsHere.push({
            rows,
            lambda,
            solver: `l1stream kkt=${kkt}`,
            start: 'cold',
            seconds: null,
            runs: [],
            objective: null,
            nonzero: null,
            note: 'not run (slow: --refit-tight)',
          });
          continue;
        }
        const opts = { family: 'binomial' as const, lambda, kktTolerance: kkt };
        const prev = solveAt(a.x, a.y, opts);
        const starts: [Start, Coefficients | undefined][] = [
          ['cold', undefined],
          ['warm', prev],
          ['warm (noisy)', noisyStart(prev, a, 7)],
          ['warm (online)', online(lambda)],
        ];
        const timed = alternating(
          starts.map(
            ([start, from]) =>
              [
                start,
                // the previous solution with its rare columns moved first and the sweeps' tails
                // focused, as a refit job does
                () =>
                  solveAt(b.x, b.y, {
                    ...opts,
                    ...(from ? { start: from } : {}),
                    ...(start === 'warm' ? { rareMoves: true, tailSweeps: true } : {}),
                  }),
              ] as const,
          ),
          o.warmup ?? REFIT_WARMUP_ROUNDS,
        );
        for (const [start] of starts) {
          const { fit, runs, cpu } = timed.get(start)!;
          rowsHere.push({
            rows,
            lambda,
            solver: `l1stream kkt=${kkt}`,
            start,
            seconds: median(runs),
            runs,
            cpuSeconds: median(cpu),
            cpuRuns: cpu,
            objective: objective(fit, lambda),
            nonzero: fit.nonzero,
            passes: fit.passes,
            columnVisits: fit.columnVisits,
            converged: fit.converged,
          });
        }
      }
    }
    if (o.rscript) {
      const dir = mkdtempSync(join(tmpdir(), 'l1s-refit-'));
      try {
        const peerLambdas = o.peerLambdas ?? o.lambdas;
        writeWindow(dir, b, peerLambdas);
        for (const thresh of [null, '1e-10']) {
          const g = glmnetRows(o.rscript, join(o.peersDir, 'glmnet_refit.R'), dir, thresh, b);
          for (const lambda of peerLambdas) {
            if (typeof g === 'string') {
              rowsHere.push({
                rows,
                lambda,
                solver: `glmnet thresh=${thresh ?? 'default'}`,
                start: 'cold',
                seconds: null,
                runs: [],
                objective: null,
                nonzero: null,
                note: g,
              });
              continue;
            }
            const f = g.fits.find((q) => Math.abs(q.lambda - lambda) <= 1e-12 * lambda)!;
            let nz = 0;
            if (f.model) for (const v of f.model.coefficients as Float64Array) if (v !== 0) nz++;
            rowsHere.push({
              rows,
              lambda,
              solver: g.name,
              start: 'cold',
              seconds: median(f.runs),
              runs: f.runs,
              ...(f.cpus.length > 0 ? { cpuSeconds: median(f.cpus), cpuRuns: f.cpus } : {}),
              objective: f.model ? objective(f.model, lambda) : null,
              nonzero: f.model ? nz : null,
              ...(f.note ? { note: f.note } : {}),
            });
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rowsHere.sort((u, v) => v.lambda - u.lambda);
    all.push(...rowsHere);
    logTable(rowsHere, o.log);
  }
  return all;
}

function fmt(s: number | null): string {
  return s === null ? 'n/a' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

function logTable(rows: readonly RefitRow[], log: (s: string) => void): void {
  log(
    '| rows | λ | solver | start | time (median) | vs glmnet | vs cold | CPU (median) | CPU vs cold | objective (rel. excess over best) | non-zeros | sweeps | column visits | converged |',
  );
  log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const same = rows.filter((q) => q.lambda === r.lambda);
    const best = Math.min(...same.map((q) => q.objective ?? Infinity));
    // l1stream at the refit default and 1e-4 against glmnet's default, at 1e-10 against its 1e-10
    const tight = r.solver.includes('1e-10');
    const ref = same.find((q) => q.solver.startsWith('glmnet') && q.solver.includes('1e-10') === tight);
    const cold = same.find((q) => q.solver === r.solver && q.start === 'cold');
    // CPU against CPU where both were measured, else wall against wall; no ratio against a fit
    // glmnet did not finish (it then returns its empty model, or none)
    const refFailed =
      ref !== undefined && (ref.objective === null || /not reached|error code/.test(ref.note ?? ''));
    const vsGlmnet = !r.solver.startsWith('l1stream')
      ? ''
      : refFailed
        ? 'glmnet did not converge'
        : r.cpuSeconds !== undefined && ref?.cpuSeconds
          ? `${(r.cpuSeconds / ref.cpuSeconds).toFixed(2)}× CPU`
          : r.seconds !== null && ref?.seconds
            ? `${(r.seconds / ref.seconds).toFixed(2)}×`
            : '';
    const vsCold =
      r.start !== 'cold' && r.seconds !== null && cold?.seconds
        ? `${((100 * r.seconds) / cold.seconds).toFixed(0)} %`
        : '';
    const cpuVsCold =
      r.start !== 'cold' && r.cpuSeconds !== undefined && cold?.cpuSeconds
        ? `${((100 * r.cpuSeconds) / cold.cpuSeconds).toFixed(0)} %`
        : '';
    const obj =
      r.objective === null
        ? 'n/a'
        : `${r.objective.toPrecision(12)} (${((r.objective - best) / best).toExponential(1)})`;
    log(
      `| ${r.rows} | ${r.lambda} | ${r.solver} | ${r.start} | ${fmt(r.seconds)} | ${vsGlmnet} | ${vsCold} | ${r.cpuSeconds === undefined ? '' : fmt(r.cpuSeconds)} | ${cpuVsCold} | ${obj} | ${r.nonzero ?? ''} | ${r.passes ?? ''} | ${r.columnVisits === undefined ? '' : `${(r.columnVisits / 1e6).toFixed(1)} M`} | ${r.converged === undefined ? (r.note ?? '') : r.converged ? 'yes' : 'NO'} |`,
    );
  }
  log('');
}

/**
 * bench:solve's refit section: writes bench/results/solve-refit.md and .json. Flags: --full adds
 * the 100k-row window; --refit-tight runs l1stream at 1e-10 on λ = 0.001 too (minutes);
 * --no-peers skips glmnet; --peer-lambdas 0.001 runs it at those λ only (at 0.005 it runs out of
 * iterations after minutes).
 */
export function refitMain(argv: readonly string[], root: string): void {
  const noPeers = argv.includes('--no-peers');
  const peerAt = argv.indexOf('--peer-lambdas');
  const rscript =
    !noPeers &&
    spawnSync('Rscript', ['-e', 'library(glmnet); library(jsonlite)'], { stdio: 'ignore' }).status === 0
      ? 'Rscript'
      : null;
  const lines: string[] = [];
  const log = (s: string) => {
    process.stdout.write(`${s}\n`);
    lines.push(s);
  };
  const rows = argv.includes('--full') ? [20_000, 100_000] : [20_000];
  const warmupAt = argv.indexOf('--refit-warmup');
  const warmup = warmupAt >= 0 ? Number(argv[warmupAt + 1]) : REFIT_WARMUP_ROUNDS;
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new Error(`--refit-warmup takes a whole number >= 0, got ${argv[warmupAt + 1]}`);
  const warmupNote =
    warmup === 0
      ? 'no warm-up (`--refit-warmup 0`: the first rounds include V8 compiling the solver)'
      : `up to ${warmup} untimed rounds of every fit (\`--refit-warmup\`; fewer once a round takes over ${WARMUP_LIMIT_MS / 1000} s): a refit worker in a stream has run refits before, so its solver code is optimized, as it is not in a process's first fits`;
  const outAt = argv.indexOf('--refit-out');
  const outName = outAt >= 0 ? (argv[outAt + 1] ?? 'solve-refit') : 'solve-refit';
  log('# Batch solver benchmark: refit of a sparse binomial window');
  log('');
  log(
    `Node ${process.version}, ${new Date().toISOString()}; 2 shared cores, load average ${loadavg()[0]!.toFixed(1)} at the start: times are medians of 3 alternating rounds (each round runs every start once, in turn; 1 round when its runs average > 5 s), after ${warmupNote}, and noisy; "CPU" is this process's user + system time over the same runs.`,
  );
  log(
    'Window: `refitWindow` (bench/solve/refitWindow.ts): events × 2^18 hashed binary columns, 40 distinct ids per event with Zipf popularity, 40 true ids, binomial; standardize on, one λ.',
  );
  log(
    '"warm": the window moved by 10 % (oldest 10 % dropped, 10 % new events), started from the solution on the previous window at the same λ and tolerance; "warm (noisy)": that start plus ±1e-3 on a third of the columns seen (an online model\'s many small weights); "warm (online)": the live online model (FTRL, standardized, the same λ) that learned every event from window A\'s first through B\'s last. "vs cold": warm time / cold time on the same window.',
  );
  log(
    `l1stream at kktTolerance ${DEFAULT_REFIT_KKT} (a binomial refit's default, \`refit.tolerance\` unset) and 1e-4 is compared with glmnet at its default thresh (1e-7), at 1e-10 with glmnet at thresh 1e-10 ("vs glmnet": CPU over CPU, glmnet's measured in its R process around the fit alone); "objective" is that of docs/conventions.md, computed by one function for every solver, with its relative excess over the best of the λ.`,
  );
  log(
    'glmnet is given the single λ, as a refit asks (its own path practice is not used); where it reports that it did not converge, the row says so.',
  );
  if (rscript && peerAt >= 0) log(`\nglmnet run at λ = ${argv[peerAt + 1]} only (\`--peer-lambdas\`).`);
  if (!rscript)
    log(
      noPeers
        ? '\n**Peers not run** (`--no-peers`).'
        : '\n**glmnet peer missing** (Rscript with glmnet and jsonlite not found).',
    );
  log('');
  const result = runRefitBench({
    rows,
    lambdas: [0.005, 0.001],
    ...(peerAt >= 0 ? { peerLambdas: (argv[peerAt + 1] ?? '').split(',').map(Number) } : {}),
    tightBelow: argv.includes('--refit-tight') ? 0 : 0.005,
    rscript,
    peersDir: join(root, 'bench', 'solve', 'peers'),
    log,
    warmup,
  });
  const out = join(root, 'bench', 'results');
  writeFileSync(join(out, `${outName}.md`), `${lines.join('\n')}\n`);
  writeFileSync(join(out, `${outName}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

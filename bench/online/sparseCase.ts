/**
 * The sparse high-cardinality case of bench:online (issue 14), end to end: `l1stream replay` on
 * the JSONL file against Vowpal Wabbit's command line on the same events as text, both timed on
 * the wall clock with process start, at VW's defaults and at a λ tuned for each by a small grid.
 */
import { join } from 'node:path';

import { alternate, median, medianRatio } from '../rounds.js';
import {
  REMOVED_FROM_CHILD_ENV,
  replayWall,
  startupCost,
  vwWall,
  type EndToEndRun,
  type StartupCost,
} from './endToEnd.js';
import {
  generateSparseIds,
  referenceLogLosses,
  sparseIdsDefaults,
  writeSparseIdsJsonl,
  writeSparseIdsVw,
} from './sparseIds.js';

/** VW's defaults for this problem, as the issue ran it. */
const VW_DEFAULT = '--ftrl --loss_function logistic';
/** The tuning grids: l1stream's λ without standardization, VW FTRL's --l1 (McMahan's λ1). */
const L1STREAM_LAMBDAS = [1e-4, 2e-4, 4e-4, 8e-4, 1.6e-3];
const VW_L1 = [5, 10, 20, 40, 80];
/** l1stream doing only what VW does: online learning with progressive validation. */
const LEARNING_ONLY = ['--no-refit', '--no-drift'];

export interface SparseCaseRow {
  readonly system: 'l1stream' | 'vw';
  readonly setting: string;
  readonly command: string;
  /** Wall seconds of each timed round. */
  readonly seconds: readonly number[];
  readonly events: number;
  readonly progressiveLogLoss: number;
  readonly nonZero: number | null;
}

export interface SparseCaseReport {
  readonly stream: typeof sparseIdsDefaults & {
    readonly positiveRate: number;
    readonly bayesLogLoss: number;
    readonly bestConstantLogLoss: number;
  };
  readonly rounds: number;
  readonly grid: ReadonlyArray<{
    system: string;
    setting: string;
    seconds: number;
    progressiveLogLoss: number;
  }>;
  readonly rows: readonly SparseCaseRow[];
  /**
   * Median over rounds of l1stream events/s ÷ VW events/s: at defaults, tuned, and at defaults
   * learning only (no refits, no drift monitor: the work VW does) against VW's defaults.
   */
  readonly ratios: { readonly defaults: number; readonly tuned: number; readonly learningOnly: number };
  /** What the variables removed from the timed processes' environment cost a Node start here. */
  readonly startup: StartupCost;
}

export async function runSparseCase(
  root: string,
  dir: string,
  events: number,
  rounds: number,
  log: (msg: string) => void,
): Promise<SparseCaseReport> {
  const options = { ...sparseIdsDefaults, events };
  const s = generateSparseIds(options);
  const ref = referenceLogLosses(s);
  const jsonl = join(dir, 'sparse-ids.jsonl');
  const vwText = join(dir, 'sparse-ids.vw');
  writeSparseIdsJsonl(s, jsonl);
  writeSparseIdsVw(s, vwText);
  log(
    `sparse ids: ${events} events, Bayes log loss ${ref.bayes.toFixed(4)}, best constant ${ref.bestConstant.toFixed(4)}`,
  );

  const startup = await startupCost(5);
  log(
    `sparse ids: node -e 0 takes ${startup.nodeWith.toFixed(3)} s with this environment, ${startup.nodeWithout.toFixed(3)} s without ${REMOVED_FROM_CHILD_ENV.join(', ')}`,
  );

  // 1. The grids: one run each, the lowest progressive loss wins (tuned on this very stream, alike for both).
  const grid: Array<{ system: string; setting: string; seconds: number; progressiveLogLoss: number }> = [];
  const tune = async (
    system: string,
    settings: readonly string[],
    run: (s: string) => Promise<EndToEndRun>,
  ) => {
    let best = settings[0]!;
    let bestLoss = Infinity;
    for (const setting of settings) {
      const r = await run(setting);
      grid.push({ system, setting, seconds: r.seconds, progressiveLogLoss: r.progressiveLogLoss });
      log(`sparse ids grid: ${system} ${setting}: log loss ${r.progressiveLogLoss.toFixed(4)}`);
      if (r.progressiveLogLoss < bestLoss) [best, bestLoss] = [setting, r.progressiveLogLoss];
    }
    return best;
  };
  const replayTuned = (lambda: string) => ['--no-standardize', '--lambda', lambda];
  const lambda = await tune(
    'l1stream',
    L1STREAM_LAMBDAS.map((l) => String(l)),
    (l) => replayWall(root, jsonl, replayTuned(l)),
  );
  const vwL1 = await tune(
    'vw',
    VW_L1.map((l) => String(l)),
    (l) => vwWall(vwText, `${VW_DEFAULT} --l1 ${l}`),
  );

  // 2. Timed rounds, alternating l1stream and VW.
  const contenders = [
    { system: 'l1stream', setting: 'defaults', command: 'replay --family binomial', flags: [] as string[] },
    { system: 'vw', setting: 'defaults', command: VW_DEFAULT },
    {
      system: 'l1stream',
      setting: `tuned: λ = ${lambda}, standardize off`,
      command: `replay --family binomial ${replayTuned(lambda).join(' ')}`,
      flags: replayTuned(lambda),
    },
    { system: 'vw', setting: `tuned: --l1 ${vwL1}`, command: `${VW_DEFAULT} --l1 ${vwL1}` },
    {
      system: 'l1stream',
      setting: 'defaults, learning only (what VW does: no refits, no drift monitor)',
      command: `replay --family binomial ${LEARNING_ONLY.join(' ')}`,
      flags: LEARNING_ONLY,
    },
  ] as const;
  const measured = await alternate(
    rounds,
    contenders.map(
      (c, i) =>
        [i, () => ('flags' in c ? replayWall(root, jsonl, c.flags) : vwWall(vwText, c.command))] as const,
    ),
    (i, r, round) =>
      log(
        `sparse ids round ${round + 1}/${rounds}: ${contenders[i]!.system} ${contenders[i]!.setting} ${r.seconds.toFixed(2)} s, log loss ${r.progressiveLogLoss.toFixed(4)}`,
      ),
  );
  const rows: SparseCaseRow[] = contenders.map((c, i) => {
    const runs = measured.get(i)!;
    const last = runs[runs.length - 1]!;
    if (last.events !== events)
      throw new Error(`${c.system} ${c.setting} learned ${last.events} of ${events} events`);
    return {
      system: c.system,
      setting: c.setting,
      command: c.command,
      seconds: runs.map((r) => r.seconds),
      events: last.events,
      progressiveLogLoss: last.progressiveLogLoss,
      nonZero: last.nonZero,
    };
  });
  // events/s ratio l1stream ÷ VW within a round = VW seconds ÷ l1stream seconds
  const ratio = (l1: number, vw: number) => medianRatio(rows[vw]!.seconds, rows[l1]!.seconds);
  return {
    stream: {
      ...options,
      positiveRate: ref.positiveRate,
      bayesLogLoss: ref.bayes,
      bestConstantLogLoss: ref.bestConstant,
    },
    rounds,
    grid,
    rows,
    ratios: { defaults: ratio(0, 1), tuned: ratio(2, 3), learningOnly: ratio(4, 1) },
    startup,
  };
}

/** What the timed processes' environment leaves out, and what that costs a Node start here. */
function startupText(s: StartupCost): string {
  const removed = REMOVED_FROM_CHILD_ENV.map((v) => `\`${v}\``).join(', ');
  const cost = `\`node -e 0\` took ${s.nodeWith.toFixed(3)} s with the bench's environment and ${s.nodeWithout.toFixed(3)} s without it (median of ${s.rounds} alternating runs)`;
  return s.extraCaCerts === null
    ? `Both are spawned without ${removed} (not set on this machine: ${cost}).`
    : `Both are spawned without ${removed}, which this machine sets for every process (to \`${s.extraCaCerts}\`): Node then parses that certificate file at every start, before any script runs. ${cost}; Python does not read it.`;
}

/** The case's section of online.md. */
export function sparseCaseMarkdown(r: SparseCaseReport): string[] {
  const st = r.stream;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const gap = (loss: number) => (100 * (loss - st.bayesLogLoss)) / (st.bestConstantLogLoss - st.bayesLogLoss);
  const lines = [
    '## Sparse high-cardinality ids, end to end (JSONL replay vs VW text)',
    '',
    `Stream (bench/online/sparseIds.ts, seed ${st.seed}): ${fmt(st.events)} events, ${fmt(st.ids)} binary ids with Zipf popularity (P(rank r) ∝ 1/(r+1)), ${st.minActive}–${st.maxActive} distinct ids per event, labels from a planted logistic model on ${st.trueIds} ids (intercept −0.5); positive rate ${st.positiveRate.toFixed(3)}. From its true probabilities: **Bayes log loss ${st.bayesLogLoss.toFixed(4)}**, **best constant ${st.bestConstantLogLoss.toFixed(4)}**.`,
    '',
    `Each run is a separate process timed on the wall clock from spawn to exit (process start, reading, parsing, learning and, for l1stream, its default outputs, refits in the worker and drift monitor, which the learning-only row turns off): \`node bin/l1stream.js replay --input F.jsonl --family binomial --out DIR ...\` against \`python3 -m vowpalwabbit -d F.vw ...\` (VW 9's command line from its Python wheel; its default 2^18 hashed weights, exact names for l1stream). ${r.rounds} alternating rounds (l1stream defaults, VW defaults, l1stream tuned, VW tuned, l1stream learning only); time = median; the ratio is the median of the per-round ratios. Progressive log loss (predict, then learn; VW's "average loss" on one pass) is the same in every round.`,
    '',
    startupText(r.startup),
    '',
    '| system | setting | command | wall s (median) | rounds | events/s | progressive log loss | of the way Bayes → constant | non-zeros | l1stream ÷ VW events/s |',
    '|---|---|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  r.rows.forEach((row, i) => {
    const t = median(row.seconds);
    const against = [r.ratios.defaults, null, r.ratios.tuned, null, r.ratios.learningOnly][i] ?? null;
    const ratio = against === null ? '' : `${against.toFixed(3)}×${i === 4 ? ' (vs VW defaults)' : ''}`;
    lines.push(
      `| ${row.system} | ${row.setting} | \`${row.command}\` | ${t.toFixed(2)} | ${row.seconds.map((v) => v.toFixed(2)).join(', ')} | ${fmt(row.events / t)} | ${row.progressiveLogLoss.toFixed(4)} | ${gap(row.progressiveLogLoss).toFixed(0)} % | ${row.nonZero ?? '–'} | ${ratio} |`,
    );
  });
  lines.push(
    '',
    `Tuning (one run per value, the lowest progressive loss kept; tuned on this stream, alike for both): ${[
      'l1stream',
      'vw',
    ]
      .map(
        (sys) =>
          `${sys === 'vw' ? 'VW `--l1`' : 'l1stream `--no-standardize --lambda`'} ${r.grid
            .filter((g) => g.system === sys)
            .map((g) => `${g.setting} → ${g.progressiveLogLoss.toFixed(4)}`)
            .join(', ')}`,
      )
      .join('; ')}.`,
  );
  return lines;
}

/**
 * End-to-end runs of the online benchmark's sparse-ids case, timed on the wall clock from the
 * bench process (process start included): `node bin/l1stream.js replay` over the JSONL file, and
 * Vowpal Wabbit's command line (`python3 -m vowpalwabbit -d FILE`) over the same events as text.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import { median } from '../rounds.js';

const exec = promisify(execFile);

/**
 * Variables removed from the environment of the timed processes. `NODE_EXTRA_CA_CERTS` makes
 * Node (20) read and parse the certificate file it names at every start, before any script runs,
 * whether or not the process ever opens a TLS connection; some machines set it for all processes
 * (this one, to the system's bundle). `startupCost` measures what it costs.
 */
export const REMOVED_FROM_CHILD_ENV = ['NODE_EXTRA_CA_CERTS'] as const;

/** The bench's environment without `REMOVED_FROM_CHILD_ENV`. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of REMOVED_FROM_CHILD_ENV) delete env[name];
  return env;
}

export interface StartupCost {
  /** The value of NODE_EXTRA_CA_CERTS in the bench's environment (null: not set). */
  readonly extraCaCerts: string | null;
  /** Median wall seconds of `node -e 0` with the bench's environment and with `childEnv()`. */
  readonly nodeWith: number;
  readonly nodeWithout: number;
  readonly rounds: number;
}

/** Times `node -e 0` with and without the removed variables, alternating, `rounds` times each. */
export async function startupCost(rounds: number): Promise<StartupCost> {
  const time = async (env: NodeJS.ProcessEnv) => {
    const t0 = performance.now();
    await exec(process.execPath, ['-e', '0'], { env });
    return (performance.now() - t0) / 1000;
  };
  const withVars: number[] = [];
  const without: number[] = [];
  for (let r = 0; r < rounds; r++) {
    withVars.push(await time(process.env));
    without.push(await time(childEnv()));
  }
  return {
    extraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
    nodeWith: median(withVars),
    nodeWithout: median(without),
    rounds,
  };
}

export interface EndToEndRun {
  /** Wall-clock seconds from spawning the process to its exit. */
  readonly seconds: number;
  readonly events: number;
  readonly progressiveLogLoss: number;
  /** Non-zero coefficients at the end (intercept excluded); null when not reported. */
  readonly nonZero: number | null;
}

/** The arguments of `node bin/l1stream.js replay` over a binomial JSONL file, without progress output. */
export function replayArgs(root: string, jsonl: string, outDir: string, flags: readonly string[]): string[] {
  const cli = [join(root, 'bin/l1stream.js'), 'replay', '--input', jsonl, '--family', 'binomial'];
  return [...cli, '--no-progress', '--out', outDir, ...flags];
}

/** `l1stream replay --input FILE --family binomial ...flags` in a fresh output directory. */
export async function replayWall(
  root: string,
  jsonl: string,
  flags: readonly string[],
): Promise<EndToEndRun> {
  const out = mkdtempSync(join(tmpdir(), 'l1s-e2e-'));
  try {
    const args = replayArgs(root, jsonl, out, flags);
    const t0 = performance.now();
    await exec(process.execPath, args, { maxBuffer: 1 << 24, env: childEnv() });
    const seconds = (performance.now() - t0) / 1000;
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      events: number;
      progressiveLoss: number;
      nonZero?: number;
    };
    return {
      seconds,
      events: summary.events,
      progressiveLogLoss: summary.progressiveLoss,
      nonZero: summary.nonZero ?? null,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The number after `label = ` in VW's end-of-run report. */
function vwReport(text: string, label: string): number {
  const m = new RegExp(`^${label} = (\\S+)`, 'm').exec(text);
  if (!m) throw new Error(`Vowpal Wabbit's output has no "${label}": ${text.slice(-300)}`);
  return Number(m[1]);
}

/** `python3 -m vowpalwabbit -d FILE ...args` (VW's own parser and learner loop over the file). */
export async function vwWall(vwText: string, args: string): Promise<EndToEndRun> {
  const t0 = performance.now();
  const { stderr, stdout } = await exec('python3', ['-m', 'vowpalwabbit', '-d', vwText, ...args.split(' ')], {
    maxBuffer: 1 << 24,
    env: childEnv(),
  });
  const seconds = (performance.now() - t0) / 1000;
  const text = `${stdout}\n${stderr}`;
  return {
    seconds,
    events: vwReport(text, 'number of examples'),
    progressiveLogLoss: vwReport(text, 'average loss'),
    nonZero: null,
  };
}

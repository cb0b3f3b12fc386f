/**
 * The l1stream and Vowpal Wabbit runs of the online benchmark: the raw learners on the
 * pre-featurized stream, the replay pipeline (CLI) on JSONL, and VW on its text and cache files.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import type { SparseVector } from '../../src/core/sparse.js';
import { createLearner, type LearnerHyperparameters, type LearnerName } from '../../src/learn/factory.js';
import { softplus } from '../../src/loss/logistic.js';
import { median, medianRatio } from '../rounds.js';
import { replayArgs } from './endToEnd.js';
import type { SparseStream } from './stream.js';

const exec = promisify(execFile);

/** One measured contender: its time in each round, and the quality of the last run. */
export interface Measurement {
  readonly system: 'l1stream' | 'vw';
  readonly input: string;
  readonly learner: string;
  readonly settings: string;
  /** Every repetition's seconds (the first one includes JIT warm-up for l1stream). */
  readonly seconds: readonly number[];
  readonly events: number;
  readonly totalNnz: number;
  readonly progressiveLogLoss: number;
  readonly nonZero: number | null;
  readonly maxRssMb: number | null;
  readonly note?: string;
}

/** The median of the runs' times (rounds alternate with the peer's: bench/rounds.ts). */
export function medianSeconds(m: Measurement): number {
  return median(m.seconds);
}

/**
 * a's events/s ÷ b's: the median of the per-round ratios when both ran in the same rounds,
 * else (the replay rows, one run on a prefix of the stream) the ratio of the median rates.
 */
export function speedRatio(a: Measurement, b: Measurement): number {
  const perEvent = a.events / b.events;
  return a.seconds.length === b.seconds.length
    ? perEvent * medianRatio(b.seconds, a.seconds)
    : perEvent * (medianSeconds(b) / medianSeconds(a));
}

/** A reusable row view (copied from the CSR arrays: what a featurizer's output buffer costs). */
class RowBuffer implements SparseVector {
  indices = new Int32Array(256);
  values = new Float64Array(256);
  nnz = 0;
  load(s: SparseStream, e: number): void {
    const from = s.offsets[e];
    const n = s.offsets[e + 1] - from;
    if (n > this.indices.length) {
      this.indices = new Int32Array(2 * n);
      this.values = new Float64Array(2 * n);
    }
    const si = s.indices;
    const sv = s.values;
    const ri = this.indices;
    const rv = this.values;
    for (let k = 0; k < n; k++) {
      ri[k] = si[from + k];
      rv[k] = sv[from + k];
    }
    this.nnz = n;
  }
}

/** Learner alone on the pre-featurized rows (no featurizer, no scaler): learnOne per event. */
export function runPrefeaturized(
  s: SparseStream,
  name: LearnerName,
  lambda: number,
  hyper: LearnerHyperparameters,
  reps: number,
): Measurement {
  const seconds: number[] = [];
  let loss = 0;
  let nonZero = 0;
  for (let r = 0; r < reps; r++) {
    const learner = createLearner(name, 'binomial', lambda, 1, hyper);
    const row = new RowBuffer();
    const labels = s.labels;
    let sumLoss = 0;
    const t0 = performance.now();
    for (let e = 0; e < s.events; e++) {
      row.load(s, e);
      const y = labels[e];
      const eta = learner.learnOne(row, y);
      sumLoss += softplus(eta) - y * eta;
    }
    seconds.push((performance.now() - t0) / 1000);
    loss = sumLoss / s.events;
    nonZero = 0;
    learner.forEachNonZero(() => nonZero++);
  }
  return {
    system: 'l1stream',
    input: 'pre-featurized',
    learner: name,
    settings: `λ=${lambda}, standardize off, ${JSON.stringify(hyper)}`,
    seconds,
    events: s.events,
    totalNnz: s.totalNnz,
    progressiveLogLoss: loss,
    nonZero,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

interface ReplaySummary {
  readonly events: number;
  readonly progressiveLoss: number;
  readonly nonZero: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/** `l1stream replay` (the whole pipeline: read, parse, validate, featurize by name, hash, learn). */
export async function runReplay(
  root: string,
  jsonl: string,
  outDir: string,
  name: LearnerName,
  lambda: number,
  hashBits: number,
  s: SparseStream,
  reps: number,
): Promise<Measurement> {
  const seconds: number[] = [];
  let summary: ReplaySummary | null = null;
  const args = replayArgs(root, jsonl, outDir, [
    '--learner',
    name,
    '--lambda',
    String(lambda),
    '--hash-bits',
    String(hashBits),
    '--no-standardize',
    '--snapshot-every',
    String(s.events),
  ]);
  for (let r = 0; r < reps; r++) {
    const { stderr } = await exec(process.execPath, args, { maxBuffer: 1 << 24 });
    summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8').trim()) as ReplaySummary;
    if (summary.events !== s.events) {
      throw new Error(`replay learned ${summary.events} events, expected ${s.events}: ${stderr}`);
    }
    seconds.push(summary.seconds);
  }
  return {
    system: 'l1stream',
    input: 'JSONL (replay CLI)',
    learner: name,
    settings: `λ=${lambda}, --hash-bits ${hashBits}, --no-standardize`,
    seconds,
    events: s.events,
    totalNnz: s.totalNnz,
    progressiveLogLoss: summary!.progressiveLoss,
    nonZero: summary!.nonZero,
    maxRssMb: null,
    note: 'time = summary.json "seconds" (read + decode + featurize + learn + snapshot), process start excluded',
  };
}

interface VwOutput {
  readonly version: string;
  readonly args: string;
  readonly seconds: number[];
  readonly setupSeconds: number;
  readonly examples: number;
  readonly averageLoss: number;
  readonly nonZero: number | null;
  readonly maxRssMb: number;
}

/** VW through its Python module, but with VW's own parser and learner loop over the file. */
export async function runVw(
  script: string,
  data: string,
  vwArgs: string,
  input: string,
  learner: string,
  readable: string,
  s: SparseStream,
  reps: number,
): Promise<Measurement & { readonly setupSeconds: number; readonly version: string }> {
  const spec = JSON.stringify({ data, args: vwArgs, reps, readable });
  const { stdout } = await exec('python3', [script, spec], { maxBuffer: 1 << 24 });
  const out = JSON.parse(stdout.trim().split('\n').pop()!) as VwOutput;
  if (out.examples !== s.events) throw new Error(`VW saw ${out.examples} examples, expected ${s.events}`);
  return {
    system: 'vw',
    input,
    learner,
    settings: vwArgs,
    // VW's time with its setup (allocating the 2^b weight table, measured on an empty file) removed.
    seconds: out.seconds.map((t) => Math.max(t - out.setupSeconds, 1e-9)),
    setupSeconds: out.setupSeconds,
    version: out.version,
    events: s.events,
    totalNnz: s.totalNnz,
    progressiveLogLoss: out.averageLoss,
    nonZero: out.nonZero,
    maxRssMb: out.maxRssMb,
  };
}

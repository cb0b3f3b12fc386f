/**
 * Drift benchmark: detection delay (events after the change) and false alarms per million events
 * for each detector over many seeds, with River's ADWIN and PageHinkley run side by side on the
 * same (bit-identical) streams through a Python subprocess. Writes bench/results/drift.md and .json.
 *
 * Run: npm run bench:drift   (or: npx tsx bench/drift/run.ts [--seeds N])
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  Adwin,
  DEFAULT_DRIFT_CONFIG,
  DriftMonitor,
  GuardedDetector,
  PageHinkley,
  type ScalarDetector,
} from '../../src/drift/index.js';
import type { Alert, ModelSnapshot } from '../../src/model/snapshot.js';
import type { LearnedBatch } from '../../src/stream/types.js';
import { sequentialBench } from './sequential.js';
import { generate, Mulberry32, type Segment, type StreamSpec } from './streams.js';

const seedsArg = process.argv.indexOf('--seeds');
const SEEDS = seedsArg > 0 ? Number(process.argv[seedsArg + 1]) : 20;
const STATIONARY_SEEDS = Math.max(1, Math.round(SEEDS / 10));
const here = dirname(fileURLToPath(import.meta.url));
const root = [process.cwd(), resolve(here, '../..'), resolve(here, '../../..')].find((r) =>
  existsSync(join(r, 'bench/drift/river_peer.py')),
)!;

// ---------------------------------------------------------------------------------------------
// Loss detectors (scalar streams)

interface Scenario {
  readonly name: string;
  readonly changeAt: number | null;
  readonly specs: StreamSpec[];
}

function scenario(name: string, pre: Segment, post: Segment | null, seeds: number, base: number): Scenario {
  return {
    name,
    changeAt: post === null ? null : pre.length,
    specs: Array.from({ length: seeds }, (_, s) => ({
      seed: base + s,
      segments: post === null ? [pre] : [pre, post],
    })),
  };
}

const scalarScenarios: Scenario[] = [
  scenario(
    'label rate 0.30 → 0.40',
    { kind: 'bernoulli', length: 20_000, p: 0.3 },
    { kind: 'bernoulli', length: 20_000, p: 0.4 },
    SEEDS,
    1000,
  ),
  scenario(
    'label rate 0.10 → 0.13',
    { kind: 'bernoulli', length: 20_000, p: 0.1 },
    { kind: 'bernoulli', length: 30_000, p: 0.13 },
    SEEDS,
    2000,
  ),
  scenario(
    'loss mean +0.5 sd (3 → 3.5)',
    { kind: 'normal', length: 20_000, mean: 3, sd: 1 },
    { kind: 'normal', length: 20_000, mean: 3.5, sd: 1 },
    SEEDS,
    3000,
  ),
  scenario(
    'loss mean +0.2 sd (3 → 3.2)',
    { kind: 'normal', length: 20_000, mean: 3, sd: 1 },
    { kind: 'normal', length: 30_000, mean: 3.2, sd: 1 },
    SEEDS,
    4000,
  ),
  scenario(
    'stationary Bernoulli(0.3), 1M',
    { kind: 'bernoulli', length: 1_000_000, p: 0.3 },
    null,
    STATIONARY_SEEDS,
    5000,
  ),
  scenario(
    'stationary normal(3, 1), 1M',
    { kind: 'normal', length: 1_000_000, mean: 3, sd: 1 },
    null,
    STATIONARY_SEEDS,
    6000,
  ),
];

const guard = DEFAULT_DRIFT_CONFIG.loss;
const ours: Record<string, () => ScalarDetector> = {
  'l1stream ADWIN (River defaults)': () => new Adwin(),
  'l1stream PageHinkley (River defaults)': () => new PageHinkley(),
  'l1stream ADWIN (l1stream defaults)': () =>
    new GuardedDetector('adwin', {
      warmup: guard.warmupEvents,
      cooldown: guard.cooldownEvents,
      adwin: guard.adwin,
    }),
  'l1stream PageHinkley (l1stream defaults)': () =>
    new GuardedDetector('page-hinkley', {
      warmup: guard.warmupEvents,
      cooldown: guard.cooldownEvents,
      pageHinkley: guard.pageHinkley,
    }),
};
const riverDetectors = [
  { id: 'River ADWIN (defaults)', kind: 'adwin', params: {} },
  { id: 'River PageHinkley (defaults)', kind: 'ph', params: {} },
  { id: `River ADWIN (delta=${guard.adwin.delta})`, kind: 'adwin', params: { delta: guard.adwin.delta } },
  // l1stream's Page-Hinkley thresholds are in baseline sds: the same test in River's raw units
  {
    id: `River PageHinkley (delta=${guard.pageHinkley.delta}σ, threshold=${guard.pageHinkley.threshold}σ, alpha=1)`,
    kind: 'ph',
    params: {},
  },
];
const PH_EQUIVALENT = riverDetectors[3].id;

/** Standard deviation of a stream's first segment (known from its spec). */
function sdOf(spec: StreamSpec): number {
  const g = spec.segments[0];
  return g.kind === 'bernoulli'
    ? Math.sqrt(g.p * (1 - g.p))
    : g.kind === 'normal'
      ? g.sd
      : g.width / Math.sqrt(12);
}
const identicalTo: Record<string, string> = {
  'l1stream ADWIN (River defaults)': 'River ADWIN (defaults)',
  'l1stream PageHinkley (River defaults)': 'River PageHinkley (defaults)',
};

type Hits = Record<string, Record<string, number[]>>; // stream id → detector → indices

function runOurs(): { hits: Hits; seconds: Record<string, number> } {
  const hits: Hits = {};
  const seconds: Record<string, number> = Object.fromEntries(Object.keys(ours).map((k) => [k, 0]));
  for (const sc of scalarScenarios) {
    sc.specs.forEach((spec, s) => {
      const xs = generate(spec);
      const id = `${sc.name}#${s}`;
      hits[id] = {};
      for (const [name, make] of Object.entries(ours)) {
        const det = make();
        const found: number[] = [];
        const t = performance.now();
        for (let i = 0; i < xs.length; i++) {
          det.update(xs[i]);
          if (det.driftDetected) found.push(i);
        }
        seconds[name] += (performance.now() - t) / 1000;
        hits[id][name] = found;
      }
    });
  }
  return { hits, seconds };
}

function runRiver(): { hits: Hits; seconds: Record<string, number>; version: string } | { error: string } {
  const job = {
    streams: scalarScenarios.flatMap((sc) =>
      sc.specs.map((spec, s) => {
        const sd = sdOf(spec);
        const ph = {
          delta: guard.pageHinkley.delta * sd,
          threshold: guard.pageHinkley.threshold * sd,
          alpha: 1,
          min_instances: guard.pageHinkley.minInstances,
        };
        return { id: `${sc.name}#${s}`, spec, params: { [PH_EQUIVALENT]: ph } };
      }),
    ),
    detectors: riverDetectors,
  };
  const python = process.env.PYTHON ?? 'python3';
  const r = spawnSync(python, [join(root, 'bench/drift/river_peer.py')], {
    input: JSON.stringify(job),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.error) return { error: `could not run ${python}: ${r.error.message}` };
  if (r.status !== 0)
    return { error: `River peer failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}` };
  const out = JSON.parse(r.stdout) as {
    error?: string;
    river: string;
    results: Hits;
    seconds: Record<string, number>;
  };
  if (out.error) return { error: out.error };
  return { hits: out.results, seconds: out.seconds, version: out.river };
}

interface Row {
  readonly detector: string;
  readonly detected: string;
  readonly meanDelay: number | null;
  readonly medianDelay: number | null;
  readonly falseAlarmsPerMillion: number;
}

function summarize(sc: Scenario, detector: string, hits: Hits): Row {
  const delays: number[] = [];
  let falseAlarms = 0;
  let quietEvents = 0;
  sc.specs.forEach((spec, s) => {
    const found = hits[`${sc.name}#${s}`][detector];
    const change = sc.changeAt ?? Infinity;
    falseAlarms += found.filter((i) => i < change).length;
    quietEvents += Math.min(
      change,
      spec.segments.reduce((a, g) => a + g.length, 0),
    );
    const first = found.find((i) => i >= change);
    if (first !== undefined) delays.push(first - change);
  });
  delays.sort((a, b) => a - b);
  return {
    detector,
    detected: sc.changeAt === null ? '–' : `${delays.length}/${sc.specs.length}`,
    meanDelay: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null,
    medianDelay: delays.length ? delays[Math.floor((delays.length - 1) / 2)] : null,
    falseAlarmsPerMillion: (falseAlarms / quietEvents) * 1e6,
  };
}

// ---------------------------------------------------------------------------------------------
// Feature and model detectors, through the DriftMonitor with default settings

const RATES = Array.from({ length: 60 }, (_, j) => [0.5, 0.2, 0.05, 0.01, 0.002][j % 5]);

function* featureBatches(
  seed: number,
  n: number,
  after: readonly number[] | null,
  changeAt: number,
): Generator<LearnedBatch> {
  const rng = new Mulberry32(seed);
  const size = 1000;
  for (let b = 0; b < n / size; b++) {
    const starts = new Int32Array(size + 1);
    const idx: number[] = [];
    const labels = new Float64Array(size);
    const losses = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const e = b * size + i;
      const rates = after !== null && e >= changeAt ? after : RATES;
      starts[i] = idx.length;
      for (let j = 0; j < rates.length; j++) if (rng.next() < rates[j]) idx.push(j);
      labels[i] = rng.next() < 0.3 ? 1 : 0;
      losses[i] = labels[i] === 1 ? -Math.log(0.3) : -Math.log(0.7);
    }
    starts[size] = idx.length;
    yield {
      key: 'bench',
      offset: (b + 1) * size,
      count: size,
      labelled: new Uint8Array(size).fill(1),
      labels,
      predictions: new Float64Array(size).fill(0.3),
      losses,
      featureStarts: starts,
      featureIndices: Int32Array.from(idx),
      nameOf: (j: number) => `f${j}`,
      rejected: 0,
      records: [],
    };
  }
}

function snapshots(
  seed: number,
  count: number,
  every: number,
  change: ((c: Record<string, number>) => void) | null,
  changeAt: number,
): ModelSnapshot[] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: count }, (_, v) => {
    const j = () => 1 + 0.4 * (rng.next() - 0.5);
    const c: Record<string, number> = { a: 2 * j(), b: -1 * j(), c: 0.5 * j(), d: 0.3 * j(), e: -0.2 * j() };
    const near = 0.01 * (rng.next() - 0.5);
    if (near > 0) c.hover = near;
    if (change !== null && v >= changeAt) change(c);
    return {
      key: 'bench',
      version: v + 1,
      offset: (v + 1) * every,
      source: 'online',
      family: 'gaussian',
      learner: 'ftrl',
      lambda: 0.01,
      l1Ratio: 1,
      intercept: 0,
      coefficients: c,
      createdAt: '',
    };
  });
}

interface ModelRow {
  readonly scenario: string;
  readonly type: string;
  readonly detected: string;
  readonly meanDelay: number | null;
  readonly named: string;
  readonly falseAlarmsPerMillion: number;
}

function monitorScenarios(): ModelRow[] {
  const rows: ModelRow[] = [];
  const clock = () => new Date(0);
  const n = 200_000;
  const changeAt = 100_000;
  const inputCases = [
    {
      name: 'feature f7 (rate 5%) stops arriving',
      after: RATES.map((r, j) => (j === 7 ? 0 : r)),
      expect: 'f7',
      field: 'stopped',
    },
    {
      name: 'feature f3 (rate 1%) stops arriving',
      after: RATES.map((r, j) => (j === 3 ? 0 : r)),
      expect: 'f3',
      field: 'stopped',
    },
    { name: 'new field f60 (rate 1%) appears', after: [...RATES, 0.01], expect: 'f60', field: 'appeared' },
  ];
  const seeds = Math.max(3, Math.round(SEEDS / 2));
  for (const c of inputCases) {
    const delays: number[] = [];
    let named = 0;
    let fa = 0;
    for (let s = 0; s < seeds; s++) {
      const m = new DriftMonitor({ family: 'binomial', clock });
      const alerts: Alert[] = [];
      for (const b of featureBatches(7000 + s, n, c.after, changeAt)) alerts.push(...m.onBatch(b));
      const input = alerts.filter((a) => a.type === 'input-drift');
      fa += input.filter((a) => a.offset <= changeAt).length;
      const hit = input.find((a) => a.offset > changeAt);
      if (hit) {
        delays.push(hit.offset - changeAt);
        if ((hit.details[c.field] as Array<{ feature: string }>).some((x) => x.feature === c.expect)) named++;
      }
    }
    rows.push({
      scenario: c.name,
      type: 'input-drift',
      detected: `${delays.length}/${seeds}`,
      meanDelay: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null,
      named: `${named}/${seeds}`,
      falseAlarmsPerMillion: (fa / (seeds * changeAt)) * 1e6,
    });
  }
  // stationary 1M events through the whole monitor
  const counts: Record<string, number> = { 'input-drift': 0, 'loss-drift': 0 };
  for (let s = 0; s < STATIONARY_SEEDS; s++) {
    const m = new DriftMonitor({ family: 'binomial', clock });
    for (const b of featureBatches(8000 + s, 1_000_000, null, 0))
      for (const a of m.onBatch(b)) counts[a.type] = (counts[a.type] ?? 0) + 1;
  }
  for (const [type, k] of Object.entries(counts)) {
    rows.push({
      scenario: `stationary features + labels, 1M events × ${STATIONARY_SEEDS}`,
      type,
      detected: '–',
      meanDelay: null,
      named: '–',
      falseAlarmsPerMillion: k / STATIONARY_SEEDS,
    });
  }
  // model snapshots every 10 000 events: 100 snapshots = 1M events
  const every = 10_000;
  const modelCases = [
    {
      name: 'support: c leaves, f enters',
      type: 'support-drift',
      change: (c: Record<string, number>) => {
        delete c.c;
        c.f = 0.4;
      },
      expect: 'f',
    },
    {
      name: 'sign of b flips',
      type: 'sign-flip',
      change: (c: Record<string, number>) => {
        c.b = -c.b;
      },
      expect: 'b',
    },
    {
      name: 'stationary snapshots (jitter ±20%, one coefficient hovering at 0)',
      type: '*',
      change: null,
      expect: '',
    },
  ];
  for (const c of modelCases) {
    const delays: number[] = [];
    let named = 0;
    let fa = 0;
    const wrong: Record<string, number> = {};
    for (let s = 0; s < seeds; s++) {
      const m = new DriftMonitor({ clock });
      const alerts = snapshots(9000 + s, 100, every, c.change, 50).flatMap((snap) => m.onSnapshot(snap));
      const changeOffset = 50 * every;
      fa += alerts.filter((a) => a.offset <= changeOffset || c.change === null).length;
      for (const a of alerts)
        if (a.type !== c.type && a.offset > changeOffset && c.change !== null)
          wrong[a.type] = (wrong[a.type] ?? 0) + 1;
      const hit = alerts.find((a) => a.type === c.type && a.offset > changeOffset);
      if (hit) {
        delays.push(hit.offset - changeOffset);
        if (JSON.stringify(hit.details).includes(`"${c.expect}"`)) named++;
      }
    }
    rows.push({
      scenario: c.name + (Object.keys(wrong).length ? ` (other alerts: ${JSON.stringify(wrong)})` : ''),
      type: c.type,
      detected: c.change === null ? '–' : `${delays.length}/${seeds}`,
      meanDelay: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null,
      named: c.change === null ? '–' : `${named}/${seeds}`,
      falseAlarmsPerMillion: (fa / (seeds * (c.change === null ? 100 : 50) * every)) * 1e6,
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

const fmt = (x: number | null, d = 0) => (x === null ? '–' : x.toFixed(d));

function main(): void {
  const started = performance.now();
  console.error(
    `drift bench: ${SEEDS} seeds per change scenario, ${STATIONARY_SEEDS} per stationary 1M stream`,
  );
  const mine = runOurs();
  const river = runRiver();
  const lines: string[] = [];
  lines.push('# Drift detection benchmark', '');
  lines.push(
    `Generated by \`npm run bench:drift\` (bench/drift/run.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`,
  );
  lines.push(
    `${SEEDS} seeds per change scenario, ${STATIONARY_SEEDS} seeds per stationary stream of 1M events. Streams are bit-identical for both libraries (bench/drift/streams.ts ≡ scripts/fixtures/drift/streams.py).`,
  );
  lines.push(
    'Delay = events after the change until the first detection at or after it (mean and median over the seeds that detected). False alarms = detections before the change, and all detections on stationary streams, per million events.',
    '',
  );
  const riverNote =
    'error' in river
      ? `**River peer not run: ${river.error}.** Install it with \`pip install river\`.`
      : `River ${river.version}, same process tree (Python subprocess).`;
  lines.push('## Loss detectors, side by side with River', '', riverNote, '');
  const hits: Hits = {};
  for (const id of Object.keys(mine.hits))
    hits[id] = { ...mine.hits[id], ...('error' in river ? {} : river.hits[id]) };
  const detectors = [...Object.keys(ours), ...('error' in river ? [] : riverDetectors.map((d) => d.id))];
  const json: Record<string, unknown> = {
    seeds: SEEDS,
    stationarySeeds: STATIONARY_SEEDS,
    river: 'error' in river ? river.error : river.version,
    scalar: {} as Record<string, Row[]>,
  };
  for (const sc of scalarScenarios) {
    lines.push(
      `### ${sc.name}`,
      '',
      '| detector | detected | mean delay | median delay | false alarms / 1M |',
      '|---|---:|---:|---:|---:|',
    );
    const rows = detectors.map((d) => summarize(sc, d, hits));
    (json.scalar as Record<string, Row[]>)[sc.name] = rows;
    for (const r of rows)
      lines.push(
        `| ${r.detector} | ${r.detected} | ${fmt(r.meanDelay)} | ${fmt(r.medianDelay)} | ${fmt(r.falseAlarmsPerMillion, 1)} |`,
      );
    lines.push('');
  }
  if (!('error' in river)) {
    let same = 0;
    let total = 0;
    for (const id of Object.keys(hits)) {
      for (const [o, r] of Object.entries(identicalTo)) {
        total++;
        if (JSON.stringify(hits[id][o]) === JSON.stringify(hits[id][r])) same++;
      }
    }
    lines.push(
      `Parity: with River's parameters, l1stream's ADWIN and PageHinkley fired at exactly River's indices on ${same}/${total} (stream, detector) pairs.`,
      '',
    );
    const speed = Object.entries(identicalTo).map(
      ([o, r]) => `${o.split(' (')[0]}: ${(river.seconds[r] / mine.seconds[o]).toFixed(1)}× River's speed`,
    );
    lines.push(`Throughput on the same streams (River defaults): ${speed.join('; ')}.`, '');
  }
  lines.push('## Feature and model detectors (DriftMonitor, default settings)', '');
  lines.push(
    '| scenario | alert type | detected | mean delay (events) | right feature named | false alarms / 1M |',
    '|---|---|---:|---:|---:|---:|',
  );
  const modelRows = monitorScenarios();
  json.monitor = modelRows;
  for (const r of modelRows)
    lines.push(
      `| ${r.scenario} | ${r.type} | ${r.detected} | ${fmt(r.meanDelay)} | ${r.named} | ${fmt(r.falseAlarmsPerMillion, 2)} |`,
    );
  lines.push(
    '',
    'Input drift is found by the sequential tests (the default since issue 12): a stopped feature once its absence is improbable, an appeared one once seen over 1000 events. Snapshots come every 10 000 events with persistence 2, so a support move or sign flip is confirmed by the second snapshot after it.',
    '',
  );
  const sequential = sequentialBench(SEEDS, STATIONARY_SEEDS);
  lines.push(...sequential.lines);
  json.sequential = sequential.json;
  const out = lines.join('\n');
  console.log(out);
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'drift.md'), out);
  writeFileSync(join(dir, 'drift.json'), JSON.stringify(json, null, 1) + '\n');
  console.error(
    `wrote bench/results/drift.md and drift.json in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

main();

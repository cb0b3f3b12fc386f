import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { pino } from 'pino';
import { lastValueFrom, merge, share, tap, ignoreElements } from 'rxjs';

import { JsonlWriter, readJsonl } from '../../connectors/file/jsonl.js';
import { checkModelConfig } from '../config/modelConfig.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { Family } from '../core/event.js';
import { OnlineModel, type OnlineModelOptions } from '../model/onlineModel.js';
import type { Alert, ModelSnapshot } from '../model/snapshot.js';
import { decodeEvents } from '../stream/decodeEvents.js';
import { learn } from '../stream/learn.js';
import { snapshotEvery } from '../stream/snapshotEvery.js';
import type { DeadLetter, DeadLetterSink } from '../stream/types.js';
import { numberFlag, parseCommandArgs, readJsonConfig, UsageError, type CliIO } from './io.js';
import type { Command } from './main.js';
import { formatCount, ProgressLine } from './progress.js';
import { attachDrift } from './replayDrift.js';
import { validateDriftConfig } from '../drift/config.js';

const usage = `usage: l1stream replay --input FILE.jsonl --family gaussian|binomial [options]

Runs the streaming pipeline over a JSON-lines file of events as if it were a topic: each event is
predicted, then learned from (progressive validation). Writes to --out DIR:
  models.jsonl        model snapshots (every --snapshot-every events and at the end)
  alerts.jsonl        drift alerts
  dead-letters.jsonl  rejected lines with the reason (line number, stage, original text)
  summary.json        events, progressiveLoss, eventsPerSecond, metrics, rejections

options:
  --input FILE          JSON-lines events (DESIGN §2), required
  --family F            gaussian | binomial (required unless in --config)
  --learner L           ftrl (default) | fobos | truncated-gradient
  --lambda L            penalty λ on the per-event scale of DESIGN §1 (default 5e-3)
  --l1-ratio A          L1 share α in (0, 1] (default 1: lasso)
  --no-standardize      learn on raw columns (default: unit population sd, as glmnet)
  --hash-bits B         hashing trick with 2^B columns (default: exact feature names)
  --config FILE         JSON configuration ({"model": {...}, "replay": {...}}); flags override it
  --out DIR             output directory (default ./l1stream-out)
  --snapshot-every N    events between model snapshots (default 100000)
  --batch-size N        records per batch (default 1024)
  --key K               model key (default: "default")
  --progress            progress on stderr even when it is not a terminal (--no-progress: never)`;

const options = {
  input: { type: 'string' },
  family: { type: 'string' },
  learner: { type: 'string' },
  lambda: { type: 'string' },
  'l1-ratio': { type: 'string' },
  standardize: { type: 'boolean' },
  'hash-bits': { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
  'snapshot-every': { type: 'string' },
  'batch-size': { type: 'string' },
  key: { type: 'string' },
  progress: { type: 'boolean' },
} as const;

interface ReplaySettings {
  readonly input: string;
  readonly out: string;
  readonly snapshotEvery: number;
  readonly batchSize: number;
  readonly model: OnlineModelOptions;
  readonly drift: unknown;
  readonly progress: boolean | undefined;
}

async function settingsFrom(argv: readonly string[]): Promise<ReplaySettings> {
  const { values } = parseCommandArgs(argv, options);
  if (values.input === undefined) throw new UsageError('--input FILE is required');
  const config = values.config ? await readJsonConfig(values.config) : {};
  const problems: ConfigProblem[] = [];
  for (const k of Object.keys(config)) {
    if (!['model', 'replay', 'drift'].includes(k)) {
      problems.push({ path: k, message: 'unknown section for replay (known: model, replay, drift)' });
    }
  }
  const model: Record<string, unknown> = { ...((config.model as Record<string, unknown> | undefined) ?? {}) };
  if (values.family !== undefined) model.family = values.family;
  if (values.learner !== undefined) model.learner = values.learner;
  if (values.key !== undefined) model.key = values.key;
  const lambda = numberFlag('lambda', values.lambda, { min: 0 });
  if (lambda !== undefined) model.lambda = lambda;
  const l1Ratio = numberFlag('l1-ratio', values['l1-ratio'], { min: 0, exclusiveMin: true, max: 1 });
  if (l1Ratio !== undefined) model.l1Ratio = l1Ratio;
  const hashBits = numberFlag('hash-bits', values['hash-bits'], { min: 1, max: 28, integer: true });
  if (hashBits !== undefined) model.hashBits = hashBits;
  if (values.standardize !== undefined) model.standardize = values.standardize;
  if (model.family === undefined) {
    throw new UsageError('--family gaussian|binomial is required (or model.family in --config)');
  }
  const checked = checkModelConfig(model, 'model');
  problems.push(...checked.problems);
  problems.push(...validateDriftConfig(config.drift, 'drift'));
  const replay = (config.replay as Record<string, unknown> | undefined) ?? {};
  const snapshotEvery =
    numberFlag('snapshot-every', values['snapshot-every'], { min: 1, integer: true }) ??
    (replay.snapshotEvery as number | undefined) ??
    100_000;
  const batchSize =
    numberFlag('batch-size', values['batch-size'], { min: 1, integer: true }) ??
    (replay.batchSize as number | undefined) ??
    1024;
  for (const [k, v] of [
    ['snapshotEvery', snapshotEvery],
    ['batchSize', batchSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      problems.push({
        path: `replay.${k}`,
        message: `must be a whole number >= 1, got ${JSON.stringify(v)}`,
      });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    input: values.input,
    out: values.out ?? (replay.out as string | undefined) ?? 'l1stream-out',
    snapshotEvery,
    batchSize,
    model: checked.options!,
    drift: config.drift,
    progress: values.progress,
  };
}

/** Dead letters to a JSONL file, counted by reason. */
class FileDeadLetters implements DeadLetterSink {
  readonly byReason = new Map<string, number>();
  count = 0;
  constructor(readonly writer: JsonlWriter) {}
  deadLetter(letter: DeadLetter): void {
    this.count++;
    const reasonKey = letter.reason
      .replace(/\(.*\)$/, '')
      .replace(/ at position \d+.*$/, '')
      .slice(0, 120);
    this.byReason.set(reasonKey, (this.byReason.get(reasonKey) ?? 0) + 1);
    this.writer.write({
      line: Number(letter.position.offset),
      source: letter.position.source,
      stage: letter.stage,
      reason: letter.reason,
      value: typeof letter.value === 'string' ? letter.value : Buffer.from(letter.value).toString('base64'),
    });
  }
}

export interface ReplaySummary {
  readonly input: string;
  readonly family: Family;
  readonly learner: string;
  readonly lambda: number;
  readonly l1Ratio: number;
  readonly events: number;
  readonly scored: number;
  readonly rejected: number;
  readonly rejectedByReason: Record<string, number>;
  readonly progressiveLoss: number | null;
  readonly metrics: Record<string, number | null>;
  readonly nonZero: number;
  readonly features: number;
  readonly models: number;
  readonly alerts: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/** Runs a replay and returns its summary (also written to DIR/summary.json). */
export async function replay(settings: ReplaySettings, io: CliIO): Promise<ReplaySummary> {
  const out = resolve(settings.out);
  await mkdir(out, { recursive: true });
  const models = new JsonlWriter(join(out, 'models.jsonl'));
  const alerts = new JsonlWriter(join(out, 'alerts.jsonl'));
  const deadLetters = new FileDeadLetters(new JsonlWriter(join(out, 'dead-letters.jsonl')));
  const model = new OnlineModel(settings.model);
  const progress = new ProgressLine(io, settings.progress ?? io.interactive);
  let bytesRead = 0;
  let totalBytes = 0;
  const started = performance.now();
  let lastSnapshot: ModelSnapshot | null = null;

  const learned$ = readJsonl(settings.input, {
    batchSize: settings.batchSize,
    onProgress: (b, t) => {
      bytesRead = b;
      totalBytes = t;
    },
  }).pipe(
    decodeEvents({ family: model.family, deadLetters }),
    learn(model, { deadLetters }),
    tap(() =>
      progress.update(() => {
        const s = (performance.now() - started) / 1000;
        const pct = totalBytes > 0 ? ` (${((100 * bytesRead) / totalBytes).toFixed(0)}%)` : '';
        return `replay: ${formatCount(model.offset)} events${pct}, ${formatCount(model.offset / Math.max(s, 1e-9))} ev/s, loss ${model.metrics.progressiveLoss.toFixed(4)}, rejected ${deadLetters.count}`;
      }),
    ),
    share(),
  );
  const snapshots$ = learned$.pipe(
    snapshotEvery(model, settings.snapshotEvery),
    tap((s) => {
      lastSnapshot = s;
      models.write(s);
    }),
    share(),
  );
  const alerts$ = attachDrift(settings.drift, learned$, snapshots$, (a: Alert) => alerts.write(a), {
    family: model.family,
    scaleOf: (name) => model.featureScale(name),
    logger: pino({ name: 'l1stream', level: process.env.L1S_LOG_LEVEL ?? 'warn' }, io.stderr),
  });
  try {
    await lastValueFrom(merge(snapshots$.pipe(ignoreElements()), alerts$.pipe(ignoreElements())), {
      defaultValue: null,
    });
  } finally {
    progress.done();
    await Promise.all([models.close(), alerts.close(), deadLetters.writer.close()]);
  }
  const seconds = (performance.now() - started) / 1000;
  const snap = lastSnapshot as ModelSnapshot | null;
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(model.metrics.summary())) metrics[k] = Number.isFinite(v) ? v : null;
  const summary: ReplaySummary = {
    input: settings.input,
    family: model.family,
    learner: model.learnerName,
    lambda: model.lambda,
    l1Ratio: model.l1Ratio,
    events: model.offset,
    scored: model.scoredEvents,
    rejected: deadLetters.count,
    rejectedByReason: Object.fromEntries(deadLetters.byReason),
    progressiveLoss: metrics.progressiveLoss ?? null,
    metrics,
    nonZero: snap ? Object.keys(snap.coefficients).length : 0,
    features: model.featurizer.dimension,
    models: models.count,
    alerts: alerts.count,
    seconds,
    eventsPerSecond: model.offset / Math.max(seconds, 1e-9),
  };
  const summaryWriter = new JsonlWriter(join(out, 'summary.json'));
  summaryWriter.write(summary);
  await summaryWriter.close();
  return summary;
}

export const replayCommand: Command = {
  summary: 'run the streaming pipeline over a JSONL file',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const settings = await settingsFrom(argv);
    const summary = await replay(settings, io);
    const loss = summary.progressiveLoss === null ? 'n/a' : summary.progressiveLoss.toFixed(5);
    io.stderr.write(
      `replay: ${formatCount(summary.events)} events learned, ${formatCount(summary.scored)} scored, ${formatCount(summary.rejected)} rejected; ` +
        `progressive ${summary.family === 'binomial' ? 'log loss' : 'MSE'} ${loss}; ${summary.nonZero} non-zero coefficients; ` +
        `${formatCount(summary.eventsPerSecond)} events/s; wrote ${resolve(settings.out)}\n`,
    );
    return 0;
  },
};

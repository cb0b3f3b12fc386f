import type { Engine } from '../engine/engine.js';
import type { Family } from '../core/event.js';
import type { RefitStats } from '../stream/refitEvery.js';

/** `summary.json` of a replay or a file run: what was read, learned, rejected and written. */
export interface RunSummary {
  readonly input: string;
  readonly family: Family;
  readonly learner: string;
  readonly lambda: number;
  readonly l1Ratio: number;
  /** Labelled events learned (all keys). */
  readonly events: number;
  /** Unlabelled events scored. */
  readonly scored: number;
  readonly rejected: number;
  /** Rejections by reason (a null-prototype object: reasons are data). */
  readonly rejectedByReason: Record<string, number>;
  readonly progressiveLoss: number | null;
  readonly metrics: Record<string, number | null>;
  /** Non-zero coefficients of the last snapshot (single model) or summed over keys. */
  readonly nonZero: number;
  /** Columns with a name on record (single model) or summed over keys. */
  readonly features: number;
  /** Model keys seen. */
  readonly keys: number;
  /** Snapshots written (online and refit). */
  readonly models: number;
  readonly scores: number;
  readonly alerts: number;
  readonly refits: RefitStats;
  readonly evictions: number;
  /** Events not learned again because their model's stored state already covered them (a resume). */
  readonly skippedCovered: number;
  /** Checkpoints into --state DIR: how many, model states written, their bytes and milliseconds. */
  readonly checkpoints: {
    readonly count: number;
    readonly models: number;
    readonly bytes: number;
    readonly ms: number;
  };
  /** A run that went on from a state directory's checkpoint: after which line, and whether the run before had finished. */
  readonly resume?: { readonly fromLine: number; readonly previousRunComplete: boolean };
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The signal that stopped the run early (absent when it read its whole input). */
  readonly interrupted?: string;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The summary of a finished engine run over `input`. */
export function summarize(engine: Engine, input: string): RunSummary {
  const s = engine.stats();
  const { config } = engine;
  const metrics: Record<string, number | null> = Object.create(null) as Record<string, number | null>;
  let nonZero = 0;
  let features = 0;
  const single = config.keys.keyBy === null ? engine.registry.peekLive(config.keys.defaultKey) : undefined;
  const source = single ? single.model.metrics.summary() : engine.metrics.summary();
  for (const [k, v] of Object.entries(source)) metrics[k] = finite(v);
  engine.registry.forEach((live) => {
    const view = live.model.view();
    nonZero += Object.keys(view.coefficients).length;
    const vocabulary = live.model.featurizer.vocabulary;
    features += vocabulary.hashed
      ? ((vocabulary as { namedColumns?: number }).namedColumns ?? 0)
      : vocabulary.dimension;
  });
  const rejectedByReason = Object.create(null) as Record<string, number>;
  for (const [reason, n] of s.rejectedByReason) rejectedByReason[reason] = n;
  return {
    input,
    family: config.model.family,
    learner: config.model.learner ?? 'ftrl',
    lambda: config.model.lambda ?? 5e-3,
    l1Ratio: config.model.l1Ratio ?? 1,
    events: s.learned,
    scored: s.scored,
    rejected: s.rejected,
    rejectedByReason,
    progressiveLoss: metrics.progressiveLoss ?? null,
    metrics,
    nonZero,
    features,
    keys: s.keys,
    models: s.snapshots,
    scores: s.scores,
    alerts: s.alerts,
    refits: s.refits,
    evictions: s.evictions,
    skippedCovered: s.skippedCovered,
    checkpoints: {
      count: s.checkpoints.checkpoints,
      models: s.checkpoints.models,
      bytes: s.checkpoints.bytes,
      ms: Math.round(s.checkpoints.ms),
    },
    seconds: s.seconds,
    eventsPerSecond: s.learned / Math.max(s.seconds, 1e-9),
  };
}

import { closest, meantName } from '../config/unknownKey.js';
import { ExactVocabulary, nameCollisionWarning, type NameCollision } from '../features/vocabulary.js';
import { NumericStrings } from '../features/numericStrings.js';
import type { Engine, EngineStats } from '../engine/engine.js';
import type { Family } from '../core/event.js';
import { MINUS_ONE_LABELS } from '../core/labelHints.js';
import type { RefitStats } from '../stream/refitEvery.js';
import { unreadLearnerSettings } from '../learn/factory.js';
import { POOLED_AUC_SAMPLE } from '../metrics/auc.js';
import { autoLambdaRule } from '../model/autoLambda.js';
import { ProgressiveMetrics } from '../metrics/progressive.js';
import { onlineDefaults } from '../model/onlineModel.js';
import type { Standardize } from '../solve/problem.js';
import { significant } from '../core/significant.js';
import { counted, formatCount } from './progress.js';
import type { DriftConfig } from '../drift/config.js';

/** `summary.json` of a replay or a file run: what was read, learned, rejected and written. */
export interface RunSummary {
  readonly input: string;
  readonly family: Family;
  readonly learner: string;
  /** A CSV input's label column (`--target`); absent for JSON lines. */
  readonly target?: string;
  /**
   * λ the models learn at: the configured number, or with "auto" the λ chosen (the same for every
   * model), or "auto" when keyed models chose different ones (each snapshot has its own).
   */
  readonly lambda: number | 'auto';
  readonly l1Ratio: number;
  /** Records read (lines of a file, messages of a topic). */
  readonly records: number;
  /** Labelled events learned (all keys). */
  readonly events: number;
  /** Unlabelled events scored. */
  readonly scored: number;
  readonly rejected: number;
  /** rejected / records (null when nothing was read). */
  readonly rejectRate: number | null;
  /** Rejections by reason (a null-prototype object: reasons are data). */
  readonly rejectedByReason: Record<string, number>;
  readonly progressiveLoss: number | null;
  /**
   * Baselines for `progressiveLoss` (null before any label): `online`, a constant predicted before
   * each event from the labels before it (their running mean or rate), progressive like the
   * model's loss; `hindsight`, the best constant for all the labels, known only at the end.
   */
  readonly constantLoss: { readonly online: number | null; readonly hindsight: number | null };
  readonly metrics: Record<string, number | null>;
  /** Non-zero coefficients of the last snapshot (single model) or summed over keys. */
  readonly nonZero: number;
  /** Columns with a name on record (single model) or summed over keys. */
  readonly features: number;
  /** Feature values left out because a model reached `model.maxFeatures` (models in memory). */
  readonly droppedFeatures: number;
  /** What a user must know about the input (a high reject rate, a full vocabulary); empty if none. */
  readonly warnings: readonly string[];
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
  readonly resume?: {
    readonly fromLine: number;
    readonly previousRunComplete: boolean;
    /**
     * The state directory already covered the whole input: the run learned nothing and left the
     * outputs as they were (this summary is not written over the one of the run that learned).
     */
    readonly complete?: true;
    /** With `--continue` and another input: the input the state directory's models learned before. */
    readonly continuedFrom?: string;
  };
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The signal that stopped the run early (absent when it read its whole input). */
  readonly interrupted?: string;
  /** A fresh run stopped after this many records, every one of them rejected. */
  readonly stoppedAllRejected?: number;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The summary of a finished engine run over `input`. */
export function summarize(engine: Engine, input: string): RunSummary {
  const s = engine.stats();
  const { config } = engine;
  const metrics: Record<string, number | null> = Object.create(null) as Record<string, number | null>;
  let nonZero = 0;
  let features = 0;
  let droppedFeatures = 0;
  const single = config.keys.keyBy === null ? engine.registry.peekLive(config.keys.defaultKey) : undefined;
  // the λ of every model, or 'auto' once two differ
  let lambda: number | 'auto' | undefined;
  const numericStrings = new NumericStrings();
  // name collisions of all models: the count, and the first examples
  let nameCollisions = 0;
  const collisionExamples: NameCollision[] = [];
  // hashed models: names that landed on another name's column, and the columns named
  let hashCollisions = 0;
  let hashedNames = 0;
  // keyed: each model's metrics cover all its events, in this run and those it resumed from; they
  // are added as the keys are visited, in the keys' order, so a resumed run sums as an
  // uninterrupted one does, in memory bounded by the pool's AUC sample
  const pool =
    single === undefined
      ? ProgressiveMetrics.pool(
          config.model.family,
          Math.max(config.model.aucSample ?? onlineDefaults.aucSample, POOLED_AUC_SAMPLE),
        )
      : undefined;
  let keyed = 0;
  // keyed: the models whose drift tests got past their warm-ups (input: all events; loss: learned)
  const watched: DriftCover = { input: 0, loss: 0, inputEvents: 0, lossEvents: 0, events: 0, learned: 0 };
  const inputWarmup = inputDriftWarmup(config.drift);
  const factors = new PenaltyFactorNames(config.model.penaltyFactors);
  engine.registry.visit((live) => {
    if (pool !== undefined) {
      pool.add(live.model.metrics);
      keyed++;
      const learned = live.model.metrics.events;
      // (each model's counts include the runs a --state directory resumed; the tests start after
      // their warm-up's last event)
      const events = learned + live.model.scoredEvents;
      watched.events += events;
      watched.learned += learned;
      if (events > inputWarmup) {
        watched.input++;
        watched.inputEvents += events;
      }
      if (learned > config.drift.loss.warmupEvents) {
        watched.loss++;
        watched.lossEvents += learned;
      }
    }
    const checkFactors = !live.model.featurizer.vocabulary.hashed;
    live.model.forEachColumnPresence((field, value, present) => {
      numericStrings.addColumn(field, value, present);
      if (checkFactors) factors.present(value === null ? field : `${field}=${value}`);
    });
    if (!checkFactors) factors.uncheckable();
    numericStrings.endModel(live.model.presenceTotal());
    const view = live.model.view();
    lambda = lambda === undefined || lambda === view.lambda ? view.lambda : 'auto';
    nonZero += Object.keys(view.coefficients).length;
    droppedFeatures += live.model.featurizer.droppedFeatures;
    const vocabulary = live.model.featurizer.vocabulary;
    if (vocabulary instanceof ExactVocabulary && vocabulary.nameCollisions > 0) {
      nameCollisions += vocabulary.nameCollisions;
      for (const c of vocabulary.nameCollisionExamples())
        if (collisionExamples.length < 3 && !collisionExamples.some((e) => e.name === c.name))
          collisionExamples.push(c);
    }
    features += live.model.featureCount;
    if (vocabulary.hashed) {
      // the names seen: one per named column, and those that landed on another name's column
      const collided = vocabulary.collisions ?? 0;
      hashCollisions += collided;
      hashedNames += live.model.featureCount + collided;
    }
  });
  const chosen = typeof config.model.lambda === 'number' ? config.model.lambda : (lambda ?? 'auto');
  const progressive = single ? single.model.metrics : pool !== undefined && keyed > 0 ? pool : engine.metrics;
  const source = progressive.summary();
  for (const [k, v] of Object.entries(source)) metrics[k] = finite(v);
  const rejectedByReason = Object.create(null) as Record<string, number>;
  for (const [reason, n] of s.rejectedByReason) rejectedByReason[reason] = n;
  return {
    input,
    family: config.model.family,
    learner: config.model.learner ?? 'ftrl',
    lambda: chosen,
    l1Ratio: config.model.l1Ratio ?? 1,
    records: s.records,
    events: s.learned,
    scored: s.scored,
    rejected: s.rejected,
    rejectRate: s.records > 0 ? s.rejected / s.records : null,
    rejectedByReason,
    progressiveLoss: metrics.progressiveLoss ?? null,
    constantLoss: {
      online: finite(progressive.onlineConstantLoss),
      hindsight: finite(progressive.constantLoss),
    },
    metrics,
    nonZero,
    features,
    droppedFeatures,
    warnings: [
      ...[unreadLearnerSettings(config.model.learner ?? 'ftrl', config.model)].filter((w) => w !== null),
      ...dataWarnings(s, droppedFeatures),
      ...numericStrings.warnings(),
      ...(nameCollisions > 0 ? [nameCollisionWarning(nameCollisions, collisionExamples)] : []),
      ...factors.warnings(),
      ...ridgeShrinks(config.model.family, chosen, config.model.l1Ratio ?? 1, config.model.standardize),
      ...oneClass(config.model.family, progressive.constantLoss, metrics.auc, s.rejectedByReason),
      ...noEstimateRefits(s.refits, progressive.constantLoss, keyed > 1),
      ...fewEventsPerKey(config.keys.keyBy, keyed, metrics.events ?? 0),
      ...manyEvictions(s.evictions, s.learned + s.scored, config.keys.maxLiveModels, s.keys),
      ...unwatchedKeys(config.drift, keyed, watched, inputWarmup),
      ...hashCollisionShare(config.model.hashBits, hashCollisions, hashedNames),
      ...worseThanConstant(
        config.model.lambda,
        progressive.progressiveLoss,
        progressive.onlineConstantLoss,
        progressive.constantLoss,
        s.learned,
        keyed,
        config.model.standardize === false,
      ),
    ],
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

/** A progressive loss this far above the online constant's (relative) is a warning in the summary. */
const WORSE_THAN_CONSTANT = 0.05;

/**
 * The warning when a run ends with a progressive loss above the online constant's
 * (`ProgressiveMetrics.onlineConstantLoss`: predicted before each event, as the model is; keyed
 * runs: one constant for all keys), the constant in hindsight beside it: at a λ the user gave,
 * when clearly above (try another λ); at λ "auto", when not below after 2,000 events (the
 * features have not helped).
 */
function worseThanConstant(
  lambda: number | 'auto' | undefined,
  loss: number,
  online: number,
  hindsight: number,
  learned: number,
  keys: number,
  unscaled = false,
): string[] {
  // far worse than the constant without standardization: the steps' size is the likelier cause
  const steps =
    unscaled && loss > STEP_BLOWUP * online
      ? '; without standardization (--no-standardize), a feature of large values (say 1e8) makes each step of the online learner far too large for it: leave standardization on, or scale such features'
      : '';
  if (typeof lambda !== 'number') {
    // (the model is the intercept until λ "auto" has its events: judged after twice as many)
    if (learned < 2 * autoLambdaRule.events || !(loss >= online)) return [];
    // keyed: one constant for all keys against models that each start from nothing
    const cause =
      keys > 1
        ? `the ${keys.toLocaleString('en-US')} keys' models have not beaten one constant for all keys: each starts from nothing and learns from its own key's events only (a new binomial model predicts 0.5), so many keys with few events each lose to a constant shared by all; check how many events each key learned (metrics.events of its snapshots in models.jsonl), and that the label and the features are the ones meant`
        : 'the features have not told the model more about the label than its mean; check that the label and the features are the ones meant';
    return [
      `the progressive loss ${significant(loss)} is no better than an online constant's ${significant(online)} (the running label mean, predicted before each event as the model predicts; the best constant in hindsight: ${significant(hindsight)}): ${cause}${steps}`,
    ];
  }
  if (!(loss > online * (1 + WORSE_THAN_CONSTANT))) return [];
  // keyed: the constant is one for all keys, the models each start from nothing
  const cause =
    keys > 1
      ? `at λ = ${lambda} the ${keys.toLocaleString('en-US')} keys' models do worse than one constant for all keys: each starts from nothing and learns from its own key's events only, so many keys with few events each lose to a constant shared by all; check how many events each key learned (metrics.events of its snapshots in models.jsonl), and try a larger λ or --lambda auto`
      : `at λ = ${lambda} the model does worse than no features; try a larger λ or --lambda auto`;
  return [
    `the progressive loss ${significant(loss)} is worse than an online constant's ${significant(online)} (the running label mean, predicted before each event as the model predicts; the best constant in hindsight: ${significant(hindsight)}): ${cause}${steps}`,
  ];
}

/** A loss this many times the online constant's, without standardization, names the steps' size. */
const STEP_BLOWUP = 2;

/** A ridge factor below this (every coefficient shrunk by a fifth or more) is a warning. */
const RIDGE_FACTOR = 0.8;

/**
 * The warning when the ridge part of a gaussian elastic net (α < 1) shrinks every standardized
 * coefficient by 1/(1 + λ(1−α)) or less: λ is in the label's units, so its ridge part is not the
 * same penalty for a label in other units (in thousands, the same events shrink 1,000 times less).
 */
function ridgeShrinks(
  family: Family,
  lambda: number | 'auto',
  l1Ratio: number,
  standardize: Standardize | undefined,
): string[] {
  if (family !== 'gaussian' || l1Ratio >= 1 || typeof lambda !== 'number' || standardize === false) return [];
  const factor = 1 / (1 + lambda * (1 - l1Ratio));
  if (!(factor < RIDGE_FACTOR)) return [];
  return [
    `at λ = ${Number(lambda.toPrecision(4))} and l1Ratio ${l1Ratio}, the ridge part λ(1−α)/2·β² shrinks every standardized coefficient by a factor of about ${factor.toPrecision(2)}: λ is in the label's units, so with α < 1 the model depends on them (the same label divided by its sd would be shrunk far less); scale the label to about unit sd, or use --l1-ratio 1 (the lasso), or choose λ with 'l1stream fit --cv' on a sample`,
  ];
}

/**
 * The warning when every learned label of a binomial run was the same (the loss of the best
 * constant in hindsight is then 0): the model can only learn to predict that label. Said with
 * the fix when labels of -1 were rejected (-1/+1 labels). An AUC (which needs both labels) rules
 * it out: a first event of weight 1e300 also rounds the weighted constant's loss to 0.
 */
function oneClass(
  family: Family,
  hindsight: number,
  auc: unknown,
  rejected: ReadonlyMap<string, number>,
): string[] {
  if (family !== 'binomial' || hindsight !== 0) return [];
  if (typeof auc === 'number' && Number.isFinite(auc)) return [];
  let minusOne = 0;
  for (const [reason, n] of rejected) if (reason.endsWith(MINUS_ONE_LABELS)) minusOne += n;
  const fix =
    minusOne > 0
      ? `${minusOne} events with label -1 were rejected: send 0 for -1 (labels are 0 and 1)`
      : 'check the label field, or the filter that produced the file';
  return [
    `every learned event had the same label: a binomial model needs events of both labels (0 and 1) to learn anything; its predictions and progressive loss say nothing; ${fix}`,
  ];
}

/**
 * Refits that were no estimate (a binomial window of one label), unless every learned event had
 * one label (`oneClass` says so then).
 */
function noEstimateRefits(refits: RefitStats, hindsight: number, keyed: boolean): string[] {
  if (refits.noEstimate === 0 || hindsight === 0) return [];
  const keys = keyed ? ', and a key whose events all have one label never gets one' : '';
  return [
    `${formatCount(refits.noEstimate)} of ${counted(refits.completed, 'refit')} had a window whose events all had one label: no finite model is optimal there, so they are published with "noEstimate": true and not served, handed back or checked for drift; with rare labels, a longer window (--refit-window) holds both${keys}`,
  ];
}

/** A keyed run with at least this many keys ... */
const MANY_KEYS = 100;
/** ... and fewer learned events than this per key is a warning in the summary. */
const FEW_EVENTS_PER_KEY = 10;

/**
 * The warning when a keyed run has many keys and few learned events for each (keyed by an id, say:
 * a customer's, the event's own `key`): each key's model learns from its own events only and
 * borrows nothing from the others, so models of a handful of events each predict next to nothing
 * (a new binomial one 0.5), while every key costs a model's memory. `keys` are the models and
 * `learned` all their events, those of the runs a `--state` directory resumed included.
 */
function fewEventsPerKey(keyBy: string | null, keys: number, learned: number): string[] {
  if (keyBy === null || keys < MANY_KEYS || !(learned < FEW_EVENTS_PER_KEY * keys)) return [];
  const perKey = learned / keys;
  return [
    `${keys} keys (keyed by ${JSON.stringify(keyBy)}: --key-by, model.keyBy) learned ${learned} events, ${perKey < 1 ? perKey.toFixed(2) : perKey.toFixed(1)} per key: each key's model learns from its own events only and borrows nothing from the others, so at so few events per key the models have learned next to nothing; key by a field with fewer values, each with enough events of its own, or learn one model (no --key-by) with the field among its features`,
  ];
}

/** The events the input-drift tests that are on need before they test (Infinity: none is on). */
function inputDriftWarmup(drift: DriftConfig): number {
  if (!drift.enabled) return Infinity;
  return Math.min(
    drift.inputSequential.enabled ? drift.inputSequential.warmupEvents : Infinity,
    drift.inputSparsity.enabled ? drift.inputSparsity.warmupEvents : Infinity,
  );
}

/** Keyed models past the drift tests' warm-ups, and the events of those and of all models. */
interface DriftCover {
  input: number;
  loss: number;
  inputEvents: number;
  lossEvents: number;
  events: number;
  learned: number;
}

/**
 * The warning when keyed models holding most of the events never got past a drift test's warm-up
 * (counts are per model) although the run had the events for it: their inputs or losses went
 * unwatched, and nothing else says so.
 */
function unwatchedKeys(drift: DriftConfig, keys: number, cover: DriftCover, inputWarmup: number): string[] {
  if (!drift.enabled || keys < 2) return [];
  // (rounded down: 49.6 % is not "50 %" in a warning about less than half)
  const share = (part: number, whole: number) => `${Math.floor((100 * part) / whole)}% of`;
  // (a part is said only when the run had the events for it: one model would have been watched)
  const parts: string[] = [];
  const unwatched: string[] = [];
  if (cover.events > inputWarmup && cover.inputEvents < cover.events / 2) {
    const setting =
      drift.inputSequential.enabled && drift.inputSequential.warmupEvents === inputWarmup
        ? 'drift.inputSequential.warmupEvents'
        : 'drift.inputSparsity.warmupEvents';
    parts.push(
      `${formatCount(cover.input)} (with ${share(cover.inputEvents, cover.events)} the events) got past the ${formatCount(inputWarmup)} events the input tests need before they test (${setting})`,
    );
    unwatched.push('inputs');
  }
  const lossTests = drift.loss.enabled && (drift.loss.pageHinkley.enabled || drift.loss.adwin.enabled);
  const lossWarmup = drift.loss.warmupEvents;
  if (lossTests && cover.learned > lossWarmup && cover.lossEvents < cover.learned / 2) {
    parts.push(
      `${formatCount(cover.loss)} (with ${share(cover.lossEvents, cover.learned)} the labelled events) got past the ${formatCount(lossWarmup)} labelled events of the loss tests (drift.loss.warmupEvents)`,
    );
    unwatched.push('losses');
  }
  if (parts.length === 0) return [];
  return [
    `drift was watched for few keys: of the ${formatCount(keys)} keys' models (each counts its own events), ${parts.join(', and ')}; the ${unwatched.join(' and ')} of the rest went unwatched: for many small keyed models, lower these warm-ups in the configuration's drift section (docs/drift.md)`,
  ];
}

/** Evictions per event processed above which a run says its model cap is too low. */
const EVICTIONS_PER_EVENT = 0.01;

/**
 * The warning when keyed models were evicted often (more than once per 100 events, and 100 times):
 * the stream keeps returning to more keys than `maxLiveModels`, so models are written out and read
 * back over and over, and those of the batches not yet published stay in memory beyond the cap.
 */
function manyEvictions(evictions: number, events: number, cap: number, keys: number): string[] {
  if (evictions < 100 || !(evictions > EVICTIONS_PER_EVENT * events)) return [];
  return [
    `keyed models were evicted ${evictions.toLocaleString('en-US')} times (once every ${(events / evictions).toFixed(1)} events): the stream keeps coming back to more keys than the ${cap.toLocaleString('en-US')} held in memory (--max-live-models, model.maxLiveModels), so each return writes one model's state and reads another's (milliseconds each for large models), and the models of the batches not yet published stay in memory beyond the cap; raise --max-live-models towards the keys the stream returns to (this run had ${keys.toLocaleString('en-US')}), memory allowing (a smaller --batch-size only lowers what is held beyond the cap)`,
  ];
}

/** The share of a hashed model's names that collided above which a run says so. */
const COLLISION_SHARE = 0.01;

/**
 * The warning when more than 1 % of the names of hashed models share their column with another
 * name: their coefficients are shared, `score` by name gives a name that is not the column's
 * first 0, and drift alerts and explanations name the column by its first name (a new level that
 * lands on another field's column is counted as that field's).
 */
function hashCollisionShare(bits: number | undefined, collisions: number, names: number): string[] {
  if (bits === undefined || collisions === 0 || !(collisions > COLLISION_SHARE * names)) return [];
  return [
    `${collisions.toLocaleString('en-US')} of ${names.toLocaleString('en-US')} feature names (${((100 * collisions) / names).toFixed(1)} %) share a column with another name at --hash-bits ${bits} (2^${bits} columns): they share a coefficient, \`score\` gives such a name 0 where the live model gave it the column's weight, and alerts and explanations name the column by its first name (a new level on another field's column counts as that field's); raise --hash-bits (model.hashBits), or use exact names (drop it)`,
  ];
}

/** Feature names kept to guess what a `model.penaltyFactors` name meant. */
const NAMES_FOR_GUESSES = 10_000;

/**
 * The names of `model.penaltyFactors` that no learned event of any model had (a typo, another
 * case, a text field's name for its one-hot columns): their factors did nothing, so the run says
 * so, with what each probably meant. Not judged with hashed models, whose names are sampled.
 */
class PenaltyFactorNames {
  private readonly unseen: Set<string>;
  private readonly names: string[] = [];
  private checkable = true;

  constructor(factors: Readonly<Record<string, number>> | undefined) {
    this.unseen = new Set(Object.keys(factors ?? {}));
  }

  /** A column that learned events had, by its name (`field` or `field=value`). */
  present(name: string): void {
    if (this.unseen.size === 0) return;
    this.unseen.delete(name);
    if (this.names.length < NAMES_FOR_GUESSES) this.names.push(name);
  }

  /** A model whose names cannot be checked (hashed): no warning. */
  uncheckable(): void {
    this.checkable = false;
  }

  warnings(): string[] {
    if (!this.checkable || this.unseen.size === 0) return [];
    const known = [...new Set(this.names)];
    const named = [...this.unseen].map((name) => {
      const levels = known.filter((n) => n.startsWith(`${name}=`));
      if (levels.length > 0) {
        const some = levels.slice(0, 3).map((n) => JSON.stringify(n));
        return `${JSON.stringify(name)} (a text field's one-hot columns take a factor each: ${some.join(', ')}${levels.length > 3 ? ', …' : ''})`;
      }
      const guess = closest(name, known);
      return `${JSON.stringify(name)}${meantName(name, guess)}`;
    });
    return [
      `model.penaltyFactors names ${named.length === 1 ? 'a feature' : 'features'} that no learned event had, so ${named.length === 1 ? 'its factor' : 'their factors'} did nothing: ${named.join(', ')}; names are exact (case included), a number field's name or a text field's "field=value"`,
    ];
  }
}

/** Reject shares above this are a warning in the summary. */
const HIGH_REJECT_SHARE = 0.1;

/** The summary's warnings about the input, each a sentence saying what happened and what to do. */
function dataWarnings(s: EngineStats, droppedFeatures: number): string[] {
  const warnings: string[] = [...s.warnings];
  if (s.records > 0 && s.rejected / s.records > HIGH_REJECT_SHARE) {
    let top = '';
    let most = 0;
    for (const [reason, n] of s.rejectedByReason) if (n > most) [top, most] = [reason, n];
    warnings.push(
      `${((100 * s.rejected) / s.records).toFixed(1)}% of the records were rejected (${s.rejected} of ${s.records}); most common reason (${most}): ${top}; see the dead letters`,
    );
  } else if (s.highRejectWindows > 0) {
    warnings.push(
      `${s.highRejectWindows} windows of records had more than ${100 * HIGH_REJECT_SHARE}% rejected; see the dead letters`,
    );
  }
  if (droppedFeatures > 0)
    warnings.push(
      `${droppedFeatures} feature values were left out because a model reached model.maxFeatures columns: raise it (--max-features) or hash (--hash-bits)`,
    );
  return warnings;
}

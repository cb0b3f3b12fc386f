import { checkModelConfig } from '../config/modelConfig.js';
import { shownValue } from '../config/unknownKey.js';
import { type Family, type L1Event, validateEvent } from '../core/event.js';
import { ConfigError, NumericError, StateError, type ConfigProblem } from '../core/errors.js';
import { growInt32, SparseBuffer, type SparseVector } from '../core/sparse.js';
import { Featurizer, isMissingString, type FeaturizerState } from '../features/featurizer.js';
import { OnlineScaler, type OnlineScalerState } from '../features/onlineScaler.js';
import { ExactVocabulary, HashedVocabulary } from '../features/vocabulary.js';
import {
  createLearner,
  type LearnerHyperparameters,
  type LearnerName,
  type PenalizedLearner,
} from '../learn/factory.js';
import { GRADIENT_OVERFLOW, UPDATE_FINITE, type LearnerState } from '../learn/learner.js';
import { lossFor } from '../loss/index.js';
import {
  autoLambda,
  autoLambdaRule,
  enoughForLambda,
  lambdaMax,
  noiseLambda,
  type WarmupEvent,
} from './autoLambda.js';
import { type PendingEventsState, WarmupEvents } from './warmupEvents.js';
import type { Standardize } from '../solve/problem.js';
import { ProgressiveMetrics, type ProgressiveMetricsState } from '../metrics/progressive.js';
import type { DriftView, MaterialFilter } from '../drift/materiality.js';
import { DriftViewBuilder, ScaledColumns } from './driftView.js';
import type { ModelSnapshot } from './snapshot.js';
import { decodeState, encodeState } from './stateCodec.js';

export interface OnlineModelOptions extends LearnerHyperparameters {
  /** Model key (docs/conventions.md, model snapshots); default "default". */
  readonly key?: string;
  readonly family: Family;
  readonly learner?: LearnerName;
  /**
   * λ of docs/conventions.md (per-event scale), or "auto" (the default): a fraction of λ_max on the first
   * labelled events, for gaussian at most their noise level (`autoLambdaRule`), chosen once and kept.
   */
  readonly lambda?: number | 'auto';
  readonly l1Ratio?: number;
  /**
   * Scale columns to unit population sd: true (as glmnet), false, or "auto" (the default): every
   * column but the 0/1 indicators (one-hot levels, true booleans, numbers that were only ever 1),
   * which keep their raw 0/1 values.
   */
  readonly standardize?: Standardize;
  /** Hashing trick with 2^hashBits columns (default: exact names). */
  readonly hashBits?: number;
  readonly hashSeed?: number;
  readonly nameCapacity?: number;
  /** Exact names only: columns at most (default 2^20); new names beyond are left out and counted. */
  readonly maxFeatures?: number;
  /** Penalty factors by feature name (`age`, `country=DE`); default 1, 0 = unpenalized. */
  readonly penaltyFactors?: Readonly<Record<string, number>>;
  /**
   * With standardization: the learner sees numeric columns centred on their running mean, as
   * glmnet centres in batch (default true). The intercept is unpenalized, so the objective and
   * its optimum are the same; centring only stops the intercept and the coefficients of columns
   * with a large mean from moving together, which slows an online learner down. Costs O(numeric
   * columns) per event: only columns present in a quarter of the events or more are centred, and
   * 0/1 indicators never (that would make sparse updates dense).
   */
  readonly center?: boolean;
  /**
   * Gaussian only: labelled events used to fix the label's centre and scale before learning
   * starts (default 100). The problem is solved on (y − c)/s with the penalty mapped exactly
   * (L1 part λα/s, L2 part unchanged), so the optimum is the same for any c, s; this only
   * makes the learning rates independent of the label's units. With λ "auto", the provisional
   * learner starts after `min(labelWarmup, 20)` events on their centre and scale (again at each
   * restart), and the learner on those of the whole warm-up (at least `labelWarmup` events).
   */
  readonly labelWarmup?: number;
  /**
   * Binomial: the progressive AUC is exact over the first `aucSample` scored events, then
   * estimated on a uniform sample of that many (default 65,536: at most 9 bytes each in memory
   * and in every checkpoint).
   */
  readonly aucSample?: number;
  /** Clock for `createdAt` (tests inject a fixed one). */
  readonly clock?: () => Date;
  /**
   * A keyed model's key field (`model.keyBy` naming a feature field): its value is the model's own
   * key, the same in every event the model sees, so it is left out of the features (as a feature it
   * would only share the unpenalized intercept's part, under a penalty). Default: none.
   */
  readonly keyField?: string | null;
  /**
   * With `hashBits`: columns numbered as their buckets are first seen, so the model's arrays
   * follow the buckets its events use instead of 2^hashBits (keyed models: each holds its own
   * key's columns). The same names share a column. Default false; a restored model keeps the
   * numbering its checkpoint has.
   */
  readonly compactHashing?: boolean;
}

/**
 * λ "auto", gaussian: labelled events before the provisional learner starts (or `labelWarmup` if
 * fewer); until then the predictions are the mean label so far.
 */
const provisionalLabelEvents = 20;

export const onlineDefaults = {
  key: 'default',
  learner: 'ftrl' as LearnerName,
  lambda: 'auto' as number | 'auto',
  l1Ratio: 1,
  standardize: 'auto' as Standardize,
  labelWarmup: 100,
  aucSample: 1 << 16,
} as const;

/** `OnlineModelOptions` that are not keys of a configuration's `model` section. */
const ownKeys = ['center', 'clock', 'keyField', 'compactHashing'] as const;
/** Options `checkOwnOptions` checks in words of its own. */
const ownChecks: ReadonlySet<string> = new Set(['l1Ratio', 'labelWarmup', 'penaltyFactors']);

/**
 * From plain JavaScript, the options no learner sees as given, checked as `checkEngineConfig`
 * checks them: the learners get an l1Ratio derived from it (5 was refused as "ftrl.l1Ratio: ...
 * got 4.999999999999999", or not at all before λ "auto" was chosen), and a penalty factor that
 * is negative or NaN was taken. Every other option is checked as the `model` section is: a
 * misspelled key (`lamda`), a string for a number (`lambda: "0.1"`, `maxFeatures: "x"`, which left
 * the names unbounded) or a value out of range was taken without a word.
 */
function checkOwnOptions(options: OnlineModelOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw ConfigError.single(
      'options',
      `must be an object with at least "family", got ${shownValue(options as unknown)}`,
    );
  // every other option as `model` of a configuration is checked (a misspelled key, a string for
  // a number: taken without a word before), but for the three below, said in this function's words
  const problems: ConfigProblem[] = checkModelConfig(options, '', ownKeys).problems.filter(
    (p) => !ownChecks.has(p.path.split('.')[0]!),
  );
  const { center, clock, keyField, compactHashing } = options as {
    center?: unknown;
    clock?: unknown;
    keyField?: unknown;
    compactHashing?: unknown;
  };
  if (center !== undefined && typeof center !== 'boolean')
    problems.push({ path: 'center', message: `must be true or false, got ${shownValue(center)}` });
  if (compactHashing !== undefined && typeof compactHashing !== 'boolean')
    problems.push({
      path: 'compactHashing',
      message: `must be true or false, got ${shownValue(compactHashing)}`,
    });
  if (clock !== undefined && typeof clock !== 'function')
    problems.push({
      path: 'clock',
      message: `must be a function returning a Date, got ${shownValue(clock)}`,
    });
  if (keyField !== undefined && keyField !== null && typeof keyField !== 'string')
    problems.push({ path: 'keyField', message: `must be a field name or null, got ${shownValue(keyField)}` });
  const { l1Ratio, penaltyFactors, labelWarmup } = options as {
    l1Ratio?: unknown;
    penaltyFactors?: unknown;
    labelWarmup?: unknown;
  };
  if (l1Ratio !== undefined && !(typeof l1Ratio === 'number' && l1Ratio > 0 && l1Ratio <= 1))
    problems.push({
      path: 'l1Ratio',
      message: `must be a number in (0, 1] (1: lasso), got ${shownValue(l1Ratio)}`,
    });
  if (labelWarmup !== undefined && !(Number.isInteger(labelWarmup) && (labelWarmup as number) >= 0))
    problems.push({
      path: 'labelWarmup',
      message: `must be a whole number >= 0 (0: none), got ${shownValue(labelWarmup)}`,
    });
  if (penaltyFactors !== undefined) {
    if (
      typeof penaltyFactors !== 'object' ||
      penaltyFactors === null ||
      Array.isArray(penaltyFactors) ||
      penaltyFactors instanceof Map
    )
      problems.push({
        path: 'penaltyFactors',
        message: `must be an object of feature name → factor >= 0${penaltyFactors instanceof Map ? ', got a Map: pass Object.fromEntries(map)' : ''}`,
      });
    else
      for (const [name, factor] of Object.entries(penaltyFactors)) {
        if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0)
          problems.push({
            path: `penaltyFactors.${name}`,
            message: `must be a finite number >= 0, got ${shownValue(factor)}`,
          });
      }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** What happened to one event. */
export interface EventOutcome {
  /** Null, or why the event was rejected (then nothing was learned or scored). */
  readonly rejected: string | null;
  readonly labelled: boolean;
  /** Mean prediction made before learning (probability for binomial). */
  readonly prediction: number;
  /** Progressive loss of that prediction (NaN when unlabelled). */
  readonly loss: number;
}

/** An `EventOutcome` that `OnlineModel.processInto` fills in. */
export type MutableEventOutcome = { -readonly [K in keyof EventOutcome]: EventOutcome[K] };

/** A blank outcome to pass to `processInto`. */
export function newOutcome(): MutableEventOutcome {
  return { rejected: null, labelled: false, prediction: NaN, loss: NaN };
}

function setOutcome(
  out: MutableEventOutcome,
  rejected: string | null,
  labelled: boolean,
  prediction: number,
  loss: number,
): void {
  out.rejected = rejected;
  out.labelled = labelled;
  out.prediction = prediction;
  out.loss = loss;
}

/** One event whose value alone multiplied a feature's running sd (`OnlineModel.watchJumps`). */
export interface ScaleJump {
  /** The feature's name; for a jump of a gaussian model's label (`label` true), `"label"`. */
  readonly feature: string;
  /** A jump of the labels' running sd, not of a feature's. */
  readonly label?: boolean;
  readonly value: number;
  readonly sdBefore: number;
  readonly sdAfter: number;
  /** Events with the feature over which its sd grew (1: this one alone; more: a unit change, say). */
  readonly events: number;
  /** Events learned, this one included. */
  readonly offset: number;
}

/** Jumps kept between two `takeJumps` calls at most (the rest are counted in `droppedJumps`). */
const MAX_PENDING_JUMPS = 64;

/** Sees an accepted event's raw features (a view on a reused buffer), its label (undefined: unlabelled) and weight. */
export type RawObserver = (x: SparseVector, label: number | undefined, weight: number) => void;

/**
 * The positions 0..n−1 of `values` by |value| descending, ties in position order (a stable sort):
 * the order of a snapshot's coefficients. The comparator returns −1, 0 or 1, as the difference of
 * the magnitudes would order finite values, without a heap number per comparison.
 */
export function orderByMagnitude(values: Float64Array): number[] {
  const n = values.length;
  const magnitude = new Float64Array(n);
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    magnitude[k] = Math.abs(values[k]);
    order.push(k);
  }
  return order.sort((a, b) => (magnitude[b] > magnitude[a] ? 1 : magnitude[b] < magnitude[a] ? -1 : 0));
}

/** A number as a reason shows it: `1e200`, not `1e+200`. */
function formatValue(v: number): string {
  return String(v).replace('e+', 'e');
}

/** 1st, 2nd, 3rd, 4th ... */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Copies a sparse vector into a reused buffer. */
function copyInto(x: SparseVector, out: SparseBuffer): void {
  out.clear();
  for (let k = 0; k < x.nnz; k++) out.push(x.indices[k], x.values[k]);
}

/** A labelled event of the warm-up, its features raw (scaled when it is learned at the end). */
type Pending = WarmupEvent;

/**
 * The online model: featurizer → online scaler → learner, with progressive metrics. It owns the
 * names (featurizer) and the scales, so it is what turns the learner's internal weights into a
 * `ModelSnapshot` on the original scale with feature names.
 */
export class OnlineModel {
  readonly key: string;
  /** The key field left out of the features (`OnlineModelOptions.keyField`), or null. */
  private keyField: string | null;
  /** The key field's last string value and its one-hot column, and its numeric column (-1: not looked up). */
  private keyValue: string | null = null;
  private keyValueColumn = -1;
  private keyNumberColumn = -1;

  /**
   * The features this model has seen (`metrics.features`): its columns with exact names, less
   * those of its key field (`OnlineModelOptions.keyField`: its own key's one-hot level, or the
   * field's number), which are not features of this model; its named columns with hashing.
   */
  get featureCount(): number {
    const vocabulary = this.featurizer.vocabulary;
    if (!(vocabulary instanceof ExactVocabulary))
      return (vocabulary as { namedColumns?: number }).namedColumns ?? 0;
    const field = this.keyField;
    if (field === null) return vocabulary.dimension;
    const own = (vocabulary.find(field, this.key) >= 0 ? 1 : 0) + (vocabulary.find(field) >= 0 ? 1 : 0);
    return vocabulary.dimension - own;
  }
  readonly family: Family;
  readonly learnerName: LearnerName;
  /** The configured λ: a number, or "auto" (see `lambda`). */
  readonly lambdaSetting: number | 'auto';
  readonly l1Ratio: number;
  readonly standardize: Standardize;
  readonly featurizer: Featurizer;
  readonly metrics: ProgressiveMetrics;
  private readonly options: OnlineModelOptions;
  private readonly scaler = new OnlineScaler();
  private readonly snapshotScales = new Map<string, number>();
  /**
   * The columns whose scales make `snapshotScales` as the last `driftView` left it, not written yet
   * (null: written): a check names only the columns it reports. Written when read, with the
   * columns' names, which cannot change before (only a snapshot renames, after writing its own).
   */
  private pendingScales: ScaledColumns | null = null;
  /** `driftView`'s arrays (reused). */
  private readonly driftViews = new DriftViewBuilder();
  private readonly viewColumns = new ScaledColumns();
  private readonly buffer = new SparseBuffer(64);
  private readonly clock: () => Date;
  private readonly penaltyIndices: Array<readonly [number, number]> = [];
  private learner: PenalizedLearner | null = null;
  /** Gaussian label transform ỹ = (y − labelCenter) / labelScale. */
  private labelCenter = 0;
  private labelScale = 1;
  /** The margin of the last unlabelled event scored (not state: read right after `process`). */
  private lastMargin = NaN;
  private pending: WarmupEvents | null;
  /** Labels equal to 1 among `pending` (binomial: when λ is "auto", both labels must be seen). */
  private pendingPositives = 0;
  /** λ in use once the learner has started (the setting, or the one "auto" chose). */
  private chosenLambda: number | null = null;
  /**
   * While λ "auto" gathers its events: a learner at a provisional λ that makes the predictions
   * (progressive validation, scores) in the meantime; dropped when the learner starts.
   */
  private provisional: PenalizedLearner | null = null;
  private provisionalLambda = 0;
  /**
   * The learner `checkWarmup` started on the warm-up's events and the event it checked (`events`
   * of them), at `lambda`: when that event joins the warm-up, the learner `startProvisional` or
   * `finishWarmup` would start is this one, so it is taken instead of learning them all again.
   */
  private trial: {
    readonly learner: PenalizedLearner;
    readonly lambda: number;
    readonly events: number;
  } | null = null;
  /** `centredNow`'s scaled values (reused: the learner reads them at once). */
  private readonly warmupInput = new SparseBuffer(64);
  private rawObserver: RawObserver | null = null;
  private keepName: ((index: number) => boolean) | null = null;
  /** True: numeric columns are centred for the learner (`center`; false in older checkpoints). */
  private centering: boolean;
  /** The numeric columns centred so far, ascending (`centeredCount` of them). */
  private centered = new Int32Array(16);
  private centeredCount = 0;
  /** Per column: 1 when centred, 2 while `centre` merges an event in which it is present. */
  private centredMark = new Uint8Array(0);
  /** The columns the last `trackNumeric` centred (`justCentred` of them), for `untrackNumeric`. */
  private lastCentred = new Int32Array(16);
  private justCentred = 0;
  /** The raw features of the labelled event being processed (reused). */
  private readonly raw = new SparseBuffer(64);
  /** The learner's input when columns are centred (reused). */
  private readonly centredInput = new SparseBuffer(64);
  /** The divisors of the event being processed (`scaleEvent`). */
  private scales = new Float64Array(64);
  /** `observeFinite`'s scaling argument, on `scales` (made again when they grow). */
  private scaling: { readonly auto: boolean; readonly scales: Float64Array } | null = null;
  private learned = 0;
  private scored = 0;
  /** Scale jumps noted since the last `takeJumps` (bounded), and how many did not fit. */
  private pendingJumps: ScaleJump[] = [];
  /** `watchJumps` for a gaussian model's labels: the squared sd growth (0: not watching) and the labels needed first. */
  private labelJumpGrowth2 = 0;
  private labelJumpMin = 0;
  private jumpsDropped = 0;
  private version = 0;
  /** The version of the last snapshot of the online model itself (refits claim the others). */
  private onlineVersionNumber = 0;

  /** `featurizer`: a restored one (`restore`), instead of a new one built for nothing. */
  constructor(options: OnlineModelOptions, featurizer?: Featurizer) {
    checkOwnOptions(options);
    this.options = options;
    this.key = options.key ?? onlineDefaults.key;
    this.keyField = options.keyField ?? null;
    this.family = options.family;
    this.learnerName = options.learner ?? onlineDefaults.learner;
    this.lambdaSetting = options.lambda ?? onlineDefaults.lambda;
    this.l1Ratio = options.l1Ratio ?? onlineDefaults.l1Ratio;
    this.standardize = options.standardize ?? onlineDefaults.standardize;
    this.centering = this.standardize !== false && (options.center ?? true);
    this.clock = options.clock ?? (() => new Date());
    this.featurizer =
      featurizer ??
      new Featurizer({
        ...(options.hashBits !== undefined ? { hashBits: options.hashBits } : {}),
        ...(options.hashSeed !== undefined ? { hashSeed: options.hashSeed } : {}),
        ...(options.nameCapacity !== undefined ? { nameCapacity: options.nameCapacity } : {}),
        ...(options.maxFeatures !== undefined ? { maxFeatures: options.maxFeatures } : {}),
        ...(options.compactHashing === true ? { compactHashing: true } : {}),
      });
    this.metrics = new ProgressiveMetrics(this.family, options.aucSample ?? onlineDefaults.aucSample);
    // a restored hashed vocabulary (`restore`) gives the penalized names' columns without naming
    // them (its names are as the model that was checkpointed left them)
    const vocabulary = this.featurizer.vocabulary;
    const restoredHashed =
      featurizer !== undefined && vocabulary.hashed ? (vocabulary as HashedVocabulary) : null;
    for (const [name, factor] of Object.entries(options.penaltyFactors ?? {})) {
      const eq = name.indexOf('=');
      const [field, value] = eq < 0 ? [name, undefined] : [name.slice(0, eq), name.slice(eq + 1)];
      const index =
        restoredHashed !== null ? restoredHashed.columnFor(field, value) : vocabulary.indexOf(field, value);
      if (index >= 0) this.penaltyIndices.push([index, factor]);
    }
    if (this.warmupLength() > 0) {
      this.pending = new WarmupEvents();
    } else {
      this.pending = null;
      this.startLearner();
    }
  }

  /**
   * λ of docs/conventions.md that the model solves: the setting, or the value "auto" chose; before that
   * choice, the provisional learner's λ (or, before that one starts, the value "auto" would
   * choose on the events so far).
   */
  get lambda(): number {
    if (this.chosenLambda !== null) return this.chosenLambda;
    if (this.lambdaSetting !== 'auto') return this.lambdaSetting;
    return this.provisional !== null ? this.provisionalLambda : this.autoLambdaNow();
  }

  private autoLambdaNow(): number {
    // every label equal: λ_max is 0 but for the rounding of a mean of non-round labels (3.7 gave
    // 6e-14 of a residual, a λ of 1e-16), so the fallback, as for 0/1 labels
    if (this.pending !== null && this.pendingLabelsEqual()) return autoLambdaRule.fallback;
    const pf = new Map(this.penaltyIndices);
    return autoLambda(
      lambdaMax(
        this.pending?.list() ?? [],
        (j) => this.columnScale(j),
        (j) => pf.get(j) ?? 1,
        this.l1Ratio,
      ),
    );
  }

  /**
   * Labelled events gathered before learning starts: the gaussian label warm-up, and at least
   * `autoLambdaRule.events` when λ is "auto" (0: no warm-up).
   */
  private warmupLength(): number {
    const label = this.labelWarmup();
    return this.lambdaSetting === 'auto' ? Math.max(label, 1) : label;
  }

  /** True when the warm-up will have gathered what it needs with one more labelled event (label y). */
  private completesWarmup(y: number): boolean {
    const n = this.pending!.length + 1;
    if (this.lambdaSetting !== 'auto') return n >= this.warmupLength();
    const positives = this.pendingPositives + (y === 1 ? 1 : 0);
    return n >= this.warmupLength() && enoughForLambda(n, positives, this.family === 'binomial');
  }

  /**
   * λ "auto": true when the provisional learner restarts at the λ of the events so far after the
   * n-th labelled event (label y; `positives` 1s among the n): at n = 2, 4, 8, … (each restart
   * relearns at most twice the events since the last), and for binomial at the first event of the
   * second label (λ_max is 0 while every label is equal). So a key that stops short of the
   * warm-up still has a λ chosen on at least half its events.
   */
  private rechoosesAt(n: number, positives: number, y: number): boolean {
    if ((n & (n - 1)) === 0) return true;
    return this.family === 'binomial' && (y === 1 ? positives === 1 : positives === n - 1);
  }

  /** True when the provisional learner restarts with one more labelled event (label y), the warm-up not done. */
  private restartsProvisional(y: number): boolean {
    if (this.provisional === null || this.lambdaSetting !== 'auto' || this.completesWarmup(y)) return false;
    return this.rechoosesAt(this.pending!.length + 1, this.pendingPositives + (y === 1 ? 1 : 0), y);
  }

  /** True when the warm-up has gathered what it needs. */
  private warmupDone(): boolean {
    const n = this.pending!.length;
    if (this.lambdaSetting !== 'auto') return n >= this.warmupLength();
    return n >= this.warmupLength() && enoughForLambda(n, this.pendingPositives, this.family === 'binomial');
  }

  /** Events learned from (the snapshot's `offset`). */
  get offset(): number {
    return this.learned;
  }

  /**
   * The columns of the last event passed to `process` (a view on a reused buffer: read it before
   * the next call). Values are scaled when standardization is on.
   */
  lastFeatures(): SparseVector {
    return this.buffer;
  }

  /** Unlabelled events scored. */
  get scoredEvents(): number {
    return this.scored;
  }

  /**
   * λ "auto" at the end of the warm-up: 0.03 λ_max, for gaussian at most the noise level of a
   * refit window (`noiseLambda`), unless every label of the warm-up is the same (λ_max is 0, so
   * λ is the fallback, and there is no noise to measure: a cap of 0 left the model unpenalized
   * for good).
   */
  private autoLambdaFinal(): number {
    const lambda = this.autoLambdaNow();
    if (this.family !== 'gaussian' || this.pending === null || this.pending.length === 0) return lambda;
    const pf = new Map(this.penaltyIndices);
    const cap = noiseLambda(this.pending.list(), lambda, {
      standardize: this.standardize,
      l1Ratio: this.l1Ratio,
      penaltyFactor: (j) => pf.get(j) ?? 1,
    });
    return this.pendingLabelsEqual() ? lambda : Math.min(lambda, cap);
  }

  /** True when every labelled event of the warm-up with a weight above 0 has the same label. */
  private pendingLabelsEqual(): boolean {
    const p = this.pending!;
    let first = NaN;
    for (let i = 0; i < p.length; i++) {
      if (!(p.weight(i) > 0)) continue;
      if (Number.isNaN(first)) first = p.label(i);
      else if (p.label(i) !== first) return false;
    }
    return true;
  }

  /** Starts the learner at `lambda` (default: the setting, or what "auto" chooses on the warm-up). */
  private startLearner(
    lambda = this.lambdaSetting === 'auto' ? this.autoLambdaFinal() : this.lambdaSetting,
  ): void {
    this.chosenLambda = lambda;
    this.learner = this.makeLearner(lambda);
  }

  /** A fresh learner for docs/conventions.md's objective at `lambda`, on the label transform's scale. */
  private makeLearner(lambda: number): PenalizedLearner {
    // On the label scale s, the L1 part of the penalty is λα/s and the L2 part λ(1−α) (docs/conventions.md
    // objective divided by s²), so the learner gets the matching (λ', α').
    const l1 = (lambda * this.l1Ratio) / this.labelScale;
    const l2 = lambda * (1 - this.l1Ratio);
    const scaled = l1 + l2;
    const l1Ratio = scaled > 0 ? l1 / scaled : 1;
    const learner = createLearner(this.learnerName, this.family, scaled, l1Ratio, this.options);
    for (const [index, factor] of this.penaltyIndices) learner.setPenaltyFactor(index, factor);
    return learner;
  }

  /** Gaussian label warm-up length (0: none). */
  private labelWarmup(): number {
    return this.family === 'gaussian' ? (this.options.labelWarmup ?? onlineDefaults.labelWarmup) : 0;
  }

  /**
   * λ "auto": the provisional learner starts (or restarts, `rechoosesAt`) at the λ "auto" would
   * choose on the events so far, with a label transform fixed on them, and learns them.
   */
  private startProvisional(): void {
    const p = this.pending!;
    if (this.labelWarmup() > 0) this.fixLabelScale(p);
    const trial = this.takeTrial();
    if (trial !== null) {
      this.provisionalLambda = trial.lambda;
      this.provisional = trial.learner;
      return;
    }
    this.provisionalLambda = this.autoLambdaNow();
    const learner = this.makeLearner(this.provisionalLambda);
    this.learnPending(learner, p.list());
    this.provisional = learner;
  }

  /** `checkWarmup`'s learner if it learned exactly the warm-up's events (it is dropped either way). */
  private takeTrial(): { readonly learner: PenalizedLearner; readonly lambda: number } | null {
    const trial = this.trial;
    this.trial = null;
    return trial !== null && trial.events === this.pending!.length ? trial : null;
  }

  /** Raw features scaled and centred by the current statistics (for the learner, read at once). */
  private centredNow(x: SparseVector): SparseVector {
    const scaled = this.warmupInput;
    scaled.clear();
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      const s = this.columnScale(j);
      scaled.push(j, s > 0 ? x.values[k] / s : 0);
    }
    return this.centre(scaled);
  }

  /**
   * Makes the numeric columns of a just-observed event that are present in at least a quarter of
   * the events so far centred from now on (`center`). A column present in a fraction q of the
   * events has a mean of about √(q/(1−q)) of its sd or less, so centring matters for frequent
   * columns; and centring only those (and what the first few events bring) bounds the learner's
   * input at about 4 entries per non-zero of an average event.
   */
  private trackNumeric(x: SparseVector): void {
    this.justCentred = 0;
    // (no column is numeric while every value observed was 1)
    if (!this.scaler.hasNumeric) return;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      if (
        (j >= this.centredMark.length || this.centredMark[j] === 0) &&
        this.scaler.isNumeric(j) &&
        this.scaler.presentFraction(j) >= 0.25
      ) {
        this.addCentred(j);
        this.justCentred++;
      }
    }
  }

  /** Takes back the columns the last `trackNumeric` centred (its event was rejected). */
  private untrackNumeric(): void {
    for (; this.justCentred > 0; this.justCentred--) {
      // (they are the event's columns: few, so a search per column is cheap)
      const j = this.lastCentred[this.justCentred - 1];
      const at = this.centered.subarray(0, this.centeredCount).indexOf(j);
      this.centered.copyWithin(at, at + 1, this.centeredCount);
      this.centeredCount--;
      this.centredMark[j] = 0;
    }
  }

  private addCentred(j: number): void {
    if (j >= this.centredMark.length) {
      const mark = new Uint8Array(Math.max(2 * this.centredMark.length, j + 1, 64));
      mark.set(this.centredMark);
      this.centredMark = mark;
    }
    this.centredMark[j] = 1;
    const n = this.centeredCount;
    if (n === this.centered.length) {
      const grown = new Int32Array(2 * n);
      grown.set(this.centered);
      this.centered = grown;
    }
    // ascending, so that a model restored from a checkpoint builds the same learner input
    let i = n;
    while (i > 0 && this.centered[i - 1] > j) {
      this.centered[i] = this.centered[i - 1];
      i--;
    }
    this.centered[i] = j;
    this.centeredCount = n + 1;
    if (this.lastCentred.length === this.justCentred)
      this.lastCentred = growInt32(this.lastCentred, this.justCentred + 1);
    this.lastCentred[this.justCentred] = j;
  }

  /** The running mean of column j on the learner's scale (mean_j / s_j; 0 when s_j is 0). */
  private scaledMean(j: number, s = this.columnScale(j)): number {
    return s > 0 ? this.scaler.meanOf(j) / s : 0;
  }

  /**
   * Scales the event's features in place (standardization on), and returns the divisor of each
   * (`columnScale` of its column, parallel to x, in a reused buffer) for `centre`; else null.
   */
  private scaleEvent(x: SparseBuffer): Float64Array | null {
    if (this.standardize === false) return null;
    if (this.scales.length < x.nnz) this.scales = new Float64Array(2 * x.nnz);
    this.scaler.scaleInPlace(x, this.standardize === 'auto', this.scales);
    return this.scales;
  }

  /** The reused divisors' buffer for an event of nnz columns (null without standardization). */
  private scalesFor(nnz: number): Float64Array | null {
    if (this.standardize === false) return null;
    if (this.scales.length < nnz) this.scales = new Float64Array(2 * nnz);
    return this.scales;
  }

  /**
   * The learner's input for scaled features x: every centred column j gets x_j − mean_j/s_j,
   * present in x or not (a view on a reused buffer, or x itself when no column is centred).
   * `scales`: the divisors `scaleEvent` just used for x (saves computing them again).
   */
  private centre(x: SparseVector, scales: Float64Array | null = null): SparseVector {
    const n = this.centeredCount;
    if (n === 0) return x;
    const out = this.centredInput;
    const mark = this.centredMark;
    out.clear();
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      let v = x.values[k];
      if (j < mark.length && mark[j] === 1) {
        mark[j] = 2;
        v -= scales === null ? this.scaledMean(j) : this.scaledMean(j, scales[k]);
      }
      out.push(j, v);
    }
    for (let i = 0; i < n; i++) {
      const j = this.centered[i];
      if (mark[j] === 2) {
        mark[j] = 1;
        continue;
      }
      const m = this.scaledMean(j);
      if (m !== 0) out.push(j, -m);
    }
    return out;
  }

  /** Σ_j w_j · mean_j/s_j over the centred columns: intercept on centred columns − on raw ones. */
  private centredOffset(weight: (j: number) => number): number {
    let offset = 0;
    for (let i = 0; i < this.centeredCount; i++) {
      const j = this.centered[i];
      const w = weight(j);
      if (w !== 0) offset += w * this.scaledMean(j);
    }
    return offset;
  }

  /**
   * Sees every accepted event's features before they are scaled (raw values, as a batch fit on the
   * same events would see them): the refit window records labelled ones, a refit-served model
   * scores from them. One observer; `null` removes it.
   */
  observeRaw(observer: RawObserver | null): void {
    this.rawObserver = observer;
  }

  /**
   * Notes each learned event that multiplies a feature's running sd by `growth` or more once the
   * feature has been present in `minPresent` events (standardization on; `takeJumps`).
   */
  watchJumps(growth: number, minPresent: number): void {
    this.scaler.watchJumps(growth, minPresent);
    // a gaussian label is watched the same way (standardized or not): least squares weighs it by
    // its square, so one extreme label moves the learner for good
    if (this.family === 'gaussian') {
      this.labelJumpGrowth2 = growth * growth;
      this.labelJumpMin = minPresent;
    }
  }

  /** The scale jumps noted since the last call, in event order, and how many did not fit. */
  takeJumps(): { readonly jumps: readonly ScaleJump[]; readonly dropped: number } {
    const taken = { jumps: this.pendingJumps, dropped: this.jumpsDropped };
    if (this.pendingJumps.length > 0) this.pendingJumps = [];
    this.jumpsDropped = 0;
    return taken;
  }

  private noteJumps(raw: SparseBuffer): void {
    for (let i = 0; i < this.scaler.jumps; i++) {
      if (this.pendingJumps.length >= MAX_PENDING_JUMPS) {
        this.jumpsDropped++;
        continue;
      }
      const { position, sdBefore, sdAfter, events } = this.scaler.jump(i);
      const feature = this.featurizer.nameOf(raw.indices[position]);
      const value = raw.values[position];
      this.pendingJumps.push({ feature, value, sdBefore, sdAfter, events, offset: this.learned + 1 });
    }
  }

  /** A label that multiplied the labels' running sd by the watched growth (the metrics hold the sums). */
  private noteLabelJump(y: number, before: number): void {
    const after = this.metrics.labelVariance;
    if (after === null || !(after >= this.labelJumpGrowth2 * before)) return;
    if (this.pendingJumps.length >= MAX_PENDING_JUMPS) {
      this.jumpsDropped++;
      return;
    }
    this.pendingJumps.push({
      feature: 'label',
      label: true,
      value: y,
      sdBefore: Math.sqrt(before),
      sdAfter: Math.sqrt(after),
      events: 1,
      offset: this.learned,
    });
  }

  /** Columns whose names must survive pruning of a hashed name table besides the non-zero ones. */
  keepNames(keep: ((index: number) => boolean) | null): void {
    this.keepName = keep;
  }

  /** Penalty factors that are not 1, by column. */
  penaltyFactorColumns(): { cols: Int32Array; values: Float64Array } {
    return {
      cols: Int32Array.from(this.penaltyIndices, ([j]) => j),
      values: Float64Array.from(this.penaltyIndices, ([, f]) => f),
    };
  }

  /**
   * Each named column's field, one-hot value (null: a numeric column) and the weight of the
   * learned events it was present in (0 for all without standardization). O(columns): for the end
   * of a run (`NumericStrings`), not per event.
   */
  forEachColumnPresence(visit: (field: string, value: string | null, present: number) => void): void {
    const f = this.featurizer;
    const vocabulary = f.vocabulary;
    for (let j = 0; j < f.dimension; j++) {
      if (!vocabulary.hasName(j)) continue;
      const present = this.scaler.presentWeight(j);
      if (!(present > 0)) continue;
      const field = f.fieldOf(j);
      const name = f.nameOf(j);
      if (field === null) visit(name, null, present);
      else visit(field, name.slice(field.length + 1), present);
    }
  }

  /** The weight of the learned events, out of which `forEachColumnPresence` counts presences. */
  presenceTotal(): number {
    return this.scaler.weight;
  }

  /**
   * Checks the event (`validateEvent`: a binomial label that is not 0/1, a negative weight, a
   * label that is a string, a value that is not finite), then featurizes, predicts and (for
   * labelled events) learns: progressive validation. An event that fails the check is not learned
   * from, and `rejected` says why.
   */
  process(event: L1Event): EventOutcome {
    const outcome = newOutcome();
    const checked = validateEvent(event, this.family);
    if (checked.ok) this.processInto(checked.event, outcome);
    else setOutcome(outcome, checked.reason, false, NaN, NaN);
    return outcome;
  }

  /**
   * `process` on an event already checked (what `validateEvent` returns: the engine checks each
   * record once, where it enters, and nothing here checks it again), its outcome written into
   * `out` (reused by the stream: nothing allocated per event).
   */
  processInto(event: L1Event, out: MutableEventOutcome): void {
    const x = this.buffer;
    const rejected = this.featurizer.featurize(event, x);
    if (rejected !== null) return setOutcome(out, rejected, false, NaN, NaN);
    if (this.keyField !== null) this.leaveOutKeyField(event, x);
    const weight = event.weight ?? 1;
    const y = event.label;
    if (y === undefined) {
      // x is scaled in place: the raw values, for the observer and a reason, are copied first
      const raw = this.standardize === false ? x : this.raw;
      if (raw !== x) copyInto(x, raw);
      const scales = this.scaleEvent(x);
      const learner = this.scoring;
      let prediction: number;
      if (learner === null) {
        prediction = this.warmupPrediction();
        this.lastMargin = this.linkOf(prediction);
      } else {
        const input = this.centre(x, scales);
        const eta = learner.marginOne(input) * this.labelScale + this.labelCenter;
        // a score that is not finite is refused before anything (observer, count) sees the event
        if (!Number.isFinite(eta))
          return setOutcome(out, this.scoreOverflow(learner, input, raw), false, NaN, NaN);
        prediction = lossFor(this.family).mean(eta);
        this.lastMargin = eta;
      }
      if (this.rawObserver !== null) this.rawObserver(raw, y, weight);
      this.scored++;
      return setOutcome(out, null, false, prediction, NaN);
    }
    // Everything this event would compute is checked before anything keeps it (see `overflow`).
    // x is scaled in place: the raw values are copied first (without standardization x stays raw)
    const raw = this.standardize === false ? x : this.raw;
    if (raw !== x) copyInto(x, raw);
    // observed and scaled in one pass (a column's divisor from the statistics just updated)
    const scales = this.scalesFor(x.nnz);
    if (scales !== null) {
      if (this.scaling === null || this.scaling.scales !== scales)
        this.scaling = { auto: this.standardize === 'auto', scales };
      const bad = this.scaler.observeFinite(x, weight, this.scaling);
      if (bad >= 0) return setOutcome(out, this.varianceOverflow(raw, bad, weight), false, NaN, NaN);
    }
    if (this.centering) this.trackNumeric(x);
    const pending = this.pending;
    const learner = pending !== null ? this.provisional : this.learner;
    // (first: the trial centres events into the buffer `input` is a view on)
    let update = UPDATE_FINITE;
    try {
      if (pending !== null && (learner === null || this.completesWarmup(y) || this.restartsProvisional(y)))
        update = this.checkWarmup(raw, y, weight);
    } catch (e) {
      this.untrackNumeric();
      if (this.standardize !== false) this.scaler.undo(x);
      throw e;
    }
    const input = learner !== null ? this.centre(x, scales) : x;
    const target = (y - this.labelCenter) / this.labelScale;
    if (learner !== null) {
      const own = learner.checkUpdate(input, target, weight);
      if (update === UPDATE_FINITE) update = own;
    }
    const prediction =
      learner !== null
        ? lossFor(this.family).mean(learner.checkedMargin * this.labelScale + this.labelCenter)
        : this.warmupPrediction();
    // the loss `metrics.update` would compute (NaN: not admitted), computed once
    const loss = update === UPDATE_FINITE ? this.metrics.admittedLoss(prediction, y, weight) : NaN;
    if (Number.isNaN(loss)) {
      this.untrackNumeric();
      if (this.standardize !== false) this.scaler.undo(x);
      const reason = this.overflow(learner, input, raw, target, y, weight, update, prediction);
      return setOutcome(out, reason, false, NaN, NaN);
    }
    if (this.rawObserver !== null) this.rawObserver(raw, y, weight);
    if (scales !== null && this.scaler.jumps > 0) this.noteJumps(raw);
    if (learner !== null) learner.learnChecked();
    if (pending !== null) {
      pending.push(raw, y, weight);
      if (y === 1) this.pendingPositives++;
      if (this.warmupDone()) this.finishWarmup();
      else if (
        this.lambdaSetting === 'auto' &&
        (learner === null
          ? pending.length >= Math.min(this.labelWarmup(), provisionalLabelEvents)
          : this.rechoosesAt(pending.length, this.pendingPositives, y))
      )
        this.startProvisional();
      this.trial = null;
    }
    this.learned++;
    if (this.labelJumpGrowth2 > 0) {
      const labels = this.metrics.events;
      const before = this.metrics.labelVariance;
      this.metrics.updateWithLoss(prediction, y, loss, weight);
      if (labels >= this.labelJumpMin && before !== null && before > 0) this.noteLabelJump(y, before);
    } else this.metrics.updateWithLoss(prediction, y, loss, weight);
    setOutcome(out, null, true, prediction, loss);
  }

  /**
   * Takes the key field's feature out of `x` (`keyField`): the one-hot `field=value` of a string,
   * or the number (a boolean's 1) of the numeric column `field`. Its column's value is lowered by
   * that feature's and the entry dropped at 0 (the other entries keep their order), so with exact
   * names `x` is the event's vector without the field. With hashing another feature of the event
   * that shares the column keeps its value up to rounding ((a + k) − k).
   */
  private leaveOutKeyField(event: L1Event, x: SparseBuffer): void {
    const field = this.keyField!;
    const features = event.features;
    if (!Object.hasOwn(features, field)) return;
    const v = features[field];
    let column: number;
    let value: number;
    if (typeof v === 'string') {
      if (isMissingString(v)) return;
      if (v !== this.keyValue) {
        this.keyValue = v;
        this.keyValueColumn = this.featurizer.vocabulary.indexOf(field, v);
      }
      column = this.keyValueColumn;
      value = 1;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      if (v === 0 || v === false) return;
      if (this.keyNumberColumn < 0) this.keyNumberColumn = this.featurizer.vocabulary.indexOf(field);
      column = this.keyNumberColumn;
      value = v === true ? 1 : v;
    } else return;
    if (column < 0) return; // an exact vocabulary that was full left the feature out already
    const { indices, values } = x;
    const n = x.nnz;
    let k = 0;
    while (k < n && indices[k] !== column) k++;
    if (k === n) return;
    const rest = values[k] - value;
    if (rest !== 0) {
      values[k] = rest;
      return;
    }
    indices.copyWithin(k, k + 1, n);
    values.copyWithin(k, k + 1, n);
    x.nnz = n - 1;
  }

  /**
   * Why a labelled event is rejected when its update or its loss would not be finite: the reason
   * names the event's largest number (on the learner's scale: the label, the weight or a feature)
   * and what it makes infinite. When the learner's own weights on the event are larger still, the
   * event is ordinary and the learner has diverged: that throws (nothing of the event was kept).
   */
  private overflow(
    learner: PenalizedLearner | null,
    input: SparseVector,
    raw: SparseVector,
    target: number,
    y: number,
    weight: number,
    update: number,
    prediction: number,
  ): string {
    let named = `weight ${formatValue(weight)}`;
    let largest = Math.abs(weight);
    if (this.family === 'gaussian' && Math.abs(target) > largest) {
      named = `label ${formatValue(y)}`;
      largest = Math.abs(target);
    }
    for (let k = 0; k < raw.nnz; k++) {
      if (Math.abs(input.values[k]) > largest) {
        named = this.featureValue(raw, k);
        largest = Math.abs(input.values[k]);
      }
    }
    if (learner !== null) this.checkDiverged(learner, input, largest);
    const loss = this.family === 'gaussian' ? 'squared error' : 'weighted log loss';
    if (!Number.isFinite(prediction)) return `numeric overflow: ${named} makes the prediction infinite`;
    if (!this.metrics.admits(prediction, y, weight))
      return `numeric overflow: ${named} makes the ${loss} infinite`;
    return `numeric overflow: ${named} makes the ${this.learnerName} update infinite`;
  }

  /**
   * Throws when the learner's own weights on an event whose update overflows are larger than the
   * event's largest number (`largest`, on the learner's scale): the event is ordinary, the learner
   * has diverged (its learning rate is far too high). Nothing of the event has been kept.
   */
  private checkDiverged(learner: PenalizedLearner, input: SparseVector, largest: number): void {
    let model = Math.abs(learner.intercept());
    for (let k = 0; k < input.nnz; k++)
      model = Math.max(model, Math.abs(learner.coefficient(input.indices[k])));
    if (model <= largest) return;
    const rate = this.learnerName === 'ftrl' ? 'ftrl.alpha' : 'rates.eta0';
    throw new NumericError(
      `the ${this.learnerName} learner diverged at the ${ordinal(this.learned + 1)} event it learns from: its weights (up to ${formatValue(model)}) make an ordinary event's update overflow; lower its learning rate (${rate})`,
    );
  }

  /** The largest number of an event on the learner's scale: its weight, its label (gaussian), a feature. */
  private largestOf(input: SparseVector, target: number, weight: number): number {
    let largest = Math.max(Math.abs(weight), this.family === 'gaussian' ? Math.abs(target) : 0);
    for (let k = 0; k < input.nnz; k++) largest = Math.max(largest, Math.abs(input.values[k]));
    return largest;
  }

  /** Why `observeFinite` refused an event: the column at position k of x overflowed (x.nnz: the total weight). */
  private varianceOverflow(x: SparseVector, k: number, weight: number): string {
    if (k === x.nnz) return `numeric overflow: weight ${formatValue(weight)} makes the total weight infinite`;
    const name = this.featurizer.nameOf(x.indices[k]);
    return Math.abs(weight) > Math.abs(x.values[k])
      ? `numeric overflow: weight ${formatValue(weight)} makes the running variance of ${name} infinite`
      : `numeric overflow: ${this.featureValue(x, k)} makes its running variance infinite`;
  }

  /** `feature NAME = VALUE` for the k-th entry of a featurized event. */
  private featureValue(x: SparseVector, k: number): string {
    return `feature ${this.featurizer.nameOf(x.indices[k])} = ${formatValue(x.values[k])}`;
  }

  /**
   * The prediction before any learner starts: the mean label so far; binomial, with half an event
   * of each label added (Krichevsky–Trofimov), so that it is 0.5 on the first event and never 0 or 1.
   */
  private warmupPrediction(): number {
    const p = this.pending!;
    let s = 0;
    let w = 0;
    for (let i = 0; i < p.length; i++) {
      s += p.weight(i) * p.label(i);
      w += p.weight(i);
    }
    if (this.family === 'binomial') return (s + 0.5) / (w + 1);
    return w > 0 ? s / w : 0;
  }

  /** `warmupPrediction` on the link scale (binomial: log-odds), the intercept of that model. */
  private warmupMargin(): number {
    return this.linkOf(this.warmupPrediction());
  }

  /** A prediction on the link scale (binomial: log-odds). */
  private linkOf(p: number): number {
    return this.family === 'binomial' ? Math.log(p / (1 - p)) : p;
  }

  /** The learner that predicts: the online one, or during λ "auto"'s warm-up the provisional one. */
  private get scoring(): PenalizedLearner | null {
    return this.learner ?? this.provisional;
  }

  private finishWarmup(): void {
    const p = this.pending!;
    // (the provisional learner's label transform was fixed on fewer events)
    if (this.labelWarmup() > 0) this.fixLabelScale(p);
    // λ ("auto") is chosen on the raw events, then they are learned scaled as of now
    const trial = this.takeTrial();
    if (trial !== null) {
      this.chosenLambda = trial.lambda;
      this.learner = trial.learner;
    } else this.startLearner();
    this.pending = null;
    this.pendingPositives = 0;
    this.provisional = null;
    this.provisionalLambda = 0;
    if (trial === null) this.learnPending(this.learner!, p.list());
  }

  /**
   * Learns the warm-up's events, scaled and centred as of now. Their updates were checked when a
   * learner started on them (`checkWarmup`); one that would still overflow (a snapshot's learner,
   * at a λ chosen mid-warm-up) is left out of this learner, which stays finite. True when none was.
   * `trial`: stop at the first such event (false), or throw if the learner diverged there.
   */
  private learnPending(learner: PenalizedLearner, p: readonly Pending[], trial = false): boolean {
    let finite = true;
    for (const e of p) {
      const x = this.centredNow(e.x);
      const y = (e.y - this.labelCenter) / this.labelScale;
      if (learner.checkUpdate(x, y, e.weight) === UPDATE_FINITE) learner.learnChecked();
      else if (trial) {
        this.checkDiverged(learner, x, this.largestOf(x, y, e.weight));
        return false;
      } else finite = false;
    }
    return finite;
  }

  /**
   * During the warm-up: the check of a labelled event that starts a learner (or would, before any
   * has started): that learner started now, on the warm-up's events and this one, as
   * `startProvisional` or `finishWarmup` would start it. UPDATE_FINITE, or GRADIENT_OVERFLOW when
   * an update overflows or the label transform or λ is not finite. Changes nothing.
   */
  private checkWarmup(raw: SparseVector, y: number, weight: number): number {
    const p = this.pending!;
    const { labelCenter, labelScale, pendingPositives } = this;
    this.trial = null;
    p.push(raw, y, weight);
    if (y === 1) this.pendingPositives++;
    try {
      if (this.labelWarmup() > 0) this.fixLabelScale(p);
      const lambda =
        this.lambdaSetting !== 'auto'
          ? this.lambdaSetting
          : this.warmupDone()
            ? this.autoLambdaFinal()
            : this.autoLambdaNow();
      if (!Number.isFinite(lambda) || !Number.isFinite(this.labelCenter) || !Number.isFinite(this.labelScale))
        return GRADIENT_OVERFLOW;
      const learner = this.makeLearner(lambda);
      if (!this.learnPending(learner, p.list(), true)) return GRADIENT_OVERFLOW;
      this.trial = { learner, lambda, events: p.length };
      return UPDATE_FINITE;
    } finally {
      p.pop();
      Object.assign(this, { labelCenter, labelScale, pendingPositives });
    }
  }

  /** The gaussian label transform: centre and scale of the warm-up's labels. */
  private fixLabelScale(p: WarmupEvents): void {
    let w = 0;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      w += p.weight(i);
      s += p.weight(i) * p.label(i);
    }
    const mean = w > 0 ? s / w : 0;
    let v = 0;
    for (let i = 0; i < p.length; i++) {
      const d = p.label(i) - mean;
      v += p.weight(i) * d * d;
    }
    const sd = w > 0 ? Math.sqrt(v / w) : 0;
    this.labelCenter = mean;
    this.labelScale = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
  }

  /**
   * Why an unlabelled event's score is not finite: the feature whose term β_j·x_j (on the
   * learner's scale: `input`, whose first entries are raw's columns) is largest, by its raw value.
   */
  private scoreOverflow(learner: PenalizedLearner, input: SparseVector, raw: SparseVector): string {
    let named = 'the event';
    let largest = -1;
    for (let k = 0; k < raw.nnz; k++) {
      const term = learner.coefficient(input.indices[k]) * input.values[k];
      const size = Number.isNaN(term) ? Infinity : Math.abs(term);
      if (size > largest) {
        named = this.featureValue(raw, k);
        largest = size;
      }
    }
    return `numeric overflow: ${named} makes the score infinite`;
  }

  /** Scores an event without learning from it (NaN if it cannot be featurized). */
  predict(event: L1Event): number {
    const { label: _label, ...rest } = event;
    const outcome = this.process(rest);
    return outcome.prediction;
  }

  /**
   * Intercept (on the link scale) and non-zero coefficients on the original scale, by column
   * index: the model that predicts now (during a warm-up, the provisional learner or the
   * intercept-only model of `warmupPrediction`).
   */
  coefficients(): { intercept: number; indices: Int32Array; values: Float64Array } {
    const learner = this.scoring;
    if (learner === null) {
      return { intercept: this.warmupMargin(), indices: new Int32Array(0), values: new Float64Array(0) };
    }
    const nz = this.nonZeros(new ScaledColumns());
    const b = learner.intercept() - this.centredOffset((j) => learner.coefficient(j));
    return {
      intercept: b * this.labelScale + this.labelCenter,
      indices: nz.cols.slice(0, nz.count),
      values: nz.values.slice(0, nz.count),
    };
  }

  /** The non-zero coefficients on the original scale into `out`, with their columns' `columnScale`. */
  private nonZeros(out: ScaledColumns): ScaledColumns {
    out.count = 0;
    this.scoring?.forEachNonZero((j, w) => {
      const sd = this.columnScale(j);
      if (sd > 0) out.add(j, (w / sd) * this.labelScale, sd);
    });
    return out;
  }

  /**
   * The population standard deviation of a feature of the latest snapshot, by name (1 when the
   * model does not standardize or the name is not in that snapshot): lets drift detectors judge a
   * coefficient by its effect, |β_j|·sd_j, whatever the feature's unit.
   */
  featureScale(name: string): number {
    return this.latestScales().get(name) ?? 1;
  }

  /** `snapshotScales`, written from `pendingScales` first if need be. */
  private latestScales(): Map<string, number> {
    const pending = this.pendingScales;
    if (pending !== null) {
      this.pendingScales = null;
      this.snapshotScales.clear();
      if (this.standardize !== false)
        for (let k = 0; k < pending.count; k++)
          this.snapshotScales.set(this.featurizer.nameOf(pending.cols[k]), pending.scales[k]);
    }
    return this.snapshotScales;
  }

  /** The target's scale: its sd for a gaussian model once its label warm-up is over, else 1. */
  get targetScale(): number {
    return this.labelScale;
  }

  /** The version of the last snapshot (0 before any). */
  get currentVersion(): number {
    return this.version;
  }

  /** The version of the last `snapshot()`, the online model's own (0 before any). */
  get onlineVersion(): number {
    return this.onlineVersionNumber;
  }

  /** Claims the next snapshot version (for snapshots made outside, such as refits). */
  claimVersion(): number {
    return ++this.version;
  }

  /**
   * Numbers the next snapshot above `version` (one an earlier run already published for this key,
   * after the state this model was restored from). The online model's own version, which scores
   * cite, stays that of its last snapshot.
   */
  versionAtLeast(version: number): void {
    if (version > this.version) this.version = version;
  }

  /** Names of columns, by name → coefficient, most important first (a null-prototype record). */
  private namedCoefficients(indices: Int32Array, values: Float64Array): Record<string, number> {
    const order = orderByMagnitude(values);
    const coefficients = Object.create(null) as Record<string, number>;
    this.pendingScales = null;
    this.snapshotScales.clear();
    for (const k of order) {
      const name = this.featurizer.nameOf(indices[k]);
      coefficients[name] = values[k];
      if (this.standardize !== false) this.snapshotScales.set(name, this.columnScale(indices[k]));
    }
    return coefficients;
  }

  /**
   * The live model as a snapshot record without claiming a version (for drift checks between
   * published snapshots): `version` is the last published one.
   */
  view(): ModelSnapshot {
    // (during a gaussian label warm-up: the intercept-only model, the warm-up left as it is)
    const { intercept, indices, values } = this.coefficients();
    return this.record(this.version, intercept, this.namedCoefficients(indices, values));
  }

  /**
   * `view()` reduced to the coefficients the support and sign detectors act on (`MaterialFilter`, by
   * relative weight |β_j|·s_j over the largest or `filter.unit`, as `relativeWeights` computes them with
   * `featureScale`), in arrays in the order of the record's keys: the monitor raises the same alerts
   * from it. `featureScale` then knows every non-zero feature. A model of 60,000 small non-zeros made
   * each check with a record take ~0.4 s; this one names only the columns it keeps, unless the
   * vocabulary may give two columns one name (then all, and when two do share one, the view of
   * `view()`'s record, which keeps one value per name). Valid until the next call.
   */
  driftView(filter: MaterialFilter): DriftView {
    const builder = this.driftViews;
    const of = { key: this.key, version: this.version, offset: this.learned };
    // (the scales of the last view are replaced below: by these columns' or written by name)
    this.pendingScales = null;
    const columns = this.nonZeros(this.viewColumns);
    const { cols, count: n } = columns;
    const vocabulary = this.featurizer.vocabulary;
    let distinct = vocabulary.namesMayRepeat === false;
    for (let k = 0; k < n && distinct; k++) distinct = vocabulary.hasName(cols[k]);
    if (distinct) {
      this.pendingScales = columns;
      return builder.select(columns, filter, this.featurizer, of);
    }
    // as before views: every column named, and the scales by name
    const names: string[] = [];
    for (let k = 0; k < n; k++) names.push(this.featurizer.nameOf(cols[k]));
    const scaled = this.standardize !== false;
    this.snapshotScales.clear();
    if (scaled) for (let k = 0; k < n; k++) this.snapshotScales.set(names[k], columns.scales[k]);
    if ((scaled ? this.snapshotScales.size : new Set(names).size) === n)
      return builder.select(columns, filter, this.featurizer, of);
    const coefficients = this.namedCoefficients(cols.subarray(0, n), columns.values.subarray(0, n));
    return builder.weigh(coefficients, (name) => this.featureScale(name), of, filter.unit);
  }

  /** The snapshot record (docs/conventions.md) of the online model. */
  private record(
    version: number,
    intercept: number,
    coefficients: Record<string, number>,
    metrics?: Record<string, number | string | boolean | null>,
  ): ModelSnapshot {
    return {
      key: this.key,
      version,
      offset: this.learned,
      source: 'online',
      family: this.family,
      learner: this.learnerName,
      lambda: this.lambda,
      l1Ratio: this.l1Ratio,
      intercept,
      coefficients,
      ...(metrics ? { metrics } : {}),
      createdAt: this.clock().toISOString(),
    };
  }

  /**
   * Makes the learner's weights equal a model given on the original scale (a refit handed back),
   * mapped through the online scaler and the label transform. Returns false when the learner
   * cannot take weights (only FTRL can) or is still in its label warm-up.
   */
  assignCoefficients(intercept: number, cols: Int32Array, values: Float64Array): boolean {
    const learner = this.learner;
    if (learner === null || learner.assignWeights === undefined) return false;
    const scaled = new Float64Array(values.length);
    for (let k = 0; k < cols.length; k++) {
      const sd = this.columnScale(cols[k]);
      scaled[k] = sd > 0 ? (values[k] * sd) / this.labelScale : 0;
    }
    const byColumn = new Map<number, number>();
    for (let k = 0; k < cols.length; k++) byColumn.set(cols[k], scaled[k]);
    const b =
      (intercept - this.labelCenter) / this.labelScale + this.centredOffset((j) => byColumn.get(j) ?? 0);
    learner.assignWeights(b, cols, scaled);
    return true;
  }

  /**
   * The divisor of column j: the online scaler's sd, or 1 without standardization and for 0/1
   * indicators under "auto".
   */
  columnScale(j: number): number {
    if (this.standardize === false) return 1;
    return this.scaler.scaleOf(j, this.standardize === 'auto');
  }

  /**
   * The margin (link scale) of the last unlabelled event `process` scored, and the intercept of the
   * model that scored it, as a snapshot's: margin = baseline + Σ `contributions`. O(centred columns),
   * as scoring the event was.
   */
  lastScore(): { margin: number; baseline: number } {
    const learner = this.scoring;
    // (during a warm-up before any learner, the mean label is the whole model)
    if (learner === null) return { margin: this.lastMargin, baseline: this.lastMargin };
    const b = learner.intercept() - this.centredOffset((j) => learner.coefficient(j));
    return { margin: this.lastMargin, baseline: b * this.labelScale + this.labelCenter };
  }

  /**
   * Contribution of each active feature of the last processed event to its margin, on the
   * original scale: β_j·x_j (written into `out`, parallel to `lastFeatures()`).
   */
  contributions(out: Float64Array): void {
    const x = this.buffer;
    // (during the warm-up of lambda "auto", the provisional learner made the prediction)
    const learner = this.scoring;
    for (let k = 0; k < x.nnz; k++)
      out[k] = learner === null ? 0 : learner.coefficient(x.indices[k]) * x.values[k] * this.labelScale;
  }

  /**
   * An immutable snapshot (docs/conventions.md, model snapshots) with the next version number: the model that scores events
   * now (`coefficients`), so that scoring an event with the snapshot gives the engine's prediction.
   * During a warm-up that is the provisional learner of λ "auto" or the intercept-only model.
   */
  snapshot(extraMetrics: Readonly<Record<string, number | string | boolean | null>> = {}): ModelSnapshot {
    const { intercept, indices, values } = this.coefficients();
    const coefficients = this.namedCoefficients(indices, values);
    const vocabulary = this.featurizer.vocabulary;
    const keep = this.keepName;
    const learner = this.scoring;
    // (no names dropped before a learner exists: the warm-up's events still need theirs)
    if (learner !== null) vocabulary.prune((j) => learner.coefficient(j) !== 0 || (keep !== null && keep(j)));
    const summary = this.metrics.summary();
    const metrics: Record<string, number | string | boolean | null> = {};
    for (const [k, v] of Object.entries(summary)) metrics[k] = Number.isFinite(v) ? v : null;
    metrics.nonZero = indices.length;
    metrics.features = this.featureCount;
    if (vocabulary.hashed) metrics.hashCollisions = vocabulary.collisions;
    else if (vocabulary instanceof ExactVocabulary && vocabulary.nameCollisions > 0)
      metrics.nameCollisions = vocabulary.nameCollisions;
    if (this.featurizer.droppedFeatures > 0) metrics.droppedFeatures = this.featurizer.droppedFeatures;
    Object.assign(metrics, extraMetrics);
    this.onlineVersionNumber = ++this.version;
    return this.record(this.version, intercept, coefficients, metrics);
  }

  /**
   * The whole state, for checkpoints (`OnlineModel.restore` brings it back): learner, featurizer,
   * scaler, metrics, label transform, counters, and the events of an unfinished label warm-up, so
   * that a restored model learns exactly what this one would. Taking it changes nothing.
   */
  checkpoint(): OnlineModelCheckpoint {
    return {
      format: 2,
      key: this.key,
      family: this.family,
      learnerName: this.learnerName,
      labelWarmup: this.options.labelWarmup ?? onlineDefaults.labelWarmup,
      lambda: this.chosenLambda,
      learner: this.learner === null ? null : this.learner.state(),
      pending: this.pending === null ? null : this.pending.state(),
      pendingRaw: true,
      standardize: this.standardize,
      centered: this.centering,
      centredColumns: this.centered.slice(0, this.centeredCount),
      provisional: this.provisional === null ? null : this.provisional.state(),
      provisionalLambda: this.provisionalLambda,
      featurizer: this.featurizer.state(),
      scaler: this.scaler.state(),
      metrics: this.metrics.state(),
      labelCenter: this.labelCenter,
      labelScale: this.labelScale,
      learned: this.learned,
      scored: this.scored,
      version: this.version,
      onlineVersion: this.onlineVersionNumber,
      snapshotScales: new Map(this.latestScales()),
      keyField: this.keyField,
    };
  }

  /** The checkpoint as bytes (`encodeState`): compact, checksummed, typed arrays kept raw. */
  encodeCheckpoint(): Uint8Array {
    return encodeState(this.checkpoint());
  }

  /** A model with `options` continuing from `encodeCheckpoint()` bytes. */
  static decodeCheckpoint(options: OnlineModelOptions, bytes: Uint8Array): OnlineModel {
    return OnlineModel.restore(options, decodeState(bytes) as OnlineModelCheckpoint);
  }

  /**
   * A model with `options` continuing from a checkpoint. The options must describe the same model
   * (family, learner and its hyperparameters, hashing, penalty factors); otherwise a `StateError`
   * names what differs.
   */
  static restore(options: OnlineModelOptions, cp: OnlineModelCheckpoint): OnlineModel {
    const format: unknown = typeof cp === 'object' && cp !== null ? cp.format : undefined;
    if (format === 1) {
      throw new StateError(
        'checkpoint format 1 has no metrics state (a restored model would report only part of its events): start this model from scratch',
      );
    }
    if (format !== 2) throw new StateError(`unknown model checkpoint format ${String(format)}`);
    if (!(cp.snapshotScales instanceof Map))
      throw new StateError(
        'checkpoint has lost its typed arrays and maps (it went through JSON?): keep the bytes of encodeCheckpoint() and restore them with OnlineModel.decodeCheckpoint, or copy checkpoint() with structuredClone',
      );
    if (cp.family !== options.family) {
      throw new StateError(`checkpoint is for family ${cp.family}, the configuration says ${options.family}`);
    }
    const learnerName = options.learner ?? onlineDefaults.learner;
    if (cp.learnerName !== learnerName) {
      throw new StateError(
        `checkpoint is for learner ${cp.learnerName}, the configuration says ${learnerName}`,
      );
    }
    if (options.key !== undefined && options.key !== cp.key) {
      throw new StateError(`checkpoint is for model key "${cp.key}", not "${options.key}"`);
    }
    const standardize = options.standardize ?? onlineDefaults.standardize;
    if (cp.standardize !== undefined && cp.standardize !== standardize) {
      throw new StateError(
        `checkpoint was learned with standardize ${JSON.stringify(cp.standardize)}, the configuration says ${JSON.stringify(standardize)}: its coefficients are of the other scaling; set standardize back, or start this model from scratch`,
      );
    }
    checkHashing(options, cp.featurizer);
    const featurizer = Featurizer.fromState(cp.featurizer, {
      ...(options.nameCapacity !== undefined ? { nameCapacity: options.nameCapacity } : {}),
      ...(options.maxFeatures !== undefined ? { maxFeatures: options.maxFeatures } : {}),
    });
    // exact names: penalty factors are looked up in a new vocabulary, as a new model's are; hashed
    // ones in the restored vocabulary, without effects (`columnFor`: with columns as seen only it
    // knows a bucket's column)
    const penalized = Object.keys(options.penaltyFactors ?? {}).length > 0;
    const hashed = featurizer.vocabulary.hashed;
    const compact = hashed && (featurizer.vocabulary as HashedVocabulary).compact;
    const m = new OnlineModel(
      { ...options, key: cp.key, compactHashing: compact },
      penalized && !hashed ? undefined : featurizer,
    );
    Object.assign(m, {
      featurizer,
      scaler: OnlineScaler.fromState(cp.scaler),
      metrics: ProgressiveMetrics.fromState(cp.metrics),
    });
    if (m.metrics.family !== m.family) throw new StateError('checkpoint metrics are of another family');
    m.keyField = typeof cp.keyField === 'string' ? cp.keyField : null;
    m.labelCenter = cp.labelCenter;
    m.labelScale = cp.labelScale;
    m.centering = m.centering && cp.centered === true;
    if (m.centering) for (const j of cp.centredColumns ?? []) m.addCentred(j);
    if (cp.learner === null) {
      const warmup = options.labelWarmup ?? onlineDefaults.labelWarmup;
      if (cp.pending === null) throw new StateError('checkpoint has neither a learner nor a warm-up');
      if (m.warmupLength() === 0 || (m.family === 'gaussian' && warmup !== cp.labelWarmup)) {
        throw new StateError(
          `checkpoint was taken during a warm-up (label warm-up ${cp.labelWarmup} events), the configuration says labelWarmup ${warmup}, lambda ${JSON.stringify(m.lambdaSetting)}`,
        );
      }
      if (cp.pendingRaw !== true) {
        throw new StateError(
          'checkpoint was taken during a label warm-up by an older version (its events are stored scaled): start this model from scratch',
        );
      }
      m.learner = null;
      m.pending = WarmupEvents.fromState(cp.pending);
      m.pendingPositives = 0;
      for (let i = 0; i < m.pending.length; i++) if (m.pending.label(i) === 1) m.pendingPositives++;
      if (cp.provisional !== undefined && cp.provisional !== null) {
        m.provisionalLambda = cp.provisionalLambda ?? 0;
        m.provisional = m.makeLearner(m.provisionalLambda);
        m.provisional.restore(cp.provisional);
      }
    } else {
      m.pending = null;
      m.startLearner(restoredLambda(m.lambdaSetting, cp.lambda));
      m.learner!.restore(cp.learner);
    }
    m.learned = cp.learned;
    m.scored = cp.scored;
    m.version = cp.version;
    m.onlineVersionNumber = cp.onlineVersion ?? cp.version;
    m.snapshotScales.clear();
    for (const [name, sd] of cp.snapshotScales) m.snapshotScales.set(name, sd);
    return m;
  }
}

/** The λ a checkpointed learner runs at, checked against the configured setting. */
function restoredLambda(setting: number | 'auto', stored: number | null | undefined): number {
  if (stored === undefined || stored === null) {
    // checkpoints from before "auto" carry no λ: they ran at the numeric setting
    if (setting === 'auto') {
      throw new StateError(
        'checkpoint has no λ (taken before lambda "auto"): set model.lambda to the λ of its snapshots',
      );
    }
    return setting;
  }
  if (setting !== 'auto' && setting !== stored) {
    throw new StateError(`checkpoint was learned at lambda ${stored}, the configuration says ${setting}`);
  }
  return stored;
}

/** Refuses a checkpoint whose hashing (on/off, bits, seed) differs from the configuration's. */
function checkHashing(options: OnlineModelOptions, f: FeaturizerState): void {
  const v = f.vocabulary;
  const hashed = options.hashBits !== undefined;
  if ((v.kind === 'hashed') !== hashed) {
    throw new StateError(
      `checkpoint has ${v.kind === 'hashed' ? `hashing on (${v.bits} bits)` : 'hashing off'}, the configuration has ${hashed ? `hashing on (${options.hashBits} bits)` : 'hashing off'}`,
    );
  }
  if (hashed && (v.bits !== options.hashBits || (v.seed ?? 0) !== (options.hashSeed ?? 0))) {
    throw new StateError(
      `checkpoint hashes with ${v.bits} bits and seed ${v.seed ?? 0}, the configuration with ${options.hashBits} bits and seed ${options.hashSeed ?? 0}`,
    );
  }
}

export type { PendingEventsState };

/** Format 2: the whole state of an `OnlineModel`, metrics included (`encodeState` makes it bytes). */
export interface OnlineModelCheckpoint {
  readonly format: 2;
  readonly key: string;
  readonly family: Family;
  readonly learnerName: LearnerName;
  /** The configuration's label warm-up (checked when `learner` is null). */
  readonly labelWarmup: number;
  /** λ the learner runs at (null before it starts; absent in checkpoints from before "auto"). */
  readonly lambda?: number | null;
  /** True: `pending` holds raw features (absent in older checkpoints, whose events were scaled). */
  readonly pendingRaw?: boolean;
  /** The model's `standardize` (absent in older checkpoints: not checked). */
  readonly standardize?: Standardize;
  /** True: numeric columns are centred for the learner (absent in older checkpoints: they are not). */
  readonly centered?: boolean;
  /** The columns centred so far, ascending. */
  readonly centredColumns?: Int32Array;
  /** λ "auto" warm-up: the provisional learner's state and λ (absent or null otherwise). */
  readonly provisional?: LearnerState | null;
  readonly provisionalLambda?: number;
  /** Null while the gaussian label warm-up is gathering events (they are in `pending`). */
  readonly learner: LearnerState | null;
  readonly pending: PendingEventsState | null;
  readonly featurizer: FeaturizerState;
  readonly scaler: OnlineScalerState;
  readonly metrics: ProgressiveMetricsState;
  readonly labelCenter: number;
  readonly labelScale: number;
  readonly learned: number;
  readonly scored: number;
  readonly version: number;
  /** The last online snapshot's version (absent in older checkpoints: then `version`). */
  readonly onlineVersion?: number;
  /** Feature scales of the latest snapshot, by name (`featureScale`). */
  readonly snapshotScales: ReadonlyMap<string, number>;
  /**
   * The key field left out of the features (`OnlineModelOptions.keyField`); absent in checkpoints
   * from before it was left out, whose models go on learning it as they did.
   */
  readonly keyField?: string | null;
}

import { resolve } from 'node:path';

import { checkModelConfig } from '../config/modelConfig.js';
import { withMisplacedHints } from '../config/misplacedKey.js';
import { optionKeyProblems } from '../config/optionKeys.js';
import { optionValueProblems } from '../config/optionValues.js';
import { shownValue, unknownKeyMessage } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { resolveDriftConfig, validateDriftConfig, type DriftConfig } from '../drift/config.js';
import type { OnlineModelOptions } from '../model/onlineModel.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../stream/decodeEvents.js';

/** Which model scores unlabelled events: the online learner or the latest refit. */
export type ServeSource = 'online' | 'refit';

export interface RefitConfig {
  readonly enabled: boolean;
  /** Learned events (per model) between refits. */
  readonly everyEvents: number;
  /** Seconds between refits of a model that learned something since (Infinity: events only). */
  readonly everySeconds: number;
  /** W: the last W labelled events a model learned. */
  readonly window: number;
  /**
   * Binomial: KKT conditions to this fraction of each threshold; gaussian: relative duality gap.
   * null (the default): each family's own (`DEFAULT_REFIT_KKT`, `DEFAULT_REFIT_GAP`).
   */
  readonly tolerance: number | null;
  /** Worker threads that run refits (0: on the learning thread, deterministic, blocking). */
  readonly threads: number;
  readonly serve: ServeSource;
  /** Hand each refit's weights back to the online learner (FTRL only). */
  readonly handBack: boolean;
}

export interface SnapshotConfig {
  /** Learned events (per model) between published snapshots. */
  readonly everyEvents: number;
  /** Seconds between snapshots of a model that learned something since (Infinity: events only). */
  readonly everySeconds: number;
}

export interface ScoreConfig {
  /** Publish a score for every unlabelled event (default true). */
  readonly enabled: boolean;
  /** Contributions named per score, largest |β_j x_j| first (default 5). */
  readonly top: number;
}

/** When every model's state is checkpointed with the input positions it covers. */
export interface CheckpointConfig {
  /** Records read between checkpoints. */
  readonly everyEvents: number;
  /** Seconds between checkpoints (Infinity: by records only). */
  readonly everySeconds: number;
}

/** The service's HTTP endpoints: `/metrics` (Prometheus), `/healthz`, `/readyz`. */
export interface HttpConfig {
  /** null: no HTTP server. */
  readonly port: number | null;
  readonly host: string;
}

export interface KeyConfig {
  /** `"key"` (the event's key), a feature field (`"campaign"`), or null: one model. */
  readonly keyBy: string | null;
  /** The key of the single model when `keyBy` is null. */
  readonly defaultKey: string;
  /** Models held in memory at most; the others are checkpointed to the state store. */
  readonly maxLiveModels: number;
}

/** Bounds on input records (docs/memory.md). */
export interface LimitsConfig {
  /** A record (a file's line, a Kafka message's value) over this many bytes is dead-lettered unread. */
  readonly maxRecordBytes: number;
}

/** The validated, frozen configuration of one engine run (every section, defaults filled in). */
export interface EngineConfig {
  readonly model: OnlineModelOptions;
  readonly keys: KeyConfig;
  readonly refit: RefitConfig;
  readonly snapshots: SnapshotConfig;
  readonly scores: ScoreConfig;
  readonly drift: DriftConfig;
  /** Records per batch read from a file source. */
  readonly batchSize: number;
  /**
   * Threads that read and scan a JSONL file ahead of the engine (`replay.readerThreads`): 1 (a
   * worker thread) or 0 (on the engine's thread, the default: on a loaded two-core machine the
   * worker's extra CPU cost more wall clock than it saved; bench/results/reader-thread.md).
   */
  readonly readerThreads: number;
  /** Bounds on what one record may bring in. */
  readonly limits: LimitsConfig;
  readonly checkpoints: CheckpointConfig;
  readonly http: HttpConfig;
  /** Sections the engine does not interpret (e.g. `kafka`), as their validators returned them. */
  readonly extensions: ReadonlyMap<string, unknown>;
  /** The raw document's other top-level entries the caller asked to keep (`input`, `replay.out`, ...). */
  readonly files: {
    readonly input?: string;
    /** `replay.target`: the label column of a CSV input. */
    readonly target?: string;
    /** `replay.exclude`: fields (a CSV's columns) left out of every event's features. */
    readonly exclude?: readonly string[];
    readonly out?: string;
    readonly state?: string;
    /** `state.continue`: a state directory made over another input goes on with this one. */
    readonly continue?: boolean;
  };
}

export const engineDefaults = {
  refit: {
    enabled: true,
    everyEvents: 20_000,
    everySeconds: 300,
    window: 20_000,
    tolerance: null as number | null,
    threads: 1,
    serve: 'online' as ServeSource,
    handBack: false,
  },
  snapshots: { everyEvents: 10_000, everySeconds: 60 },
  scores: { enabled: true, top: 5 },
  keys: { defaultKey: 'default', maxLiveModels: 1000 },
  batchSize: 1024,
  readerThreads: 0,
  limits: { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES },
  checkpoints: { everyEvents: 10_000, everySeconds: 10 },
  http: { port: null, host: '0.0.0.0' },
} as const;

/** Validates a section the engine does not own (returns it normalized, or throws a ConfigError). */
export type SectionValidator = (raw: unknown, path: string) => unknown;

export interface EngineConfigOptions {
  /** Extra sections and their validators (`kafka` for `run`). */
  readonly sections?: Readonly<Record<string, SectionValidator>>;
  /** Sections that are required (named in the error when missing). */
  readonly require?: readonly string[];
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects problems for one section; every check reports and returns the default on failure. */
class SectionReader {
  readonly raw: Raw;
  constructor(
    raw: unknown,
    readonly path: string,
    readonly problems: ConfigProblem[],
    known: readonly string[],
  ) {
    if (raw !== undefined && !isObject(raw)) problems.push({ path, message: 'must be an object' });
    this.raw = isObject(raw) ? raw : {};
    for (const k of Object.keys(this.raw))
      if (!known.includes(k)) problems.push({ path: `${path}.${k}`, message: unknownKeyMessage(k, known) });
  }

  private report(key: string, message: string): void {
    this.problems.push({ path: `${this.path}.${key}`, message });
  }

  number(
    key: string,
    fallback: number,
    check: { min: number; integer?: boolean; infinity?: boolean; orNull?: string },
  ): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const value = check.infinity && (v === 'Infinity' || v === null) ? Infinity : v;
    const ok =
      typeof value === 'number' &&
      value >= check.min &&
      (Number.isFinite(value) || (check.infinity === true && value === Infinity)) &&
      (!check.integer || !Number.isFinite(value) || Number.isInteger(value));
    if (!ok) {
      this.report(
        key,
        `must be ${check.integer ? 'a whole number' : 'a number'} >= ${check.min}${check.infinity ? ' (or "Infinity")' : ''}${check.orNull ? ` (or null: ${check.orNull})` : ''}, got ${shownValue(v)}`,
      );
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      this.report(key, `must be true or false, got ${shownValue(v)}`);
      return fallback;
    }
    return v;
  }

  choice<T extends string>(key: string, fallback: T, choices: readonly T[]): T {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !choices.includes(v as T)) {
      this.report(key, `must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${shownValue(v)}`);
      return fallback;
    }
    return v as T;
  }

  string(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') {
      this.report(key, `must be a non-empty string, got ${shownValue(v)}`);
      return undefined;
    }
    return v;
  }
}

/** `replay.exclude`: a list of field names (each once), or a problem. */
function excludeSetting(raw: unknown, problems: ConfigProblem[]): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.some((n) => typeof n !== 'string' || n === '')) {
    problems.push({
      path: 'replay.exclude',
      message: `must be a list of field names (["id", "user"]), got ${shownValue(raw)}`,
    });
    return undefined;
  }
  return [...new Set(raw as string[])];
}

const engineSections = [
  'model',
  'refit',
  'snapshots',
  'scores',
  'drift',
  'replay',
  'input',
  'state',
  'http',
  'limits',
];

/** Configurations `checkEngineConfig` returned: `engineConfigOf` gives them back as they are. */
const checkedConfigs = new WeakSet<object>();

/** True for a configuration `checkEngineConfig` returned (frozen, so still valid). */
export const isCheckedEngineConfig = (config: unknown): config is EngineConfig =>
  typeof config === 'object' && config !== null && checkedConfigs.has(config);

/**
 * `checkEngineConfig`'s own options from JavaScript: a misspelled one was ignored (`requre:
 * ["kafka"]` left the section optional), and a validator that is no function failed inside the check.
 */
function configOptionProblems(options: EngineConfigOptions): ConfigProblem[] {
  const problems = optionKeyProblems('checkEngineConfig', options, ['sections', 'require']);
  if (problems.length > 0) return problems;
  const o = options as Readonly<Record<string, unknown>>;
  problems.push(...optionValueProblems('checkEngineConfig', o, [['require', 'strings']]));
  if (o.sections !== undefined) {
    if (!isObject(o.sections))
      problems.push({
        path: 'checkEngineConfig: sections',
        message: `must be an object of section name → validator function, got ${shownValue(o.sections)}`,
      });
    else
      for (const [name, validate] of Object.entries(o.sections))
        if (typeof validate !== 'function')
          problems.push({
            path: `checkEngineConfig: sections.${name}`,
            message: `must be a validator function (raw, path) => section, got ${shownValue(validate)}`,
          });
  }
  return problems;
}

/** True while `misplacedProbe` validates a one-key document (its problems get no hints of their own). */
let probing = false;

/**
 * Whether `{section: {key: value}}` has `key` as a setting of `section`: the document is validated
 * with the same extra sections, and `section.key` must not be reported unknown.
 */
function misplacedProbe(
  sections: Readonly<Record<string, SectionValidator>>,
): (section: string, key: string, value: unknown) => boolean {
  return (section, key, value) => {
    const doc = { [section]: Object.fromEntries([[key, value]]) };
    probing = true;
    try {
      checkEngineConfig(doc, { sections });
      return true;
    } catch (err) {
      if (!(err instanceof ConfigError)) return false;
      // (a section that is not an object, such as input, holds no settings)
      return !err.problems.some(
        (p) => p.path === section || (p.path === `${section}.${key}` && p.message.startsWith('unknown')),
      );
    } finally {
      probing = false;
    }
  };
}

/**
 * Validates a whole configuration document once, reporting every problem of every section at once
 * (each named by its path, with the fix), and returns it with defaults filled in, frozen. The
 * engine's own sections are `model`, `refit`, `snapshots`, `scores`, `drift`, `replay` (`input`,
 * `out`, `batchSize`), `state`, `http` and `limits`; a caller adds its own (`kafka`) with validators.
 */
export function checkEngineConfig(doc: unknown, options: EngineConfigOptions = {}): EngineConfig {
  // reported with the document's problems; an option not usable as given is left out of the check
  const problems = configOptionProblems(options);
  const unusable = (key: string) =>
    problems.some((p) => p.path === 'checkEngineConfig' || p.path.startsWith(`checkEngineConfig: ${key}`));
  const extra = unusable('sections') ? {} : (options.sections ?? {});
  const required = unusable('require') ? [] : (options.require ?? []);
  const raw = isObject(doc) ? doc : {};
  if (!isObject(doc)) problems.push({ path: '', message: 'the configuration must be a JSON object' });
  const known = [...engineSections, ...Object.keys(extra)];
  for (const k of Object.keys(raw))
    if (!known.includes(k)) problems.push({ path: k, message: unknownKeyMessage(k, known, 'section') });
  for (const k of required) if (raw[k] === undefined) problems.push({ path: k, message: 'is required' });

  // model (+ the engine's keyed-model settings, which live in the same section)
  const modelRaw = isObject(raw.model) ? { ...raw.model } : raw.model;
  let keyBy: string | null = null;
  let maxLiveModels: number = engineDefaults.keys.maxLiveModels;
  if (isObject(modelRaw)) {
    const keyed = new SectionReader(
      { keyBy: modelRaw.keyBy, maxLiveModels: modelRaw.maxLiveModels },
      'model',
      problems,
      ['keyBy', 'maxLiveModels'],
    );
    keyBy = keyed.string('keyBy') ?? null;
    maxLiveModels = keyed.number('maxLiveModels', maxLiveModels, { min: 1, integer: true, infinity: true });
    delete modelRaw.keyBy;
    delete modelRaw.maxLiveModels;
  }
  const checkedModel = checkModelConfig(modelRaw === undefined ? {} : modelRaw, 'model');
  problems.push(...checkedModel.problems);

  const refit = new SectionReader(raw.refit, 'refit', problems, [
    'enabled',
    'everyEvents',
    'everySeconds',
    'window',
    'tolerance',
    'threads',
    'serve',
    'handBack',
  ]);
  const d = engineDefaults.refit;
  const refitConfig: RefitConfig = {
    enabled: refit.boolean('enabled', d.enabled),
    everyEvents: refit.number('everyEvents', d.everyEvents, { min: 1, integer: true, infinity: true }),
    everySeconds: refit.number('everySeconds', d.everySeconds, { min: 0.001, infinity: true }),
    window: refit.number('window', d.window, { min: 2, integer: true }),
    tolerance:
      refit.raw.tolerance == null
        ? d.tolerance
        : refit.number('tolerance', 1e-8, {
            min: 1e-15,
            orNull: 'binomial refits to KKT 1e-2, gaussian ones to a duality gap of 1e-8',
          }),
    threads: refit.number('threads', d.threads, { min: 0, integer: true }),
    serve: refit.choice('serve', d.serve, ['online', 'refit'] as const),
    handBack: refit.boolean('handBack', d.handBack),
  };
  if (refitConfig.serve === 'refit' && !refitConfig.enabled)
    problems.push({
      path: 'refit.serve',
      message: '"refit" needs refits: remove --no-refit / refit.enabled false, or serve "online"',
    });
  const learnerName = isObject(modelRaw) ? (modelRaw.learner ?? 'ftrl') : 'ftrl';
  if (refitConfig.handBack && learnerName !== 'ftrl')
    problems.push({
      path: 'refit.handBack',
      message: `only the ftrl learner can take a refit's weights (model.learner is ${JSON.stringify(learnerName)})`,
    });
  if (refitConfig.tolerance !== null && refitConfig.tolerance >= 1)
    problems.push({ path: 'refit.tolerance', message: `must be below 1, got ${refitConfig.tolerance}` });

  const snapshots = new SectionReader(raw.snapshots, 'snapshots', problems, ['everyEvents', 'everySeconds']);
  const s = engineDefaults.snapshots;
  const snapshotConfig: SnapshotConfig = {
    everyEvents: snapshots.number('everyEvents', s.everyEvents, { min: 1, integer: true, infinity: true }),
    everySeconds: snapshots.number('everySeconds', s.everySeconds, { min: 0.001, infinity: true }),
  };

  const scores = new SectionReader(raw.scores, 'scores', problems, ['enabled', 'top']);
  const scoreConfig: ScoreConfig = {
    enabled: scores.boolean('enabled', engineDefaults.scores.enabled),
    top: scores.number('top', engineDefaults.scores.top, { min: 0, integer: true }),
  };

  problems.push(...validateDriftConfig(raw.drift, 'drift'));

  const replay = new SectionReader(raw.replay, 'replay', problems, [
    'input',
    'out',
    'batchSize',
    'snapshotEvery',
    'readerThreads',
    'target',
    'exclude',
  ]);
  const readerThreads = replay.number('readerThreads', engineDefaults.readerThreads, {
    min: 0,
    integer: true,
  });
  if (readerThreads > 1)
    problems.push({
      path: 'replay.readerThreads',
      message: `must be 0 (read on the engine's thread) or 1 (a reader thread), got ${readerThreads}`,
    });
  const batchSize = replay.number('batchSize', engineDefaults.batchSize, { min: 1, integer: true });
  // `replay.snapshotEvery` is the older name of `snapshots.everyEvents`.
  const legacyEvery = replay.number('snapshotEvery', NaN, { min: 1, integer: true });
  if (
    !Number.isNaN(legacyEvery) &&
    isObject(raw.snapshots) &&
    raw.snapshots.everyEvents !== undefined &&
    !Object.is(raw.snapshots.everyEvents, legacyEvery)
  )
    problems.push(olderNameConflict('replay.snapshotEvery', legacyEvery, raw.snapshots.everyEvents));
  const input = replay.string('input') ?? (typeof raw.input === 'string' ? raw.input : undefined);
  if (raw.input !== undefined && typeof raw.input !== 'string')
    problems.push({ path: 'input', message: 'must be the path of a JSONL file' });
  // the older top-level name beside the newer one: which file was meant is unknown
  else if (
    typeof raw.input === 'string' &&
    typeof replay.raw.input === 'string' &&
    resolve(raw.input) !== resolve(replay.raw.input)
  )
    problems.push({
      path: 'input',
      message: `is the older name of replay.input, which the file sets to another file (${JSON.stringify(raw.input)} and ${JSON.stringify(replay.raw.input)}): keep replay.input only`,
    });
  const out = replay.string('out');
  const target = replay.string('target');
  const exclude = excludeSetting(replay.raw.exclude, problems);
  if (exclude !== undefined && readerThreads > 0)
    problems.push({
      path: 'replay.exclude',
      message:
        "leaves fields out on the engine's thread: leave out replay.readerThreads (--reader-threads), or the fields",
    });
  // (keyBy "key" is the event's own key, not a feature)
  if (exclude !== undefined && keyBy !== null && keyBy !== 'key' && exclude.includes(keyBy))
    problems.push({
      path: 'replay.exclude',
      message: `names "${keyBy}", the key field of the keyed models (--key-by, model.keyBy): a keyed model leaves its key field out of its features already, and without it every event would have no key`,
    });
  const state = new SectionReader(raw.state, 'state', problems, [
    'dir',
    'everyEvents',
    'everySeconds',
    'continue',
  ]);
  const stateDir = state.string('dir');
  const continueState = state.boolean('continue', false);
  // (it did nothing, without a word)
  if (continueState && stateDir === undefined)
    problems.push({
      path: 'state.continue',
      message:
        'goes on with a state directory made over another input: it needs state.dir (--state DIR), without which every run starts afresh',
    });
  const c = engineDefaults.checkpoints;
  const checkpoints: CheckpointConfig = {
    everyEvents: state.number('everyEvents', c.everyEvents, { min: 1, integer: true, infinity: true }),
    everySeconds: state.number('everySeconds', c.everySeconds, { min: 0.001, infinity: true }),
  };
  const limitsSection = new SectionReader(raw.limits, 'limits', problems, ['maxRecordBytes']);
  const limits: LimitsConfig = {
    maxRecordBytes: limitsSection.number('maxRecordBytes', engineDefaults.limits.maxRecordBytes, {
      min: 64,
      integer: true,
    }),
  };
  const httpSection = new SectionReader(raw.http, 'http', problems, ['port', 'host']);
  const port =
    httpSection.raw.port === null ? null : httpSection.number('port', NaN, { min: 0, integer: true });
  // a section without a port would serve nothing, silently
  if (isObject(raw.http) && raw.http.port === undefined)
    problems.push({
      path: 'http.port',
      message: 'is required in an "http" section: a TCP port (0: any free one), or null for no server',
    });
  if (port !== null && port > 65535)
    problems.push({ path: 'http.port', message: `must be a TCP port (0-65535), got ${port}` });
  const http: HttpConfig = {
    port: port === null || Number.isNaN(port) ? engineDefaults.http.port : port,
    host: httpSection.string('host') ?? engineDefaults.http.host,
  };

  const extensions = new Map<string, unknown>();
  for (const [name, validate] of Object.entries(extra)) {
    if (raw[name] === undefined) continue;
    try {
      extensions.set(name, validate(raw[name], name));
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0 || checkedModel.options === undefined)
    throw new ConfigError(
      probing ? problems : withMisplacedHints(problems, raw, known, misplacedProbe(extra)),
    );
  const model = checkedModel.options;
  const config: EngineConfig = Object.freeze({
    model,
    keys: Object.freeze({
      keyBy,
      defaultKey: model.key ?? engineDefaults.keys.defaultKey,
      maxLiveModels,
    }),
    refit: Object.freeze(refitConfig),
    snapshots: Object.freeze(
      Number.isNaN(legacyEvery) || (isObject(raw.snapshots) && raw.snapshots.everyEvents !== undefined)
        ? snapshotConfig
        : { ...snapshotConfig, everyEvents: legacyEvery },
    ),
    scores: Object.freeze(scoreConfig),
    drift: resolveDriftConfig(raw.drift),
    batchSize,
    readerThreads,
    limits: Object.freeze(limits),
    checkpoints: Object.freeze(checkpoints),
    http: Object.freeze(http),
    extensions,
    files: Object.freeze({
      ...(input !== undefined ? { input } : {}),
      ...(target !== undefined ? { target } : {}),
      ...(exclude !== undefined && exclude.length > 0 ? { exclude: Object.freeze(exclude) } : {}),
      ...(out !== undefined ? { out } : {}),
      ...(stateDir !== undefined ? { state: stateDir } : {}),
      ...(continueState ? { continue: true } : {}),
    }),
  });
  checkedConfigs.add(config);
  return config;
}

/** An older name of `snapshots.everyEvents` (`path`) set beside it to another value: which one is meant is not known. */
export function olderNameConflict(path: string, older: unknown, everyEvents: unknown): ConfigProblem {
  return {
    path,
    message: `is the older name of snapshots.everyEvents, which the file sets to another value (${JSON.stringify(older)} and ${JSON.stringify(everyEvents)}): keep snapshots.everyEvents only`,
  };
}

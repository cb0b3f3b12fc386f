import { checkEngineConfig, type EngineConfig, type SectionValidator } from '../engine/config.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { parseNameList } from './nameList.js';
import { flagNumber, parseCommandArgs, readJsonConfig, UsageError, type OptionsConfig } from './io.js';

/** The flags of `replay` (the engine over a file): each sets one entry of the configuration. */
export const replayFlagOptions = {
  input: { type: 'string' },
  target: { type: 'string' },
  family: { type: 'string' },
  learner: { type: 'string' },
  lambda: { type: 'string' },
  'l1-ratio': { type: 'string' },
  standardize: { type: 'boolean' },
  'hash-bits': { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
  'snapshot-every': { type: 'string' },
  'snapshot-seconds': { type: 'string' },
  'batch-size': { type: 'string' },
  'reader-threads': { type: 'string' },
  'max-record-bytes': { type: 'string' },
  'max-features': { type: 'string' },
  exclude: { type: 'string', multiple: true },
  key: { type: 'string' },
  'key-by': { type: 'string' },
  'max-live-models': { type: 'string' },
  refit: { type: 'boolean' },
  'refit-every': { type: 'string' },
  'refit-window': { type: 'string' },
  'refit-threads': { type: 'string' },
  drift: { type: 'boolean' },
  'drift-threads': { type: 'string' },
  serve: { type: 'string' },
  state: { type: 'string' },
  continue: { type: 'boolean' },
  progress: { type: 'boolean' },
} as const satisfies OptionsConfig;

export const replayFlagsUsage = `  --family F            gaussian | binomial (required unless in --config)
  --learner L           ftrl (default) | fobos | truncated-gradient
  --lambda L            penalty λ ≥ 0 on the per-event scale (docs/conventions.md), or auto (the
                        default): 0.03 × λ_max of the first 1000 labelled events, then kept
                        (before that, of the events so far: re-chosen at 2, 4, 8, … of them)
  --l1-ratio A          L1 share α in (0, 1] (default 1: lasso)
  --standardize         scale every column to unit population sd (as glmnet's standardize=TRUE)
  --no-standardize      learn on raw columns (default "auto": 0/1 columns such as one-hot levels
                        as they are, numeric columns divided by sd/√(share of events present))
  --hash-bits B         hashing trick with 2^B columns (default: exact feature names)
  --config FILE         JSON configuration (sections model, refit, snapshots, scores, drift,
                        replay, state, limits); flags override it
  --snapshot-every N    learned events (per model) between snapshots (default 10000)
  --snapshot-seconds S  also a snapshot of a model that learned since, S seconds of this run's
                        clock after its last one (default: none, so the outputs do not depend on
                        the machine's speed; snapshots.everySeconds)
  --batch-size N        records per batch (default 1024)
  --reader-threads T    1: read and parse the input in a worker thread, ahead of learning (on 2
                        cores at most ~20 % faster with --hash-bits, within the noise, and no
                        faster without: see the README); 0 (default): on the engine's thread
                        (replay.readerThreads)
  --max-record-bytes N  a line over N bytes is dead-lettered unread and the run goes on
                        (default 1048576; limits.maxRecordBytes)
  --max-features N      exact names: columns per model at most (default 1048576); new names
                        beyond are left out of their events and counted (model.maxFeatures)
  --exclude F[,F]       leave these fields (a CSV's columns) out of every event's features: an
                        id column, one that leaks the label (replay.exclude); a name holding
                        a comma in CSV quotes: --exclude '"price, usd",id'; may be repeated;
                        replaces the configuration's list, as every flag its entry
  --key K               the single model's key (default "default"; not with --key-by)
  --key-by FIELD        one model per value of FIELD ("key": the event's key; or a feature such
                        as campaign); the field is constant within its model
  --max-live-models N   keyed models held in memory (default 1000); the others are checkpointed
  --refit-every N       learned events (per model) between refits (default 20000)
  --refit-window W      refit on the last W learned events (default 20000)
  --refit-threads T     worker threads for refits (default 1; 0: inline, blocking, deterministic)
  --no-refit            online learning only (--refit: refits on, the default, over a --config
                        whose refit.enabled is false)
  --no-drift            no drift monitor: learning, refits and scores only (alerts.jsonl
                        stays empty; drift.enabled)
  --drift-threads T     1: the sequential input-drift test in a worker thread, beside learning
                        (pays where a core is free); 0: on the engine's thread (default 1 on
                        four cores or more, else 0; drift.threads)
  --serve S             online (default) | refit: the model that scores unlabelled events
  --state DIR           checkpoint into DIR (model states, evicted keyed models, the last line
                        done) and resume from it: the same command after a crash, kill or
                        Ctrl-C goes on where the last checkpoint was; DIR is for one input (a
                        regular file, not a pipe) and one set of model settings (default: no
                        checkpoints; keyed models spill to a temporary directory)
  --continue            with --state DIR made over another input (yesterday's file): go on
                        learning from DIR's models with --input from its first line (snapshot
                        versions go on increasing); without it another input is refused
                        (state.continue)`;

type Values = {
  readonly [K in keyof typeof replayFlagOptions]?: (typeof replayFlagOptions)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy of `doc[section]` (an object, or a new one) written back into `doc`, for the flags to
 * write into. A section of the file that is not an object stays as it is, for checkEngineConfig
 * to name (`model: must be an object`; the flags cannot fix it); `drift: null`, which it reads as
 * the defaults, is a new one.
 */
function section(doc: Doc, name: string): Doc {
  const given = doc[name];
  if (given !== undefined && !isObject(given) && !(given === null && name === 'drift')) return {};
  const s = isObject(given) ? { ...given } : {};
  doc[name] = s;
  return s;
}

/**
 * A numeric flag as a number, or its problem. Flags are parsed leniently here and judged by the
 * configuration's own checks, so a bad flag and a bad file entry are reported together.
 */
function numeric(
  flag: string,
  raw: string | undefined,
  problems: ConfigProblem[],
  expected = 'a number',
): number | undefined {
  if (raw === undefined) return undefined;
  const v = flagNumber(raw);
  if (Number.isNaN(v)) {
    problems.push({ path: `--${flag}`, message: `must be ${expected}, got "${raw}"` });
    return undefined;
  }
  return v;
}

/** The settings the flags set (flags that take a value), by their path in the configuration. */
const FLAG_SETTINGS: ReadonlyArray<readonly [string, keyof Values]> = [
  ['model.family', 'family'],
  ['model.learner', 'learner'],
  ['model.key', 'key'],
  ['model.keyBy', 'key-by'],
  ['model.lambda', 'lambda'],
  ['model.l1Ratio', 'l1-ratio'],
  ['model.hashBits', 'hash-bits'],
  ['model.maxFeatures', 'max-features'],
  ['model.maxLiveModels', 'max-live-models'],
  ['refit.everyEvents', 'refit-every'],
  ['refit.window', 'refit-window'],
  ['refit.threads', 'refit-threads'],
  ['refit.serve', 'serve'],
  ['snapshots.everyEvents', 'snapshot-every'],
  ['snapshots.everySeconds', 'snapshot-seconds'],
  ['replay.batchSize', 'batch-size'],
  ['replay.readerThreads', 'reader-threads'],
  ['replay.target', 'target'],
  ['replay.exclude', 'exclude'],
  ['drift.threads', 'drift-threads'],
  ['limits.maxRecordBytes', 'max-record-bytes'],
  ['state.continue', 'continue'],
];

/**
 * Parses the replay flags and the `--config` file into one validated engine configuration: flags
 * override the file, and every problem of both is reported at once.
 */
export async function engineConfigFrom(
  argv: readonly string[],
  options: typeof replayFlagOptions,
  sections: Readonly<Record<string, SectionValidator>> = {},
): Promise<{ config: EngineConfig; out: string; progress: boolean | undefined }> {
  const { values } = parseCommandArgs(argv, options) as { values: Values };
  const doc: Doc = values.config ? await readJsonConfig(values.config) : {};
  const problems: ConfigProblem[] = [];
  const model = section(doc, 'model');
  const set = (target: Doc, key: string, v: unknown) => {
    if (v !== undefined) target[key] = v;
  };
  set(model, 'family', values.family);
  set(model, 'learner', values.learner);
  set(model, 'key', values.key);
  set(model, 'keyBy', values['key-by']);
  set(
    model,
    'lambda',
    values.lambda?.trim() === 'auto'
      ? 'auto'
      : numeric('lambda', values.lambda, problems, 'a number >= 0 or "auto"'),
  );
  set(model, 'l1Ratio', numeric('l1-ratio', values['l1-ratio'], problems));
  set(model, 'hashBits', numeric('hash-bits', values['hash-bits'], problems));
  set(model, 'maxFeatures', numeric('max-features', values['max-features'], problems));
  set(model, 'standardize', values.standardize);
  set(model, 'maxLiveModels', numeric('max-live-models', values['max-live-models'], problems));
  if (
    values.refit !== undefined ||
    values['refit-every'] ||
    values['refit-window'] ||
    values['refit-threads'] ||
    values.serve
  ) {
    const refit = section(doc, 'refit');
    set(refit, 'enabled', values.refit);
    set(refit, 'everyEvents', numeric('refit-every', values['refit-every'], problems));
    set(refit, 'window', numeric('refit-window', values['refit-window'], problems));
    set(refit, 'threads', numeric('refit-threads', values['refit-threads'], problems));
    set(refit, 'serve', values.serve);
  }
  if (values['snapshot-every'] !== undefined || values['snapshot-seconds'] !== undefined) {
    const snapshots = section(doc, 'snapshots');
    set(snapshots, 'everyEvents', numeric('snapshot-every', values['snapshot-every'], problems));
    set(snapshots, 'everySeconds', numeric('snapshot-seconds', values['snapshot-seconds'], problems));
  }
  // A replay's outputs are a function of its input and configuration: the cadences in seconds
  // (for `run` on live streams) would make them depend on the machine's speed, so they are off
  // unless the configuration or --snapshot-seconds asks for them.
  for (const name of ['snapshots', 'refit'])
    if (doc[name] === undefined || isObject(doc[name])) {
      const cadence = section(doc, name);
      if (cadence.everySeconds === undefined) cadence.everySeconds = Infinity;
    }
  const replay = section(doc, 'replay');
  set(replay, 'input', values.input);
  // --input names the input whatever the file says, under either name
  if (values.input !== undefined) delete doc.input;
  set(replay, 'target', values.target);
  if (values.exclude !== undefined) {
    // given once or more
    const names = new Set<string>();
    let bad = false;
    for (const raw of values.exclude) {
      const some = parseNameList(raw);
      if (typeof some === 'string') {
        bad = true;
        problems.push({ path: '--exclude', message: `takes field names separated by commas, ${some}` });
      } else for (const name of some) names.add(name);
    }
    if (!bad) set(replay, 'exclude', [...names]);
  }
  set(replay, 'out', values.out);
  set(replay, 'batchSize', numeric('batch-size', values['batch-size'], problems));
  set(replay, 'readerThreads', numeric('reader-threads', values['reader-threads'], problems));
  if (values.drift !== undefined) set(section(doc, 'drift'), 'enabled', values.drift);
  if (values['drift-threads'] !== undefined)
    set(section(doc, 'drift'), 'threads', numeric('drift-threads', values['drift-threads'], problems));
  if (values.state !== undefined) set(section(doc, 'state'), 'dir', values.state);
  if (values.continue !== undefined) set(section(doc, 'state'), 'continue', values.continue);
  if (values['max-record-bytes'] !== undefined)
    set(
      section(doc, 'limits'),
      'maxRecordBytes',
      numeric('max-record-bytes', values['max-record-bytes'], problems),
    );
  // `run` serves the endpoints of an "http" section; a replay would ignore it without a word
  if (doc.http !== undefined)
    problems.push({
      path: 'http',
      message:
        'replay serves no HTTP endpoints: remove the section, or use \'l1stream run --config FILE\', which serves them for files in and out too ("replay": {"input", "out"})',
    });
  if (replay.input === undefined && typeof doc.input !== 'string')
    problems.push({ path: '--input', message: 'is required: a JSON-lines file of events' });
  if (isObject(doc.model) && doc.model.family === undefined) {
    problems.push({
      path: '--family',
      message: 'is required (gaussian or binomial), or model.family in --config',
    });
    model.family = 'gaussian'; // reported above; lets the other sections be checked too
  }
  // (the engine takes both, as a configuration it checked itself has both; a user who gives both
  // expects the key to be used)
  if (model.key !== undefined && model.keyBy !== undefined && model.keyBy !== null)
    problems.push({
      path: values.key !== undefined ? '--key' : 'model.key',
      message: `names the one model's key, and ${values['key-by'] !== undefined ? '--key-by' : 'model.keyBy'} ${JSON.stringify(model.keyBy)} learns one model per value of that field instead, so it would be unused: give one of the two`,
    });
  let config: EngineConfig | undefined;
  try {
    config = checkEngineConfig(doc, { sections });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // a setting a flag gave is named by the flag; one whose flag was refused above is left out
    const flagOf = new Map(
      FLAG_SETTINGS.filter(([, flag]) => values[flag] !== undefined).map(([path, flag]) => [
        path,
        `--${flag}`,
      ]),
    );
    for (const problem of err.problems) {
      const flag = flagOf.get(problem.path);
      if (flag === undefined) problems.push(problem);
      else if (!problems.some((p) => p.path === flag))
        problems.push({ path: flag, message: problem.message });
    }
  }
  if (problems.length > 0 || config === undefined) {
    if (problems.length === 1 && problems[0].path.startsWith('--'))
      throw new UsageError(`${problems[0].path} ${problems[0].message}`);
    throw new ConfigError(problems);
  }
  return { config, out: config.files.out ?? 'l1stream-out', progress: values.progress };
}

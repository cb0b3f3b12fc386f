import { unknownKeyMessage } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { checkEngineConfig, isCheckedEngineConfig, type EngineConfig } from './config.js';

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The top-level entries of an `EngineConfig`; those after `drift` are never sections of a document. */
const configKeys = [
  'model',
  'refit',
  'snapshots',
  'scores',
  'drift',
  'limits',
  'http',
  'keys',
  'batchSize',
  'readerThreads',
  'checkpoints',
  'extensions',
  'files',
];
const configOnly = configKeys.slice(configKeys.indexOf('keys'));

/** Where an `EngineConfig`'s entries are in a document, and back (for the problems' paths). */
const documentPaths: ReadonlyMap<string, string> = new Map([
  ['model.keyBy', 'keys.keyBy'],
  ['model.maxLiveModels', 'keys.maxLiveModels'],
  ['replay.batchSize', 'batchSize'],
  ['replay.readerThreads', 'readerThreads'],
  ['replay.input', 'files.input'],
  ['replay.out', 'files.out'],
  ['state.dir', 'files.state'],
  ['state.continue', 'files.continue'],
  ['state.everyEvents', 'checkpoints.everyEvents'],
  ['state.everySeconds', 'checkpoints.everySeconds'],
]);

/**
 * The configuration an `Engine` runs with. One `checkEngineConfig` returned is given back as it
 * is (a WeakSet lookup). Anything else, which only JavaScript or a cast lets through, is checked
 * as `checkEngineConfig` checks a document, every problem in one `ConfigError`: a document
 * (`{ model: { family: "binomial" } }`) is checked as one; an `EngineConfig` built or changed by
 * hand (`{ ...config, batchSize: 0 }`) is checked through the document it stands for, its
 * problems named by its own paths (`batchSize`, `keys.maxLiveModels`) and its `extensions` kept.
 */
export function engineConfigOf(config: unknown): EngineConfig {
  if (isCheckedEngineConfig(config)) return config;
  if (!isObject(config) || !configOnly.some((k) => config[k] !== undefined)) return checkEngineConfig(config);
  const problems: ConfigProblem[] = [];
  for (const k of Object.keys(config))
    if (!configKeys.includes(k)) problems.push({ path: k, message: unknownKeyMessage(k, configKeys) });
  const part = (name: string): Raw => {
    const v = config[name];
    if (v !== undefined && !isObject(v)) problems.push({ path: name, message: 'must be an object' });
    return isObject(v) ? v : {};
  };
  const keys = part('keys');
  const files = part('files');
  const checkpoints = part('checkpoints');
  const extensions = config.extensions ?? new Map();
  if (!(extensions instanceof Map)) {
    problems.push({ path: 'extensions', message: 'must be a Map of section name → its checked value' });
  }
  const sections: Raw = extensions instanceof Map ? Object.fromEntries(extensions) : {};
  const doc: Raw = {
    ...sections,
    model: isObject(config.model)
      ? { ...config.model, keyBy: keys.keyBy ?? undefined, maxLiveModels: keys.maxLiveModels }
      : config.model,
    refit: config.refit,
    snapshots: config.snapshots,
    scores: config.scores,
    drift: config.drift,
    limits: config.limits,
    http: config.http,
    replay: {
      input: files.input,
      out: files.out,
      batchSize: config.batchSize,
      readerThreads: config.readerThreads,
    },
    state: {
      dir: files.state,
      continue: files.continue,
      everyEvents: checkpoints.everyEvents,
      everySeconds: checkpoints.everySeconds,
    },
  };
  // the extensions were checked by validators not known here: they are kept as they are
  const keep = Object.fromEntries(Object.keys(sections).map((name) => [name, (raw: unknown) => raw]));
  try {
    const checked = checkEngineConfig(doc, { sections: keep });
    if (problems.length === 0) return checked;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) problems.push({ ...p, path: documentPaths.get(p.path) ?? p.path });
  }
  throw new ConfigError(problems);
}

import { optionKeyProblems } from '../config/optionKeys.js';
import { isOptionsObject, optionValueProblems, type OptionKind } from '../config/optionValues.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { engineConfigOf } from './checkedConfig.js';
import type { EngineConfig } from './config.js';

/** A port's methods: those it must have, and those that, when present, must be functions. */
interface PortShape {
  readonly what: string;
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

const source: PortShape = {
  what: 'an EventSource: { batches$ } with batches$ an Observable of raw batches (jsonlSource(path), a Kafka source)',
  required: [],
  optional: ['commit', 'release', 'onAssign', 'stillAssigned', 'prepare', 'close'],
};
const sink: PortShape = {
  what: 'an OutputSink (FileOutputSink.open(dir), a Kafka sink, or your own)',
  required: ['model', 'score', 'alert', 'deadLetter', 'flush', 'close'],
  optional: ['discard', 'publishedVersion'],
};
const store: PortShape = {
  what: 'a StateStore (MemoryStateStore, DirectoryStateStore, a Kafka state store)',
  required: ['get', 'put', 'delete', 'keys'],
  optional: ['checkpoint', 'release', 'versionFloor', 'remedy', 'flush', 'detach', 'restore'],
};
const runner: PortShape = {
  what: 'a RefitRunner (InlineRefitRunner, WorkerRefitRunner)',
  required: ['run', 'close'],
  optional: ['prestart'],
};

const portNames = ['source', 'sink', 'store', 'runner'] as const;

/** `EngineOptions`' keys: a misspelled one (`stopp`, `partsize`) was ignored. */
const optionNames = [
  'decoder',
  'partSize',
  'clock',
  'scheduler',
  'logger',
  'stop',
  'dropQueuedOnStop',
  'observer',
  'rewindOnAssign',
  'workerFiles',
  'failWhenFirstRejected',
  'warnNumericStrings',
  'storeModelsAtEnd',
] as const;

const isObject = (v: unknown): v is object =>
  (typeof v === 'object' && v !== null) || typeof v === 'function';

/** The problems of one port: absent, not an object, methods missing or not functions. */
function portProblems(name: string, port: unknown, shape: PortShape, optional: boolean): ConfigProblem[] {
  const path = `ports.${name}`;
  if (port === undefined && optional) return [];
  if (!isObject(port))
    return [{ path, message: `${port === undefined ? 'required' : 'must be an object'}: ${shape.what}` }];
  const methods = port as Readonly<Record<string, unknown>>;
  const missing = shape.required.filter((m) => typeof methods[m] !== 'function');
  const wrong = shape.optional.filter((m) => methods[m] !== undefined && typeof methods[m] !== 'function');
  const problems: ConfigProblem[] = [];
  if (missing.length > 0)
    problems.push({ path, message: `has no method ${missing.join(', ')}: it must be ${shape.what}` });
  for (const m of wrong) problems.push({ path: `${path}.${m}`, message: 'must be a function when given' });
  return problems;
}

/**
 * What is wrong with `new Engine`'s ports (JavaScript callers, or values cast past the types),
 * every problem at once, named as `ports.<port>`; empty when they can be used.
 */
export function enginePortsProblems(ports: unknown): ConfigProblem[] {
  if (!isObject(ports))
    return [
      {
        path: 'ports',
        message:
          'required: { source, sink } and optionally store and runner (the README, "Your own pipeline")',
      },
    ];
  const p = ports as Readonly<Record<string, unknown>>;
  // a misspelled port (`stor`) was ignored: the models' states then went to memory, not the store
  const problems = optionKeyProblems('ports', ports, portNames).map((q) => ({
    path: `ports.${q.path.slice('ports: '.length)}`,
    message: q.message.replace(/^unknown option/, 'unknown port'),
  }));
  problems.push(...portProblems('source', p.source, source, false));
  if (isObject(p.source) && problems.every((q) => !q.path.startsWith('ports.source'))) {
    const batches = (p.source as Readonly<Record<string, unknown>>).batches$;
    if (!isObject(batches) || typeof (batches as { subscribe?: unknown }).subscribe !== 'function')
      problems.push({
        path: 'ports.source.batches$',
        message: 'must be an Observable of raw batches (it has no subscribe method)',
      });
  }
  problems.push(
    ...portProblems('sink', p.sink, sink, false),
    ...portProblems('store', p.store, store, true),
    ...portProblems('runner', p.runner, runner, true),
  );
  return problems;
}

/** The kinds of `EngineOptions`' values: `rewindOnAssign: "yes"` was read as false (`=== true`). */
const optionKinds: ReadonlyArray<readonly [string, OptionKind]> = [
  ['clock', 'function'],
  ['scheduler', 'object'],
  ['logger', 'object'],
  ['stop', 'object'],
  ['dropQueuedOnStop', 'boolean'],
  ['observer', 'object'],
  ['rewindOnAssign', 'boolean'],
  ['workerFiles', 'object'],
  ['warnNumericStrings', 'boolean'],
  ['storeModelsAtEnd', 'boolean'],
];

/** The problems of `EngineOptions`' keys and values, named `options.<key>`. */
function engineOptionProblems(options: unknown): ConfigProblem[] {
  const named = (q: ConfigProblem) => ({
    path: q.path === 'options' ? q.path : `options.${q.path.slice('options: '.length)}`,
    message: q.message,
  });
  const problems = optionKeyProblems('options', options, optionNames);
  if (!isOptionsObject(options)) return problems.map(named);
  const o = options;
  problems.push(...optionValueProblems('options', o, optionKinds));
  if (o.partSize !== undefined && !(typeof o.partSize === 'number' && o.partSize >= 1))
    problems.push({
      path: 'options: partSize',
      message: `must be a number >= 1 (records decoded and learned at a time), got ${shownValue(o.partSize)}`,
    });
  const limit = o.failWhenFirstRejected;
  if (limit !== undefined && !(typeof limit === 'number' && Number.isInteger(limit) && limit >= 1))
    problems.push({
      path: 'options: failWhenFirstRejected',
      message: `must be a whole number >= 1 (records all rejected since the start before the run fails), got ${shownValue(limit)}`,
    });
  return problems.map(named);
}

/** `engineConfigOf(config)`, the ports' problems reported in the same `ConfigError` as the configuration's. */
export function checkedConfigAndPorts(config: unknown, ports: unknown, options: unknown = {}): EngineConfig {
  const problems = [...enginePortsProblems(ports), ...engineOptionProblems(options)];
  if (problems.length === 0) return engineConfigOf(config);
  try {
    engineConfigOf(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...err.problems, ...problems]);
    throw err;
  }
  throw new ConfigError(problems);
}

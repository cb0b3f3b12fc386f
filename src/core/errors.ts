/**
 * One error hierarchy for the whole engine (in the spirit of kafkajs' `errors.js` and fastify's
 * coded errors): every error has a stable `code`, says what to do in its message, tells whether
 * retrying can help (`retriable`) and keeps the underlying `cause`.
 */
export interface EngineErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

export class EngineError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** One problem in a configuration, named by its path (`learner.lambda`) and with the fix. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A number asked for and a number in quotes given (`"enter": "0.05"`): the problem says to drop
 * the quotes, since the value reads as a number to a person and as a string to JSON.
 */
function quotedNumberHint(p: ConfigProblem): ConfigProblem {
  const quoted = /must be\b.*\bnumber\b.*, got "([^"]*)"$/.exec(p.message);
  if (quoted === null || quoted[1]!.trim() === '' || !Number.isFinite(Number(quoted[1]))) return p;
  return { path: p.path, message: `${p.message}: a number in quotes is a string; write it without them` };
}

/** A bad configuration or command line: all problems are reported together. */
export class ConfigError extends EngineError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: EngineErrorOptions = {}) {
    const hinted = problems.map(quotedNumberHint);
    const lines = hinted.map((p) => (p.path ? `  ${p.path}: ${p.message}` : `  ${p.message}`));
    super('L1S_CONFIG', `invalid configuration:\n${lines.join('\n')}`, options);
    this.problems = hinted;
  }

  static single(path: string, message: string): ConfigError {
    return new ConfigError([{ path, message }]);
  }
}

/** An event (or record) that cannot be learned from; it goes to the dead-letter sink. */
export class InputError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('L1S_INPUT', message, options);
  }
}

/** A data set or design that a solver cannot work on (empty, constant target, bad shapes). */
export class DataError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('L1S_DATA', message, options);
  }
}

/** A numerical problem inside a learner or solver (divergence, no convergence). */
export class NumericError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('L1S_NUMERIC', message, options);
  }
}

/** A checkpoint or snapshot that cannot be restored. */
export class StateError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('L1S_STATE', message, options);
  }
}

/**
 * A model's stored state that cannot be restored (damaged bytes, another format): names the key
 * and, from the store, where the state is and what to do.
 */
export class UnreadableState extends StateError {
  constructor(
    readonly key: string,
    problem: string,
    remedy: string | undefined,
    options: EngineErrorOptions = {},
  ) {
    super(
      `the stored state of model "${key}" cannot be restored (${problem})${remedy !== undefined ? `: ${remedy}` : ''}`,
      options,
    );
  }
}

/** A failure talking to an external system (broker, registry, file system). */
export class ConnectorError extends EngineError {
  constructor(code: string, message: string, options: EngineErrorOptions = {}) {
    super(code, message, options);
  }
}

import { constants } from 'node:fs';
import { access, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { closest } from '../config/unknownKey.js';
import { withoutBom } from '../core/bom.js';
import { duplicateKeys, jsonSyntaxMessage } from '../core/jsonSyntax.js';
import { ConfigError, EngineError, UnreadableState } from '../core/errors.js';
import { isErrnoError, pathProblem, type PathUse } from '../core/pathProblem.js';

export { pathProblem, type PathUse };

/** Where a command writes: data to `stdout` (or files), diagnostics and progress to `stderr`. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** True when stderr is a terminal: progress lines are shown only then (or with --progress). */
  readonly interactive: boolean;
}

export const processIO: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stderr.isTTY),
};

/** A command-line usage problem: printed with the command's usage, exit code 2. */
export class UsageError extends EngineError {
  constructor(message: string) {
    super('L1S_USAGE', message);
  }
}

/** A path the user named cannot be read or written: one line (no usage), exit code 2. */
export class PathError extends UsageError {}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict argument parsing: an unknown flag, a missing value or a stray positional is a
 * `UsageError` (exit 2) that names the flag.
 */
export type ParsedCommandArgs<T extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false; allowNegative: true }>
>;

export function parseCommandArgs<T extends OptionsConfig>(
  argv: readonly string[],
  options: T,
): ParsedCommandArgs<T> {
  const args = joinNegativeValues(argv, options);
  let parsed: ParsedCommandArgs<T>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, allowNegative: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '(-[^']*)'/.exec(message)?.[1];
    if (unknown !== undefined) throw new UsageError(unknownOptionMessage(unknown, options));
    // a switch given a value: named as written (`--no-refit=3`, which parseArgs calls '--refit')
    const flag = /^Option '--([^']*)' does not take an argument/.exec(message)?.[1];
    if (flag !== undefined) {
      const given = args.find((a) => a.startsWith(`--${flag}=`) || a.startsWith(`--no-${flag}=`));
      if (given !== undefined)
        throw new UsageError(
          `${given.slice(0, given.indexOf('='))} is a switch and takes no value (got ${given})`,
        );
    }
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  refuseRepeats(args, options);
  return parsed;
}

/** `unknown option --lamda; did you mean --lambda?`: the closest flag, when it looks like a typo of one. */
function unknownOptionMessage(flag: string, options: OptionsConfig): string {
  const names = Object.entries(options).flatMap(([name, o]) =>
    o.type === 'boolean' ? [name, `no-${name}`] : [name],
  );
  const guess = closest(flag.replace(/^-+/, ''), [...names, 'help']);
  return `unknown option ${flag}${guess !== undefined ? `; did you mean --${guess}?` : ''}`;
}

/**
 * A flag given twice (`--input a --input b`: parseArgs keeps the last) or a switch given both ways
 * (`--standardize --no-standardize`) is a usage error naming both, not a silent choice.
 */
function refuseRepeats(args: readonly string[], options: OptionsConfig): void {
  const seen = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    let name = arg.slice(2, eq < 0 ? undefined : eq);
    let given = arg;
    if (Object.hasOwn(options, name) && options[name]!.type === 'string') {
      if (eq < 0) given = `${arg} ${args[++i] ?? ''}`;
    } else if (name.startsWith('no-') && Object.hasOwn(options, name.slice(3))) name = name.slice(3);
    const before = seen.get(name);
    // (a flag that takes several values, `--exclude a --exclude b`, may repeat)
    if (before !== undefined && options[name]?.multiple !== true)
      throw new UsageError(
        before.split(' ')[0] === given.split(' ')[0] && options[name]!.type === 'boolean'
          ? `${given} is given twice: give it once`
          : options[name]!.type === 'boolean'
            ? `${before} and ${given} contradict each other: give one of them`
            : `--${name} is given twice (${before}, then ${given}): give it once`,
      );
    seen.set(name, given);
  }
}

/**
 * `--lambda -1`: parseArgs takes a value starting with a dash for a flag and refuses it as
 * ambiguous; a negative number after a flag that takes a value is that flag's value (joined as
 * `--lambda=-1`), so it reaches the flag's own check ("must be >= 0").
 */
function joinNegativeValues(argv: readonly string[], options: OptionsConfig): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (
      name !== undefined &&
      Object.hasOwn(options, name) &&
      options[name]!.type === 'string' &&
      next !== undefined &&
      /^-(\d|\.\d|Infinity\b)/.test(next)
    ) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  return args;
}

/**
 * A flag's number as written in decimal (`0.5`, `-1e-3`, `Infinity`), else NaN: `Number` also
 * takes hexadecimal, octal and binary (`--lambda 0x10` fitted at λ = 16), which a CSV cell or a
 * JSON number does not.
 */
export function flagNumber(raw: string): number {
  const text = raw.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) || /^[+-]?Infinity$/.test(text)
    ? Number(text)
    : NaN;
}

/** Parses a numeric flag, naming the flag in the error. */
export function numberFlag(
  name: string,
  raw: string | undefined,
  check: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const v = flagNumber(raw);
  const problems: string[] = [];
  if (!Number.isFinite(v)) problems.push(`--${name} must be a number, got "${raw}"`);
  else {
    if (check.integer && !Number.isInteger(v)) problems.push(`--${name} must be a whole number, got ${raw}`);
    if (check.min !== undefined && (check.exclusiveMin ? v <= check.min : v < check.min)) {
      problems.push(`--${name} must be ${check.exclusiveMin ? '>' : '>='} ${check.min}, got ${raw}`);
    }
    if (check.max !== undefined && v > check.max)
      problems.push(`--${name} must be <= ${check.max}, got ${raw}`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return v;
}

/** A file-system error with the given errno code, for messages about checks made by hand. */
const errnoError = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

/**
 * Checks, before any work, that an output file the user named can be created: it is not a
 * directory, and a new one is created (then removed) in its directory, which must exist (a
 * directory can refuse new entries: /proc). Otherwise a PathError naming the flag and the fix.
 */
export async function checkOutputFile(
  flag: string,
  path: string,
  inputs: ReadonlyArray<readonly [where: string, path: string | undefined]> = [],
): Promise<void> {
  const where = `--${flag}`;
  await refuseOutputOverInput(`${where} ${path}`, path, inputs, `give ${where} another file`);
  try {
    if ((await stat(path)).isDirectory())
      throw new PathError(pathProblem(where, path, errnoError('EISDIR'), 'write'));
    await access(path, constants.W_OK); // an existing file is replaced, as documented, if it can be
    return;
  } catch (err) {
    if (err instanceof PathError) throw err;
    if (!isErrnoError(err) || err.code !== 'ENOENT')
      throw new PathError(pathProblem(where, path, err, 'write'));
  }
  try {
    if (!(await stat(dirname(path))).isDirectory())
      throw new PathError(pathProblem(where, path, errnoError('ENOTDIR'), 'write'));
    await (await open(path, 'wx')).close();
    await unlink(path);
  } catch (err) {
    if (err instanceof PathError) throw err;
    if (isErrnoError(err) && err.code === 'EEXIST') return; // (a dangling link: the write follows it)
    throw new PathError(pathProblem(where, path, err, 'write'));
  }
}

/**
 * Refuses, before any work, an output file (`path`, which `what` describes to the user) that is one
 * of the command's input files (`inputs`, by the flag that names each): the same regular file, by
 * device and inode, so through links and other spellings of its path. Writing it would destroy the
 * input as it is read (a `score --output` over its `--input` scored nothing, and exited 0).
 */
export async function refuseOutputOverInput(
  what: string,
  path: string,
  inputs: ReadonlyArray<readonly [where: string, path: string | undefined]>,
  fix: string,
): Promise<void> {
  const output = await regularFile(path);
  if (output === null) return;
  for (const [flag, input] of inputs) {
    if (input === undefined) continue;
    const file = await regularFile(input);
    if (file !== null && file.dev === output.dev && file.ino === output.ino)
      throw new PathError(
        `${what} is the file that ${flag} ${input} reads: writing it would overwrite that input; ${fix}`,
      );
  }
}

/**
 * Refuses, before any work, two output flags that name one file (the same path, or one regular
 * file by device and inode): the second write replaced the first (`fit --output F --dead-letters F`
 * kept the model and lost the dead letters, and said they were in F).
 */
export async function refuseSharedOutputs(
  outputs: ReadonlyArray<readonly [flag: string, path: string | undefined]>,
): Promise<void> {
  const given = outputs.filter((o): o is readonly [string, string] => o[1] !== undefined);
  for (let i = 0; i < given.length; i++)
    for (let j = i + 1; j < given.length; j++) {
      const [flagA, a] = given[i]!;
      const [flagB, b] = given[j]!;
      const fileA = await regularFile(a);
      const fileB = await regularFile(b);
      const same =
        resolve(a) === resolve(b) ||
        (fileA !== null && fileB !== null && fileA.dev === fileB.dev && fileA.ino === fileB.ino);
      if (same)
        throw new PathError(
          `${flagA} ${a} and ${flagB} ${b} name the same file: one would overwrite the other; give them different files`,
        );
    }
}

/** The device and inode of a regular file (through links), or null: missing, or not a regular file. */
async function regularFile(path: string): Promise<{ dev: number; ino: number } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { dev: s.dev, ino: s.ino } : null;
  } catch {
    return null;
  }
}

/**
 * Checks, before any work, that an input file the user named is a file that can be read; otherwise
 * a PathError naming the flag, the path and the fix.
 */
export async function checkInputFile(flag: string, path: string): Promise<void> {
  await checkInputPath(`--${flag}`, path);
}

/** As `checkInputFile`, for a path named by `where` (`--input`, or a setting such as `replay.input`). */
export async function checkInputPath(where: string, path: string): Promise<void> {
  if (path === '-')
    throw new PathError(
      `${where} -: give a file; standard input is the file /dev/stdin${where === '--input' ? ' (fit and path read it as CSV, replay and score as JSON lines)' : ''}`,
    );
  try {
    if ((await stat(path)).isDirectory()) throw new PathError(`${where} ${path} is a directory; give a file`);
    await access(path, constants.R_OK);
  } catch (err) {
    if (err instanceof PathError) throw err;
    throw new PathError(pathProblem(where, path, err, 'read'));
  }
}

/**
 * Refuses a `.csv` input for a command that reads JSON-lines events only (`report --data`): every
 * line would be a dead letter or an error line. `where` names the flag or setting.
 */
export function refuseCsvInput(command: string, path: string, where = '--input'): void {
  if (/\.csv$/i.test(path))
    throw new PathError(
      `${where} ${path} is a CSV file; ${command} reads JSON lines, one event {"label": ..., "features": {...}} per line. fit, path, score and replay read CSV; for ${command}, convert the rows to events first (an event per row, numbers as JSON numbers)`,
    );
}

/** Writes a whole output file the user named (`--output`, `--plot`); a file-system problem is a PathError. */
export async function writeOutputFile(flag: string, path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err) {
    throw new PathError(pathProblem(`--${flag}`, path, err, 'write'));
  }
}

/** Streams watched by `tolerateClosedPipe`, and those whose reader went away. */
const watchedPipes = new WeakSet<NodeJS.WritableStream>();
const closedPipes = new WeakSet<NodeJS.WritableStream>();

/**
 * Lets the reader of `stream` go away (`l1stream score ... | head -3`): EPIPE then marks the stream
 * closed (`pipeClosed`) instead of crashing the process, and the command stops writing to it. Any
 * other error on the stream is thrown, as without a listener.
 */
export function tolerateClosedPipe(stream: NodeJS.WritableStream): void {
  if (watchedPipes.has(stream)) return;
  watchedPipes.add(stream);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closedPipes.add(stream);
  });
}

/** True once the reader of a stream watched by `tolerateClosedPipe` has gone away. */
export const pipeClosed = (stream: NodeJS.WritableStream): boolean => closedPipes.has(stream);

/**
 * What follows a usage error: the usage line and where the options are listed, not the whole help
 * (which would bury the error).
 */
function briefUsage(usage: string): string {
  const first = usage.split('\n')[0]!;
  const command = /^usage: (l1stream(?: [a-z]+)?)/.exec(first)?.[1] ?? 'l1stream';
  return `${first}\n'${command} --help' lists every option.\n`;
}

/** Maps an error to the exit code and message of docs/conventions.md ("Command line"). */
export function reportError(err: unknown, io: CliIO, usage?: string): number {
  if (err instanceof PathError) {
    io.stderr.write(`l1stream: ${err.message}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    io.stderr.write(`l1stream: ${err.message}\n${usage ? briefUsage(usage) : ''}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    io.stderr.write(`l1stream: ${err.message}\n`);
    return 2;
  }
  // a damaged state, as a damaged state directory: exit 2 (the user must act on the directory)
  if (err instanceof UnreadableState) {
    io.stderr.write(`l1stream: ${err.message}\n`);
    return 2;
  }
  if (err instanceof EngineError) {
    io.stderr.write(`l1stream: ${err.message}\n`);
    return 1;
  }
  // A file-system error no command anticipated: still one line naming the path, never a stack.
  if (isErrnoError(err) && typeof err.path === 'string') {
    const use: PathUse = err.syscall === 'mkdir' || err.syscall === 'write' ? 'write' : 'use';
    io.stderr.write(`l1stream: ${pathProblem('', err.path, err, use)}\n`);
    return 2;
  }
  throw err;
}

/** Reads a `--config FILE` JSON object; an unreadable file or one that is not a JSON object is a `ConfigError`. */
export async function readJsonConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = withoutBom(await readFile(path, 'utf8'));
  } catch (err) {
    throw ConfigError.single('--config', pathProblem('', path, err, 'read'));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (err) {
    throw ConfigError.single('--config', jsonSyntaxMessage(path, text, err));
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw ConfigError.single('--config', `${path} is not a JSON object {...}`);
  // JSON.parse keeps a key's last value: the first would be ignored without a word
  const twice = duplicateKeys(text);
  if (twice.length > 0)
    throw new ConfigError(
      twice.map((d) => ({
        path: '--config',
        message: `${path} line ${d.line}, column ${d.column}: "${d.path}" is given twice in one object (JSON keeps only the last): remove one of them`,
      })),
    );
  return doc as Record<string, unknown>;
}

import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { ConfigError, EngineError } from '../core/errors.js';

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
  try {
    return parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** Parses a numeric flag, naming the flag in the error. */
export function numberFlag(
  name: string,
  raw: string | undefined,
  check: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const problems: string[] = [];
  if (raw.trim() === '' || !Number.isFinite(v)) problems.push(`--${name} must be a number, got "${raw}"`);
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

/** Maps an error to the exit code and message of DESIGN §5. */
export function reportError(err: unknown, io: CliIO, usage?: string): number {
  if (err instanceof UsageError) {
    io.stderr.write(`l1stream: ${err.message}\n${usage ? `\n${usage}\n` : ''}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    io.stderr.write(`l1stream: ${err.message}\n`);
    return 2;
  }
  if (err instanceof EngineError) {
    io.stderr.write(`l1stream: ${err.message}\n`);
    return 1;
  }
  throw err;
}

/** Reads a `--config FILE` JSON object; an unreadable file or one that is not a JSON object is a `ConfigError`. */
export async function readJsonConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw ConfigError.single('--config', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
    return doc as Record<string, unknown>;
  } catch (err) {
    throw ConfigError.single('--config', `${path} is not a JSON object: ${(err as Error).message}`);
  }
}

import type { EngineConfig } from './config.js';

/**
 * Configurations the command line runs an `Engine` with: it reads their `replay` entries (input,
 * out, target, exclude) and `http` itself, building the engine's ports from them. An Engine of the
 * library is given its ports instead, and those entries do nothing there (`unreadEntries`).
 */
const commandLineConfigs = new WeakSet<EngineConfig>();

/** Marks `config` as one whose command-line entries the caller reads (replay, run, their workers). */
export function readByCommandLine(config: EngineConfig): EngineConfig {
  commandLineConfigs.add(config);
  return config;
}

/**
 * The warnings for the entries of `config` an Engine of the library does not read (a library
 * trial set `replay.exclude` on an Engine and the id column was learned without a word).
 */
export function unreadEntries(config: EngineConfig): string[] {
  if (commandLineConfigs.has(config)) return [];
  const { input, out, target, exclude } = config.files;
  const warnings: string[] = [];
  const unread: string[] = [];
  if (input !== undefined) unread.push(`replay.input is ${JSON.stringify(input)}`);
  if (target !== undefined) unread.push(`replay.target is ${JSON.stringify(target)}`);
  if (out !== undefined) unread.push(`replay.out is ${JSON.stringify(out)}`);
  if (unread.length > 0)
    warnings.push(
      `${unread.join(', ')}, but an Engine reads only ports.source and writes only ports.sink (the command line builds them from these): pass jsonlSource(input) or csvSource(input, await readCsvHeader(input)) and FileOutputSink.open(out) (l1stream/file)`,
    );
  if (exclude !== undefined)
    warnings.push(
      `replay.exclude is ${JSON.stringify(exclude)}, but an Engine learns every field of its events (the command line leaves these out as it reads): drop the fields in your source`,
    );
  if (config.http.port !== null)
    warnings.push(
      `http.port is ${config.http.port}, but an Engine serves no HTTP (l1stream run does): serve an EngineMetrics (its observer) with an OpsServer`,
    );
  return warnings;
}

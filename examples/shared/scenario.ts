/**
 * What the three scenarios share: their command-line options, writing the generated events, running
 * `l1stream replay` on files (or `l1stream run` on Kafka, see kafka.ts), and reading the outputs back.
 */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';

import { makeDirectory } from '../../connectors/file/directory.js';
import { main } from '../../src/cli/main.js';
import type { Alert, ModelSnapshot, ScoreRecord } from '../../src/index.js';
import { parseExampleArgs, wholeNumber } from './args.js';
import { runOnKafka } from './kafka.js';

/** An event as the generators write it (docs/conventions.md). */
export interface ExampleEvent {
  readonly key: string;
  readonly ts: number;
  readonly label?: number;
  readonly features: Record<string, number | string | boolean | string[]>;
}

export interface ScenarioOptions {
  readonly events: number;
  readonly seed: number;
  readonly out: string;
  readonly kafka: boolean;
  /** The scenario's own options (`extra` of `scenarioOptions`), as given or defaulted. */
  readonly extra: Readonly<Record<string, string>>;
}

/** `--events N --seed S --out DIR --kafka`, with the scenario's defaults, and its own string options. */
export function scenarioOptions(
  name: string,
  defaultEvents: number,
  extra: Readonly<Record<string, string>> = {},
): ScenarioOptions {
  const own = Object.fromEntries(
    Object.entries(extra).map(([k, v]) => [k, { type: 'string' as const, default: v }]),
  );
  const program = `examples/${name}/run.ts`;
  const usage = `usage: npx tsx ${program} [--events N (${defaultEvents})] [--seed S (7)] [--out DIR (${join('l1stream-out', name)})] [--kafka]${Object.entries(
    extra,
  )
    .map(([k, v]) => ` [--${k} V (${v})]`)
    .join('')}`;
  const { values } = parseExampleArgs(program, usage, () =>
    parseArgs({
      options: {
        ...own,
        events: { type: 'string', default: String(defaultEvents) },
        seed: { type: 'string', default: '7' },
        out: { type: 'string', default: join('l1stream-out', name) },
        kafka: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  const events = wholeNumber(program, usage, 'events', values.events, 1);
  const seed = wholeNumber(program, usage, 'seed', values.seed, -Infinity);
  const given = values as Record<string, string | boolean | undefined>;
  const extraValues = Object.fromEntries(Object.keys(extra).map((k) => [k, String(given[k])]));
  return { events, seed, out: resolve(values.out), kafka: values.kafka, extra: extraValues };
}

/** Writes events as JSON lines (line i + 1 holds events[i]). */
export async function writeEvents(file: string, events: Iterable<ExampleEvent>): Promise<void> {
  const stream = createWriteStream(file);
  for (const event of events) if (!stream.write(`${JSON.stringify(event)}\n`)) await once(stream, 'drain');
  stream.end();
  await once(stream, 'close');
}

/** The outputs a run left in its directory (from files, or read back from the Kafka topics). */
export interface Outputs {
  readonly models: ModelSnapshot[];
  readonly scores: ScoreRecord[];
  readonly alerts: Alert[];
  /** How the run ended (the CLI's last stderr line). */
  readonly status: string;
}

export async function readJsonl<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export async function readOutputs(dir: string, status: string): Promise<Outputs> {
  return {
    models: await readJsonl<ModelSnapshot>(join(dir, 'models.jsonl')),
    scores: await readJsonl<ScoreRecord>(join(dir, 'scores.jsonl')),
    alerts: await readJsonl<Alert>(join(dir, 'alerts.jsonl')),
    status,
  };
}

/** The engine configuration of a scenario: the sections of `replay --config` / `run --config`. */
export type EngineDoc = Record<string, unknown>;

/**
 * Generates the events into `out/events.jsonl` and runs them through l1stream: `replay --config`
 * on files, or `run --config` on a fresh topic of the local broker with `--kafka`. `config` holds
 * every setting; `flags` repeat some of them on the replay's command line, as a user would type
 * them (`run` takes only --config).
 */
export async function runScenario(
  name: string,
  options: ScenarioOptions,
  events: readonly ExampleEvent[],
  config: EngineDoc,
  flags: readonly string[],
): Promise<Outputs> {
  makeDirectory(options.out);
  const input = join(options.out, 'events.jsonl');
  await writeEvents(input, events);
  const configFile = join(options.out, 'config.json');
  if (options.kafka) return runOnKafka(name, options.out, events, config, configFile);
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const argv = ['replay', '--input', input, '--config', configFile, ...flags, '--out', options.out];
  log(`${name}: l1stream ${argv.map(shortPath).join(' ')}`);
  let stderr = '';
  const capture = new Writable({
    write(chunk: Buffer, _enc, done) {
      stderr += chunk.toString();
      done();
    },
  });
  // Alerts are also logged at warn level; the report prints them instead.
  process.env.L1S_LOG_LEVEL ??= 'error';
  const code = await main(argv, { stdout: process.stdout, stderr: capture, interactive: false });
  if (code !== 0) throw new Error(`l1stream replay exited with ${code}:\n${stderr}`);
  return readOutputs(options.out, stderr.trim().split('\n').pop() ?? '');
}

/** A path relative to the working directory when it is inside it (for shorter printed commands). */
export function shortPath(arg: string): string {
  const cwd = `${process.cwd()}/`;
  return arg.startsWith(cwd) ? arg.slice(cwd.length) : arg;
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Right-aligned fixed-point number, or '-' when absent. */
export function num(v: unknown, digits: number, width: number): string {
  return (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-').padStart(width);
}

/** The `n` largest coefficients by magnitude, as "name +0.123". */
export function topCoefficients(s: ModelSnapshot, n: number): string {
  return Object.entries(s.coefficients)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, n)
    .map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v.toFixed(3)}`)
    .join(', ');
}

/** The last snapshot of each key (of one source), by key. */
export function lastByKey(
  models: readonly ModelSnapshot[],
  source: 'online' | 'refit',
): Map<string, ModelSnapshot> {
  const last = new Map<string, ModelSnapshot>();
  // (a refit that is no estimate, of a window of one class, was not served)
  for (const m of models) if (m.source === source && m.metrics?.noEstimate !== true) last.set(m.key, m);
  return last;
}

/** mulberry32: the examples' seeded PRNG (the demo's). */
export { rng } from '../ad-clicks/generate.js';

export const sigmoid = (eta: number): number => 1 / (1 + Math.exp(-eta));

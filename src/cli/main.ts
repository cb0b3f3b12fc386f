import { closest } from '../config/unknownKey.js';
import type { Command } from './command.js';
import { processIO, reportError, tolerateClosedPipe, type CliIO } from './io.js';

export type { Command } from './command.js';

// a Map: the command name is the user's text (`l1stream __proto__` is an unknown command)
const commands = new Map<string, () => Promise<Command>>([
  ['replay', async () => (await import('./replay.js')).replayCommand],
  ['fit', async () => (await import('./fit.js')).fitCommand],
  ['path', async () => (await import('./path.js')).pathCommand],
  ['run', async () => (await import('./run.js')).runCommand],
  ['score', async () => (await import('./score.js')).scoreCommand],
  ['report', async () => (await import('./report.js')).reportCommand],
]);

const topUsage = `usage: l1stream <command> [options]

commands:
  replay   run the streaming pipeline over a JSONL or CSV file as if it were a topic
  fit      batch lasso / elastic-net fit on CSV or JSONL
  path     the whole regularization path (optionally as an SVG plot)
  run      the long-running service (Kafka or files in, Kafka or files out)
  score    score events with a saved model snapshot
  report   an HTML page showing how the models of a replay evolved

'l1stream <command> --help' (or 'l1stream help <command>') shows a command's options;
'l1stream --version' (-v) the version.`;

export { holdSignalsUntilExit } from './interrupts.js';

export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  // `l1stream help run` is `l1stream run --help`
  if (name === 'help' && rest.length > 0) return main([rest[0]!, '--help'], io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${topUsage}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    // the package's own name: the same from dist/src/cli (tsc) and dist/cli (the bundle)
    const pkg = createRequire(import.meta.url)('l1stream/package.json') as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const load = commands.get(name);
  if (!load) {
    const guess = closest(name, [...commands.keys()]);
    // the list of commands is short: shown whole
    io.stderr.write(
      `l1stream: unknown command "${name}"${guess !== undefined ? `; did you mean "${guess}"?` : ''}\n\n${topUsage}\n`,
    );
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  // `l1stream ... | head`: a reader that has all it wants is no error
  tolerateClosedPipe(io.stdout);
  try {
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, io, command.usage);
  }
}

import { rmSync } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { Subject } from 'rxjs';

import { csvSource, readCsvHeader, type CsvHeader } from '../../connectors/file/csv.js';
import {
  jsonlSource,
  unterminatedLastLine,
  type JsonlEventSourceOptions,
} from '../../connectors/file/jsonl.js';
import { FileOutputSink, outputFiles } from '../../connectors/file/outputs.js';
import { Engine, skippedCoveredMessage, type EngineObserver } from '../engine/engine.js';
import { readByCommandLine } from '../engine/commandLineEntries.js';
import type { EngineConfig } from '../engine/config.js';
import { ConnectorError, DataError } from '../core/errors.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../core/recordSize.js';
import type { EventSource } from '../engine/ports.js';
import { CsvRowDecoder } from '../stream/csvRows.js';
import { excludingDecoder } from '../stream/excludeFields.js';
import { JsonEventReader } from '../stream/jsonEventReader.js';
import { checkExcluded } from '../solve/exclude.js';
import { keyColumnProblem, separatorHint } from '../solve/csv.js';
import {
  checkInputPath,
  parseCommandArgs,
  PathError,
  pathProblem,
  processIO,
  refuseOutputOverInput,
  UsageError,
  type CliIO,
} from './io.js';
import type { Command } from './command.js';
import { engineConfigFrom, replayFlagOptions, replayFlagsUsage } from './engineFlags.js';
import { counted, formatCount, ProgressLine } from './progress.js';
import { fileHead, gzipProblem, jsonShapeHint } from '../core/inputFormat.js';
import { summarize, type RunSummary } from './summary.js';
import { JsonlWriter } from '../../connectors/file/jsonl.js';
import { DirectoryStateStore } from '../../connectors/file/stateDirectory.js';
import {
  StateDirectoryRefused,
  StateManifest,
  type ResumePoint,
} from '../../connectors/file/stateManifest.js';
import { stateSettingDefault, stateSettings } from '../engine/stateSettings.js';
import { ALL_REJECTED_STOP } from '../engine/rejectRate.js';
import { DirectoryInUse, DirectoryLock, DirectoryUnwritable } from '../../connectors/file/directoryLock.js';
import { cliLogger, logLevel, logsInfo } from './logger.js';
import { exitIfHeld, onInterrupt } from './interrupts.js';
import type { RefitStats } from '../stream/refitEvery.js';

const usage = `usage: l1stream replay --input FILE.jsonl|FILE.csv --family gaussian|binomial [options]

Runs the streaming pipeline over a JSON-lines file of events (or a CSV file's rows) as if it
were a topic: each event is predicted, then learned from (progressive validation); refits run on
a window of recent events in a worker thread; unlabelled events are scored. Writes to --out DIR:
  models.jsonl        model snapshots: online ones (every --snapshot-every events and at the end)
                      and refits ("source": "refit", with their window and certificate)
  scores.jsonl        a score per unlabelled event: key (the model's), eventKey (the event's),
                      prediction, model (the last snapshot of the model that scored it;
                      exact: true when that snapshot's coefficients made the score, false
                      when the online model had learned since), top features
  alerts.jsonl        drift alerts
  dead-letters.jsonl  rejected lines with the reason (line number, stage, original text)
  summary.json        events, progressiveLoss, eventsPerSecond, metrics, rejections, refits

With --state DIR, the replay checkpoints into DIR (every state.everyEvents records, default
10000, and state.everySeconds, default 10, in --config): the state of every model that changed,
then the last input line done. Run the same command again after a crash, kill or Ctrl-C and it
resumes after that line: the committed lines are skipped unread, each model goes on from its
stored state and skips the events it already learned, so every event is learned exactly once.
A run over an input DIR already covers says there is nothing left to learn and leaves the outputs
(summary.json included) as they are; lines appended to the
input since (a log that grew) are learned by the same command. The outputs in --out
are appended to; those written after the last checkpoint may appear twice (at-least-once), a
snapshot with a new version: the versions in models.jsonl are read first and each key's next
snapshot is numbered above them, so a key and a version name one snapshot across restarts. DIR
belongs to one input (its path, and the lines its checkpoint covers: their length and their first
and last 64 KiB; a change there is refused, an edit between that keeps the length is not seen) and
one set of model settings: another input or other settings are refused (exit 2); --continue goes
on learning from DIR's models with another input (the next day's file) from its first line; or
give another directory or delete it to start over. One run at a time writes a --state
or an --out directory (a lock file in it, with the run's pid): a second run on it is refused
(exit 2); the lock of a killed run is taken over. A model state that cannot be restored (a damaged
file) stops the run (exit 2) naming its key and file; a state file of the last checkpoint missing
from DIR is a warning, and that model starts afresh.

options:
  --input FILE          JSON-lines events, required; a .csv is read as fit reads it (a header row,
                        an event per row: numbers, true/false as 1/0, other text one-hot, empty
                        cells absent), its label column named by --target (default "label"; an
                        empty label cell: the row is scored, not learned)
  --target COLUMN       the label column of a .csv input (replay.target)
${replayFlagsUsage}
  --out DIR             output directory (default ./l1stream-out); the outputs of an earlier
                        run in DIR are replaced (stderr names them), unless --state resumes
  --progress            progress on stderr even when it is not a terminal (--no-progress: never)
  --report              at the end, also write DIR/report.html: how the models evolved, on one
                        page (the same as 'l1stream report --input DIR'); without it, a
                        report.html of an earlier run in DIR is removed`;

/** The replay's flags: the engine's, and --report. */
const replayOptions = { ...replayFlagOptions, report: { type: 'boolean' } } as const;

/** How a command names itself, its state and output directories in what it says (`run`: `state.dir`, `replay.out`). */
export interface ReplayNames {
  readonly command: string;
  readonly state: string;
  readonly out: string;
  /** The setting that names the input (default `--input`; `run`: `replay.input`). */
  readonly input?: string;
  /** Logs as pino's JSON lines whatever L1S_LOG_FORMAT says (`run`, a service: its logs are collected). */
  readonly jsonLogs?: boolean;
  /** The option that goes on with another input (`--continue`, `state.continue`). */
  readonly continue?: string;
}

/** replay's names: its flags. */
const replayNames: ReplayNames = { command: 'replay', state: '--state', out: '--out' };

/** What a run resumed from a state directory (`where`) says it goes on from. */
function resumeNote(resume: ResumePoint, input: string, where: string, out: string): string {
  if (resume.continued !== undefined) {
    const was = resume.continued;
    const left = was.complete
      ? ''
      : ` (that run had not finished: the lines after ${formatCount(was.line)} are not learned)`;
    return `continuing from ${where}: its models learned ${formatCount(was.line)} lines of ${was.path}${left}; now learning ${input} from its first line`;
  }
  if (resume.complete)
    return `${where} already covers all of ${input} (${formatCount(resume.line)} lines): nothing left to learn; the outputs in ${out} are left as they are`;
  const grew =
    resume.previousRunComplete && resume.appended > 0
      ? `: ${input} grew by ${formatCount(resume.appended)} bytes since the run that read it to its end`
      : '';
  return `resuming from ${where} after line ${formatCount(resume.line)} (${counted(resume.checkpoints, 'checkpoint')} so far)${grew}`;
}

/**
 * The warning for the model states of the last checkpoint missing from the state directory
 * (`where`, at `dir`), or null when none is.
 */
function missingStates(resume: ResumePoint, input: string, where: string, dir: string): string | null {
  const { missing } = resume;
  if (missing.length === 0) return null;
  const named = (m: (typeof missing)[number]) => (m.key !== null ? `"${m.key}" (${m.file})` : m.file);
  const from =
    resume.continued !== undefined
      ? `from the first line of ${input}`
      : `from the events after line ${formatCount(resume.line)}`;
  const shown = missing.slice(0, 5).map(named).join(', ');
  const which =
    missing.length === 1
      ? `model ${named(missing[0]!)}, which its last checkpoint stored: that model starts`
      : `${missing.length} models that its last checkpoint stored: ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}; they start`;
  return `${where} has no state file for ${which} afresh ${from}, the others resume from their states (to learn ${missing.length === 1 ? 'it' : 'them'} from all ${missing.length === 1 ? 'its' : 'their'} events, delete ${dir} and replay from the start)`;
}

/** `checkInputPath`, saying where a relative path named in --config (`where` not `--input`) is read from. */
export async function checkReplayInput(where: string, input: string): Promise<void> {
  try {
    await checkInputPath(where, input);
  } catch (err) {
    // a path in the configuration file is read from the current directory, not from the file's
    if (err instanceof PathError && where !== '--input' && !isAbsolute(input))
      throw new PathError(
        `${err.message} (a relative path in --config is read from the current directory, ${process.cwd()})`,
      );
    throw err;
  }
}

/**
 * Runs a replay over `config.files.input` into `out`; returns its summary (also in DIR/summary.json).
 * `names` are those of the command that runs it (`replay`, `--state` and `--out` unless given).
 */
export async function replay(
  config: EngineConfig,
  out: string,
  io: CliIO,
  progress?: boolean,
  hooks?: { readonly observer?: EngineObserver; readonly engine?: (engine: Engine) => void },
  names: ReplayNames = replayNames,
): Promise<RunSummary> {
  const input = config.files.input!;
  // Check the input before the outputs are opened (truncated): a typo must not wipe earlier results.
  const where = names.input ?? '--input';
  await checkReplayInput(where, input);
  const head = await fileHead(input, 2);
  if (head !== null && gzipProblem(input, head) !== null)
    throw new PathError(
      `${where} ${input} is gzip-compressed; ${names.command} reads plain JSON lines or CSV: decompress it first (gunzip -k ${input})`,
    );
  const csv = await csvInput(config, input, where, (m) =>
    io.stderr.write(`${names.command}: warning: ${m}\n`),
  );
  // one run at a time writes a state directory or an output directory (released at the end)
  const locks: DirectoryLock[] = [];
  try {
    return await replayLocked(config, out, io, progress, hooks, names, csv, (dir, role, where) => {
      const lock = DirectoryLock.acquire(dir, role, where, (m) =>
        io.stderr.write(`${names.command}: ${m}\n`),
      );
      if (lock !== null) locks.push(lock);
    });
  } finally {
    for (const lock of locks) lock.release();
  }
}

/** `replay` once its input is checked; `lock` locks a directory for this run. */
async function replayLocked(
  config: EngineConfig,
  out: string,
  io: CliIO,
  progress: boolean | undefined,
  hooks: Parameters<typeof replay>[4],
  names: ReplayNames,
  csv: CsvInput | null,
  lock: (dir: string, role: 'state' | 'out', where: string) => void,
): Promise<RunSummary> {
  const input = config.files.input!;
  // A state directory is checked (its input and settings) before the outputs are opened.
  const stateDir = config.files.state;
  let manifest: StateManifest | undefined;
  let resume: ResumePoint | null = null;
  if (stateDir !== undefined) {
    // a checkpoint resumes a file after its lines: a pipe cannot be read again (reading its start
    // to recognize it took lines from its writer, and the run then waited on it)
    if (!(await stat(input)).isFile())
      throw new PathError(
        `${names.state} ${stateDir} resumes a file after the lines its checkpoint covers: ${names.input ?? '--input'} ${input} is not a regular file (a pipe cannot be read again); give a file, or leave out ${names.state}`,
      );
    lock(stateDir, 'state', `${names.state} ${stateDir}`);
    // another input, other settings, not a state directory: StateDirectoryRefused (exit 2)
    ({ manifest, resume } = await StateManifest.open(
      stateDir,
      { path: input, source: input },
      stateSettings(config, csv?.decoder.label ?? undefined),
      names.state,
      {
        continue: config.files.continue === true,
        flag: names.continue ?? '--continue',
        defaults: stateSettingDefault,
      },
    ));
  }
  if (resume !== null)
    io.stderr.write(`${names.command}: ${resumeNote(resume, input, `${names.state} ${stateDir}`, out)}\n`);
  // the state directory covers the whole input: the run learns nothing, and the outputs of the run
  // that did (summary.json, report.html) are left as they are
  const covered = resume?.complete === true;
  // said now, before a model is learned, and again with the summary's warnings
  const missing =
    resume !== null ? missingStates(resume, input, `${names.state} ${stateDir}`, stateDir!) : null;
  if (missing !== null) io.stderr.write(`${names.command}: warning: ${missing}\n`);
  // the input in the output directory, under an output's name, would be replaced as it is read
  for (const name of [...Object.values(outputFiles), 'summary.json', 'report.html'])
    await refuseOutputOverInput(
      `the ${name} that ${names.out} ${out} writes`,
      join(out, name),
      [[names.input ?? '--input', input]],
      `give ${names.out} another directory, or move the input out of it`,
    );
  lock(resolve(out), 'out', `${names.out} ${out}`);
  // outputs of an earlier run are replaced (appended to only when resuming), and its report
  // removed: say so
  const earlier = await earlierOutputs(resolve(out), resume === null);
  if (resume === null && earlier.length > 0)
    io.stderr.write(
      `${names.command}: replacing ${earlier.join(', ')} of an earlier run in ${out} (give another ${names.out} to keep them)\n`,
    );
  else if (earlier.length > 0 && !covered)
    io.stderr.write(
      `${names.command}: removing report.html of an earlier run in ${out}: it no longer describes the outputs ('l1stream report --input ${out}' writes it again)\n`,
    );
  let sink: FileOutputSink;
  try {
    sink = await FileOutputSink.open(resolve(out), { append: resume !== null });
  } catch (err) {
    // the sink names the directory itself; the command names it by its flag
    throw new PathError(
      pathProblem(names.out, out, err instanceof ConnectorError ? err.cause : err, 'write'),
    );
  }
  // a report of an earlier run (--report, 'l1stream report') no longer describes these outputs
  if (!covered) await rm(join(resolve(out), 'report.html'), { force: true });
  const line = new ProgressLine(io, progress ?? io.interactive);
  let bytesRead = 0;
  let totalBytes = 0;
  // readable lines among the progress line; L1S_LOG_FORMAT=json: pino's JSON lines
  const logger = cliLogger(
    names.command,
    // a service (run) logs at info by default, as it does over Kafka; replay at warn
    logLevel(names.jsonLogs === true ? 'info' : 'warn'),
    names.jsonLogs === true ? 'json' : process.env.L1S_LOG_FORMAT,
    io.stderr,
    (text) => {
      loggedLines(io).add(text);
      line.say(text);
    },
  );
  // Evicted keyed models wait on disk, so memory stays bounded by model.maxLiveModels: in
  // --state DIR (durable: checkpoints) when given, else in a temporary directory that only
  // spills (no checkpoints; the last 16 MiB of states in memory) and is removed at the end.
  const temporary =
    stateDir === undefined && config.keys.keyBy !== null
      ? await mkdtemp(join(tmpdir(), 'l1stream-state-'))
      : undefined;
  // removed at the end, and by the 'exit' listeners of a second signal's exit at once
  const removeTemporary = () => {
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', removeTemporary);
  const stateStore = stateDir !== undefined ? new DirectoryStateStore(stateDir) : undefined;
  const store =
    stateStore ??
    (temporary !== undefined ? new DirectoryStateStore(temporary, { durable: false }) : undefined);
  const stateFiles = () => stateStore?.stateFiles() ?? [];
  const stop = new Subject<void>();
  let interrupted: string | null = null;
  // every one of the first ALL_REJECTED_STOP records rejected: the command is wrong (a misspelled
  // --key-by, another file), not a line here and there; stop rather than dead-letter the whole file
  // (a resumed run goes on: a stretch of bad lines after its checkpoint may end in good ones)
  let watchRejects = resume === null;
  let stoppedAllRejected: number | null = null;
  const watchFirstRecords = () => {
    if (!watchRejects) return;
    const s = engine.stats();
    if (s.learned > 0 || s.scored > 0) watchRejects = false;
    else if (s.rejected >= ALL_REJECTED_STOP && s.rejected === s.records) {
      watchRejects = false;
      stoppedAllRejected = s.rejected;
      stop.next();
    }
  };
  // fields left out: every event through a decoder that drops them (not the reader's fast path)
  const exclude = config.files.exclude;
  const decoder =
    exclude === undefined ? csv?.decoder : excludingDecoder(csv?.decoder ?? new JsonEventReader(), exclude);
  const engine = new Engine(
    readByCommandLine(config),
    {
      source: (csv === null ? jsonlSource : csvFileSource(csv))(input, {
        batchSize: config.batchSize,
        readerThreads: config.readerThreads,
        family: config.model.family,
        maxRecordBytes: config.limits.maxRecordBytes,
        // with a state directory a half-written last line waits for the next run (JSON lines)
        ...(manifest !== undefined && csv === null ? { holdUnterminated: true } : {}),
        ...(resume !== null ? { skipLines: resume.line, name: resume.source } : {}),
        ...(manifest !== undefined ? { commit: (done: number) => manifest.commit(done, stateFiles()) } : {}),
        onProgress: (b, t) => {
          bytesRead = b;
          totalBytes = t;
          watchFirstRecords();
        },
      }),
      sink,
      ...(store ? { store } : {}),
    },
    {
      logger,
      stop,
      // the temporary directory is removed at the end
      storeModelsAtEnd: false,
      ...(hooks?.observer ? { observer: hooks.observer } : {}),
      ...(decoder !== undefined ? { decoder } : {}),
    },
  );
  hooks?.engine?.(engine);
  // the first signal stops after the batch in hand; a second exits at once (interrupts.ts)
  const stopOnInterrupt = onInterrupt((signal) => {
    interrupted = signal;
    line.say(
      `${names.command}: ${signal}: ${stoppingLine(runningRefits(engine.stats().refits), stateDir !== undefined)}`,
    );
    stop.next();
  });
  try {
    const started = performance.now();
    const progressText = () => {
      const s = engine.stats();
      const seconds = (performance.now() - started) / 1000;
      const pct = totalBytes > 0 ? ` (${((100 * bytesRead) / totalBytes).toFixed(0)}%)` : '';
      const running = runningRefits(s.refits);
      const refits = refitsDone(s.refits, running);
      return `${names.command}: ${formatCount(s.learned)} events${pct}, ${formatCount(s.learned / Math.max(seconds, 1e-9))} ev/s, loss ${engine.metrics.progressiveLoss.toFixed(4)}, ${refits}, rejected ${formatCount(s.rejected)}`;
    };
    const timer = setInterval(() => line.update(progressText), 250);
    timer.unref();
    let summary: RunSummary;
    try {
      await engine.run();
      // the last progress line counts what the summary counts: the run's refits are drained now
      line.update(progressText, true);
      // the last checkpoint ran when the stream completed: mark the input done unless stopped early
      // a run that learned nothing and rejected records (a smaller --max-record-bytes on resume,
      // say) fails: its checkpoints must not cover the lines it rejected, or the settings that
      // read them would find nothing left to learn (where it scored events, its model states
      // cover them: those checkpoints stay, and the failure says so)
      const counts = engine.stats();
      if (interrupted === null && learnedNothing(counts) && counts.scored === 0) manifest?.revert();
      else if (interrupted === null && stoppedAllRejected === null) manifest?.markComplete(stateFiles());
      // absolute: 'l1stream report' run from another directory reads the same file
      summary = summarize(engine, resolve(input));
    } finally {
      clearInterval(timer);
      line.done();
      await sink.close();
      if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
      process.off('exit', removeTemporary);
    }
    if (csv !== null && csv.decoder.label !== null) summary = { ...summary, target: csv.decoder.label };
    // (fit says so in a note; a stream learned them without a word)
    const textCells = csv?.decoder.textAmongNumbers(config.files.exclude ?? []) ?? null;
    if (textCells !== null)
      summary = {
        ...summary,
        warnings: [...summary.warnings, `in the rows this run read (rejected ones too): ${textCells}`],
      };
    if (interrupted !== null) summary = { ...summary, interrupted };
    if (stoppedAllRejected !== null) summary = { ...summary, stoppedAllRejected };
    if (missing !== null) summary = { ...summary, warnings: [missing, ...summary.warnings] };
    // (a CSV's columns were checked against its header)
    const unseen = csv === null && decoder !== undefined && 'unseen' in decoder ? decoder.unseen() : [];
    if (unseen.length > 0)
      summary = {
        ...summary,
        warnings: [
          ...summary.warnings,
          `--exclude (replay.exclude): no event had ${unseen.length === 1 ? 'a field' : 'fields'} named ${unseen.map((n) => JSON.stringify(n)).join(', ')}: is the name right?`,
        ],
      };
    const held =
      manifest !== undefined && csv === null && interrupted === null
        ? await unterminatedLastLine(input, config.limits.maxRecordBytes)
        : null;
    if (held !== null)
      summary = {
        ...summary,
        warnings: [
          ...summary.warnings,
          `the last line of ${input} has no newline and is not valid JSON (${JSON.stringify(held.length > 60 ? `${held.slice(0, 60)}…` : held)}): left unread, since a writer may be in the middle of it; the next run with ${names.state} ${stateDir} reads it once it ends with a newline`,
        ],
      };
    if (resume !== null)
      summary = {
        ...summary,
        resume: {
          fromLine: resume.line,
          previousRunComplete: resume.previousRunComplete,
          ...(covered ? { complete: true } : {}),
          ...(resume.continued !== undefined ? { continuedFrom: resume.continued.path } : {}),
        },
      };
    // (a run that learned nothing over a covered input keeps the summary of the run that did)
    if (!covered) {
      const writer = new JsonlWriter(resolve(out, 'summary.json'));
      writer.write(summary);
      await writer.close();
    }
    return summary;
  } finally {
    stopOnInterrupt();
    store?.close();
  }
}

/** "wrote DIR", or for a run over an input its state directory covered (which writes nothing) "DIR unchanged". */
export function outputsLine(summary: RunSummary, out: string): string {
  return summary.resume?.complete === true ? `${out} unchanged` : `wrote ${out}`;
}

/** Refits started and not yet finished, failed, dropped or abandoned. */
function runningRefits(r: RefitStats): number {
  return Math.max(0, r.started - r.completed - r.failed - r.dropped - r.abandoned);
}

/** The lines replay's logger wrote to `io` (the engine's warnings among them), by the io written to. */
const logged = new WeakMap<CliIO, Set<string>>();
function loggedLines(io: CliIO): Set<string> {
  let lines = logged.get(io);
  if (lines === undefined) logged.set(io, (lines = new Set()));
  return lines;
}

/** "N refits", and how many of them are no estimate (a binomial window of one label). */
function refitsDone(r: RefitStats, running = 0): string {
  const notes = [
    ...(r.noEstimate > 0 ? [`${formatCount(r.noEstimate)} no estimate: one label in the window`] : []),
    ...(running > 0 ? [`${formatCount(running)} running`] : []),
  ];
  return `${counted(r.completed, 'refit')}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/** ", N running refits abandoned" when a stop left refits unfinished, else "". */
export function abandonedText(refits: RefitStats): string {
  return refits.abandoned > 0
    ? ` (${counted(refits.abandoned, 'running refit')} abandoned: not applied, not written)`
    : '';
}

/** What the first signal does, after "replay: SIGINT: ". */
export function stoppingLine(running: number, state: boolean): string {
  const refits = running > 0 ? ` (${counted(running, 'running refit')} left unfinished)` : '';
  const writes = state ? 'the outputs and the state' : 'the outputs';
  return `stopping after the batch in hand${refits}, then writing ${writes}; a second signal exits at once`;
}

/**
 * A state directory refused (another input, other settings, not a state directory), a directory
 * another run writes, or one this run cannot write: one line on stderr and exit 2, as a usage error but without the usage; any
 * other error is rethrown.
 */
export function refusedStateDirectory(err: unknown, io: CliIO): number {
  if (
    !(err instanceof StateDirectoryRefused) &&
    !(err instanceof DirectoryInUse) &&
    !(err instanceof DirectoryUnwritable)
  )
    throw err;
  io.stderr.write(`l1stream: ${err.message}\n`);
  return 2;
}

export const replayCommand: Command = {
  summary: 'run the streaming pipeline over a JSONL or CSV file',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    logLevel('warn');
    const { config, out, progress } = await engineConfigFrom(argv, replayOptions);
    const { values } = parseCommandArgs(argv, replayOptions);
    const report = values.report === true;
    const input = values.input !== undefined ? '--input' : 'replay.input';
    let summary: RunSummary;
    try {
      summary = await replay(config, out, io, progress, undefined, { ...replayNames, input });
    } catch (err) {
      return refusedStateDirectory(err, io);
    }
    if (summary.interrupted !== undefined)
      io.stderr.write(
        `replay: interrupted by ${summary.interrupted}: stopped after the batch in hand${abandonedText(summary.refits)}; the outputs cover the events read so far` +
          (config.files.state !== undefined
            ? `; the same command resumes from --state ${config.files.state}\n`
            : '\n'),
      );
    // (a covered input was said so as the run started)
    if (
      summary.resume?.previousRunComplete === true &&
      summary.resume.complete !== true &&
      summary.events === 0 &&
      summary.scored === 0 &&
      summary.rejected === 0
    )
      io.stderr.write(
        `replay: nothing left to learn: --state ${config.files.state} covers the whole input\n`,
      );
    // (the engine logged its own warnings as it ended: each is said once)
    const logged = loggedLines(io);
    for (const warning of summary.warnings)
      if (!logged.has(`replay: warning: ${warning}`)) io.stderr.write(`replay: warning: ${warning}\n`);
    // (the engine logs it at info; replay's log level is warn by default)
    if (summary.skippedCovered > 0 && !logsInfo())
      io.stderr.write(`replay: ${skippedCoveredMessage(summary.skippedCovered)}\n`);
    const loss = summary.progressiveLoss === null ? 'n/a' : summary.progressiveLoss.toFixed(5);
    io.stderr.write(
      `replay: ${counted(summary.events, 'event')} learned, ${formatCount(summary.scored)} scored, ${formatCount(summary.rejected)} rejected${summary.rejected > 0 ? ' (dead-letters.jsonl)' : ''}; ` +
        `progressive ${summary.family === 'binomial' ? 'log loss' : 'MSE'} ${loss}; ${counted(summary.nonZero, 'non-zero coefficient')}; ` +
        `${refitsDone(summary.refits)}; ${formatCount(summary.eventsPerSecond)} events/s; ${outputsLine(summary, resolve(out))}\n`,
    );
    const nothing =
      summary.interrupted === undefined ? await nothingLearned(summary, config.files.input!) : null;
    if (nothing !== null) {
      // --report has no model to draw: say so, rather than leave the page silently unwritten
      io.stderr.write(
        `replay: error: ${nothing}${report ? '; no report.html written (no model to draw)' : ''}\n`,
      );
      return 1;
    }
    if (report) {
      const { writeReport } = await import('./report.js');
      const written = await writeReport(resolve(out));
      io.stderr.write(`replay: report in ${written.file} (${(written.bytes / 1024).toFixed(0)} KB)\n`);
    }
    if (summary.interrupted !== undefined) {
      const signal = summary.interrupted;
      // (only as the process's own command: a caller of main with its own io, a test, goes on)
      if (
        io === processIO &&
        (signal === 'SIGINT' || signal === 'SIGTERM') &&
        !(await isRegularFile(config.files.input!))
      )
        exitIfHeld(signal);
      return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1;
    }
    return 0;
  },
};

/**
 * Why a finished replay learned nothing from a fresh start, or null when it learned something (or
 * went on from a state directory that had: a resumed run over the rest may have nothing left).
 */
export async function nothingLearned(summary: RunSummary, input: string): Promise<string | null> {
  if (summary.events > 0) return null;
  if (summary.resume !== undefined) {
    if (!learnedNothing({ learned: summary.events, rejected: summary.rejected })) return null;
    const records = `nothing learned from the ${formatCount(summary.records)} records of ${input} after line ${formatCount(summary.resume.fromLine)}, where the checkpoint resumed`;
    const reason = `the most common reason ${topReason(summary)} (see dead-letters.jsonl)`;
    return summary.scored === 0
      ? `${records}: all rejected; the state directory is left as it was, so the same command reads them again once what ${reason} says is fixed`
      : `${records}: ${formatCount(summary.rejected)} rejected and ${formatCount(summary.scored)} scored (no label), and the checkpoints of the scored events cover the rejected ones too: to learn them, fix what ${reason} says and replay into a new state directory`;
  }
  // a state directory's run over a file of one half-written line: it waits for the next run (warned)
  if (
    summary.records === 0 &&
    !/\.csv$/i.test(input) &&
    (await unterminatedLastLine(input, DEFAULT_MAX_RECORD_BYTES)) !== null
  )
    return null;
  if (summary.records === 0)
    return /\.csv$/i.test(input)
      ? `nothing learned: ${input} has no rows after its header`
      : `nothing learned: ${input} has no events (it is empty or blank)`;
  if (summary.rejected === 0)
    return `nothing learned: none of the ${summary.scored} events of ${input} has a "label" (an unlabelled event is only scored)`;
  // the hint is asked first: a CSV of over a thousand rows stops early, every line rejected
  const first = await firstLine(input);
  const { looksLikeCsv } = await import('../solve/csv.js');
  const csv =
    !/\.csv$/i.test(input) && looksLikeCsv(first)
      ? `; ${input} looks like CSV (first line: ${JSON.stringify(first.slice(0, 80))}): replay reads JSON lines, one event {"label": ..., "features": {...}} per line, or a CSV file named .csv (--target names its label column)`
      : !/\.csv$/i.test(input) && jsonShapeHint(input, first) !== ''
        ? `; ${jsonShapeHint(input, first)}`
        : '';
  if (summary.stoppedAllRejected !== undefined)
    return `nothing learned: the first ${formatCount(summary.rejected)} records of ${input} were all rejected, so it stopped there; the most common reason ${topReason(summary)} (see dead-letters.jsonl)${csv}`;
  return `nothing learned: all ${summary.rejected} records of ${input} were rejected (see dead-letters.jsonl)${csv}`;
}

/** Whether a run learned no event and rejected records. */
function learnedNothing(counts: { readonly learned: number; readonly rejected: number }): boolean {
  return counts.learned === 0 && counts.rejected > 0;
}

/** The most common reason for rejecting a record, after its count: `(1,000): record is ...`. */
function topReason(summary: RunSummary): string {
  let [top, most] = ['', 0];
  for (const [reason, n] of Object.entries(summary.rejectedByReason)) if (n > most) [top, most] = [reason, n];
  return `(${formatCount(most)}): ${top}`;
}

/** The first line of a file (at most its first 64 KiB). */
async function firstLine(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    return (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  } finally {
    await file.close();
  }
}

/** The output files in `dir` that hold something (an earlier run's), in `outputFiles`' order; report.html alone unless `all`. */
async function earlierOutputs(dir: string, all: boolean): Promise<string[]> {
  const found: string[] = [];
  for (const name of all ? [...Object.values(outputFiles), 'summary.json', 'report.html'] : ['report.html']) {
    const size = await stat(join(dir, name)).then(
      (s) => (s.isFile() ? s.size : 0),
      () => 0,
    );
    if (size > 0) found.push(name);
  }
  return found;
}

/** A CSV input's header and the decoder of its rows (`csvInput`). */
interface CsvInput {
  readonly header: CsvHeader;
  readonly decoder: CsvRowDecoder;
}

/**
 * For an input ending in `.csv`: its header, read before any output is opened, and the decoder of
 * its rows with the label column `replay.target` (`--target`; default a column named "label").
 * Null for JSON lines, where `--target` is refused (an event's label is its "label").
 */
async function csvInput(
  config: EngineConfig,
  input: string,
  where: string,
  warn: (message: string) => void,
): Promise<CsvInput | null> {
  const target = config.files.target;
  const targetFlag = where === '--input' ? '--target' : 'replay.target';
  if (!/\.csv$/i.test(input)) {
    if (target !== undefined)
      throw new UsageError(
        `${targetFlag} names the label column of a CSV input; ${where} ${input} is read as JSON lines, where an event's label is its "label"`,
      );
    return null;
  }
  if (config.readerThreads > 0)
    throw new UsageError(
      `${where} ${input} is a CSV file, read on the engine's thread: leave out --reader-threads (replay.readerThreads), which reads JSON lines`,
    );
  const header = await readCsvHeader(input, config.limits.maxRecordBytes);
  if (target === undefined && !header.columns.includes('label'))
    throw new DataError(
      `${where} ${input} is a CSV file: name its label column with ${targetFlag} (it has no column "label"); its columns are: ${header.columns.slice(0, 50).join(', ')}${header.columns.length > 50 ? ', …' : ''}${separatorHint(header.columns)}`,
    );
  const exclude = config.files.exclude;
  try {
    if (exclude !== undefined)
      checkExcluded(
        exclude,
        header.columns.filter((c) => c !== (target ?? 'label')),
        new Map([[target ?? 'label', 'the label column']]),
        input,
      );
  } catch (err) {
    // going on with the next file, a column the last one had may be gone: the same settings go on
    if (!(err instanceof DataError) || config.files.continue !== true) throw err;
    warn(err.message);
  }
  const keyBy = config.keys.keyBy;
  const keyProblem =
    keyBy === null
      ? null
      : keyColumnProblem(
          keyBy,
          header.columns,
          target ?? 'label',
          input,
          '--key-by (model.keyBy)',
          target && targetFlag,
        );
  if (keyProblem !== null) throw new DataError(keyProblem);
  const keyColumn = keyBy;
  return { header, decoder: new CsvRowDecoder(header.columns, target ?? 'label', input, keyColumn) };
}

/** `csvSource` with `jsonlSource`'s signature (the options it does not take left out). */
function csvFileSource(csv: CsvInput) {
  return (input: string, options: JsonlEventSourceOptions): EventSource => {
    const { readerThreads: _threads, family: _family, ...rest } = options;
    return csvSource(input, csv.header, rest);
  };
}

/** True when `path` is a regular file (false: a pipe, a FIFO, a device, or gone). */
async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

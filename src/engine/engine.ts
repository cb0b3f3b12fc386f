import { performance } from 'node:perf_hooks';

import {
  concatMap,
  filter,
  lastValueFrom,
  map,
  Subject,
  takeUntil,
  tap,
  type Observable,
  type SchedulerLike,
} from 'rxjs';

import type { AlertLogger } from '../drift/driftMonitor.js';
import { NumericStrings } from '../features/numericStrings.js';
import { EngineError, StateError, UnreadableState } from '../core/errors.js';
import { BINOMIAL_LABELS, MINUS_ONE_LABELS } from '../core/labelHints.js';
import { useSequentialWorkerFile } from '../drift/sequentialThread.js';
import { ProgressiveMetrics } from '../metrics/progressive.js';
import { LiveModel, type LiveModelContext } from '../model/liveModel.js';
import { onlineDefaults } from '../model/onlineModel.js';
import { ModelRegistry, type RegistryCodec } from '../model/registry.js';
import { InlineRefitRunner, WorkerRefitRunner, type RefitRunner } from '../refit/runner.js';
import { decodeEvents, type EventDecoder, type RecordDecoder } from '../stream/decodeEvents.js';
import type { ProcessedBatch } from '../stream/engineTypes.js';
import { detectDrift } from '../stream/detectDrift.js';
import { learnByKey } from '../stream/learnByKey.js';
import { publish } from '../stream/publish.js';
import { refitEvery, refitStats, type RefitStats } from '../stream/refitEvery.js';
import { keyFunction, routeByKey } from '../stream/routeByKey.js';
import { snapshotEvery } from '../stream/snapshotEvery.js';
import type { DeadLetter, DeadLetterSink, RawBatch, RecordPosition } from '../stream/types.js';
import type { EngineConfig } from './config.js';
import { checkedConfigAndPorts } from './checkedPorts.js';
import { AssignmentFence } from './assignmentFence.js';
import { Checkpointer, EvictionBuffer, type CheckpointStats } from './checkpointer.js';
import { AwaitingSink } from './awaitingSink.js';
import { unreadEntries } from './commandLineEntries.js';
import { checkDecimalOffsets, checkRawBatch } from './offsets.js';
import { RejectRateWatch } from './rejectRate.js';
import {
  MemoryStateStore,
  type AssignmentChange,
  type EventSource,
  type OutputSink,
  type PartitionRef,
  type RestoreStats,
  type StateStore,
} from './ports.js';

export interface EnginePorts {
  readonly source: EventSource;
  readonly sink: OutputSink;
  /** Where evicted models go (default: memory). */
  readonly store?: StateStore;
  /** Runs refits (default: `refit.threads` worker threads, or inline with 0). */
  readonly runner?: RefitRunner;
}

/** `EngineOptions.warnNumericStrings` looks at the first snapshots of at most this many models. */
const NUMERIC_STRING_MODELS = 100;

export interface EngineOptions {
  /** Record decoder (default JSON); an `EventDecoder` (Avro) also validates. */
  readonly decoder?: RecordDecoder | EventDecoder;
  /** Decode and learn raw batches in parts of this many records (Kafka: 512; see decodeEvents). */
  readonly partSize?: number;
  /** Clock for `createdAt` (default: now). */
  readonly clock?: () => Date;
  /** Time for the snapshot and refit cadences (default: the async scheduler's `now`). */
  readonly scheduler?: SchedulerLike;
  /** Alerts are also logged here, at the level of their severity (info, warn, error). */
  readonly logger?: AlertLogger;
  /** The source is read until this emits (graceful stop: what was read is finished and committed). */
  readonly stop?: Observable<unknown>;
  /**
   * With `partSize`: once `stop` emits or `close()` is called, the batches the source emitted
   * that the engine has not begun (they wait behind a batch being learned in parts, up to the
   * source's in-flight limit) are dropped, neither learned nor committed, instead of learned
   * first: for a broker source, which delivers uncommitted records again. Default false.
   */
  readonly dropQueuedOnStop?: boolean;
  /** Told of refits, checkpoints and restores as they happen (metrics). */
  readonly observer?: EngineObserver;
  /**
   * On every partition assignment, go back to the last checkpoint: drop every model in memory,
   * restore from the store and read again from the committed offsets (exactly-once sources,
   * whose outputs since that checkpoint were in an aborted transaction). Default: keep the models
   * of partitions still assigned (they skip the records they cover).
   */
  readonly rewindOnAssign?: boolean;
  /**
   * The worker threads' scripts, paths or file URLs (default: beside the engine's modules, i.e.
   * beside the bundle when the engine is bundled): `refit` (refitWorker.js, for `refit.threads`
   * ≥ 1), `sequentialDrift` (sequentialWorker.js, for `drift.threads` 1; one worker per process,
   * so the first engine's setting holds).
   */
  readonly workerFiles?: { readonly refit?: string | URL; readonly sequentialDrift?: string | URL };
  /**
   * Fail (an `EngineError` 'L1S_ALL_REJECTED') when the first this many records since the start
   * were all rejected and nothing was learned or scored: a configuration that fits no record (a
   * misspelled `model.keyBy`, the wrong format) rather than bad records here and there. It is
   * thrown between batches, before the batch that reaches the count is published or checkpointed,
   * so a service stops instead of dead-lettering its whole input. Default: never.
   */
  readonly failWhenFirstRejected?: number;
  /**
   * Log a warning (at most once per field) when a model's first snapshot finds a field whose values
   * were mostly numbers sent as strings (`{"age": "42"}`, learned as one-hot features `age=42`),
   * as `replay` warns at its end: a service has no end to warn at. Default false.
   */
  readonly warnNumericStrings?: boolean;
  /**
   * With a state store that is not durable (a `MemoryStateStore`): when the run ends without an
   * error (its source done, `stop`, `close()`), put the state of every model in memory into the
   * store, so that a new `Engine` given it goes on from them. Default true; false for a store
   * dropped after the run. A run that fails (a source or sink error) leaves the store with the
   * states of the models evicted before, as a crash would. A durable store has every model from
   * the last checkpoint instead.
   */
  readonly storeModelsAtEnd?: boolean;
}

/** Hooks for what happens between batches (the Prometheus metrics use them). */
export interface EngineObserver {
  refit?(result: { readonly key: string; readonly ms: number; readonly ok: boolean }): void;
  checkpoint?(stats: CheckpointStats): void;
  restore?(stats: RestoreStats & { readonly dropped: number }): void;
}

/**
 * Dead letters counted by stage and by reason before they reach the sink; with `held`, they are
 * kept until `take()` attaches them to the batch they came from (published with it, in order).
 */
class CountingDeadLetters implements DeadLetterSink {
  count = 0;
  readonly byReason = new Map<string, number>();
  private heldLetters: DeadLetter[] = [];
  constructor(
    private readonly sink: OutputSink,
    private readonly held: boolean,
  ) {}

  /**
   * While set, the positions of the letters since the last `watchFirstRecords` check (the records
   * of the batch in hand that were rejected): the records' own position objects, which decoding,
   * routing and learning pass on (offsets may repeat without a durable store).
   */
  watched: Set<RecordPosition> | null = null;

  deadLetter(letter: DeadLetter): void {
    this.count++;
    this.watched?.add(letter.position);
    const reason = reasonClass(letter.reason);
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    if (this.held) this.heldLetters.push(letter);
    else this.sink.deadLetter(letter);
  }

  /** The letters held since the last call. */
  take(): DeadLetter[] {
    if (this.heldLetters.length === 0) return [];
    const out = this.heldLetters;
    this.heldLetters = [];
    return out;
  }

  /** The most frequent reason so far (null before any dead letter). */
  topReason(): string | null {
    let top: string | null = null;
    let most = 0;
    for (const [reason, n] of this.byReason) if (n > most) [top, most] = [reason, n];
    return top;
  }
}

/**
 * A reason without its specifics, for counting: the event's values (numbers, feature names, quoted
 * text) become `N` and `"…"`, positions are dropped; the words of the rule stay (the event format's
 * fields such as `"label"`, `model.keyBy`'s field name, the family, "0 or 1"). Whole words, never
 * cut in the middle of one. A JSON parser's message quotes the line it failed on, so every line
 * that is not JSON counts as one reason.
 */
export function reasonClass(reason: string): string {
  if (/^cannot decode: .*JSON/s.test(reason)) return 'cannot decode: not valid JSON';
  if (reason.startsWith('cannot decode: not valid UTF-8')) return 'cannot decode: not valid UTF-8';
  const trimmed = unquotedNames(
    reason.replace(/ at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, ''),
  );
  const general = trimmed.replace(
    specifics,
    (match: string, name: string | undefined, rule: string | undefined, at: number) => {
      if (rule !== undefined) return rule;
      if (name === undefined) return 'N';
      return namesRule(trimmed, name, at, at + match.length) ? match : '"…"';
    },
  );
  if (general.length <= maxReasonLength) return general;
  const cut = general.lastIndexOf(' ', maxReasonLength);
  return `${general.slice(0, cut > 0 ? cut : maxReasonLength)} …`;
}

/**
 * An overflow's reason names its feature unquoted (`feature x2 = 1e200 makes ...`, `the running
 * variance of x2 infinite`): quoted here, so that the name is blanked as every feature name is.
 */
function unquotedNames(reason: string): string {
  if (!reason.startsWith('numeric overflow: ')) return reason;
  return reason
    .replace(/\bfeature .+ = (\S+) makes /s, 'feature "…" = $1 makes ')
    .replace(/ running variance of .+ infinite$/s, ' running variance of "…" infinite');
}

/** A label hint (` (…)`) without its parentheses, as a pattern. */
function ruleWords(hint: string): string {
  return hint.slice(2, -1).replace(/[+/]/g, '\\$&');
}

/**
 * A quoted text, words that belong to a rule (the binomial labels, `>= 0`, a limit, the quote
 * characters a CSV reason shows: `(")`, `("5"" screen")`, `as ""`), a byte in hexadecimal (`0x7b`),
 * or a number.
 */
const specifics = new RegExp(
  `"([^"]*)"|(must be 0 or 1|0 or 1 for binomial|>= 0|limit of \\d+ bytes|\\("\\)|\\("5"" screen"\\)|as ""|${ruleWords(MINUS_ONE_LABELS)}|${ruleWords(BINOMIAL_LABELS)})|\\b0x[0-9a-f]+\\b|-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?`,
  'gi',
);

/** The fields of an event (docs/conventions.md, events), named in quotes by the rules they break. */
const eventFields = new Set(['key', 'ts', 'label', 'weight', 'features']);

/** Whether the quoted `name` at [start, end) of `reason` names a rule's field or setting, not data. */
function namesRule(reason: string, name: string, start: number, end: number): boolean {
  if (reason.startsWith(' (model.keyBy)', end) || reason.endsWith('model.keyBy is ', start)) return true;
  // the field a missing key field probably meant (`routeByKey`): the same in every event
  if (reason.endsWith('(model.keyBy) is missing; did you mean ', start)) return true;
  return eventFields.has(name) && !reason.endsWith('feature ', start);
}

const maxReasonLength = 200;

/** What a run did, for summaries, progress lines and metrics. */
export interface EngineStats {
  readonly records: number;
  readonly learned: number;
  readonly scored: number;
  readonly rejected: number;
  readonly rejectedByReason: ReadonlyMap<string, number>;
  readonly snapshots: number;
  readonly alerts: number;
  readonly scores: number;
  /** Model keys held: in memory and in the state store (every key seen, unless a bounded store forgot some). */
  readonly keys: number;
  readonly liveModels: number;
  readonly evictions: number;
  readonly refits: Readonly<RefitStats>;
  /** Events not learned again because a restored model's state already covered them. */
  readonly skippedCovered: number;
  /**
   * Records read before a partition assignment and not learned after it, their partition having
   * gone to another instance (or, exactly-once, back to the last checkpoint): not committed here,
   * they are learned by the partition's owner (`AssignmentFence`).
   */
  readonly notLearnedRevoked: number;
  readonly checkpoints: Readonly<Checkpointer['totals']>;
  /** Windows of records whose reject share was high (`RejectRateWatch`). */
  readonly highRejectWindows: number;
  /** What ended the run: its source completed, the `stop` option emitted, or `close()`. */
  readonly endedBy: 'source' | 'stop' | 'close';
  /** What went wrong without failing the run (every refit failed; state.dir with no store), each a sentence; also logged. */
  readonly warnings: readonly string[];
  readonly seconds: number;
}

/**
 * The one pipeline of l1stream (the README's "What happens to an event"), composed once: decode → route by key → learn →
 * snapshots → refits → drift → evict → publish → commit, from the operators of `src/stream`,
 * against three ports (an event source, an output sink, a state store). `replay` and `run` differ
 * only in the ports they pass.
 */
/** The one line a run logs when restored models skipped events their state already covered. */
export function skippedCoveredMessage(events: number): string {
  return `${events} events not learned again: their models' restored state already covered them (learned before a restart, or by the instance that held their partition before)`;
}

export class Engine {
  readonly config: EngineConfig;
  readonly registry: ModelRegistry<LiveModel>;
  /**
   * Progressive metrics over every key's labelled events (each model keeps its own too); its AUC
   * is sorted when read, not as events come (it is read at the end of a run).
   */
  readonly metrics: ProgressiveMetrics;
  readonly refits = refitStats();
  private readonly ports: EnginePorts;
  private readonly options: EngineOptions;
  private readonly deadLetters: CountingDeadLetters;
  private readonly runner: RefitRunner;
  private readonly ownsRunner: boolean;
  private readonly now: () => number;
  private counts = { records: 0, learned: 0, scored: 0, snapshots: 0, alerts: 0, scores: 0 };
  /** `EngineOptions.warnNumericStrings`: the keys whose first snapshot was looked at, the fields warned of. */
  private readonly numericChecked = new Set<string>();
  private readonly numericWarned = new Set<string>();
  /** `EngineOptions.failWhenFirstRejected` while it still watches, else 0. */
  private firstRejectedLimit: number;
  /** The records rejected since the start, before any was learned, scored or skipped. */
  private firstRejected = 0;
  private readonly skipped = { count: 0 };
  /** Keeps records of partitions revoked since they were read from being learned. */
  private readonly fence: AssignmentFence;
  private readonly store: StateStore;
  private readonly checkpointer: Checkpointer | null;
  private startedAt = 0;
  private restored = false;
  private readonly rejectRate = new RejectRateWatch();
  private rejectedBefore = 0;
  private warnedDropped = false;
  private readonly sink: AwaitingSink;
  /** Emits once, when `close()` is called: the source is read no further. */
  private readonly closing$ = new Subject<void>();
  private closed = false;
  private endedBy: EngineStats['endedBy'] = 'source';
  /** The source and the runner closed (by the end of `run()` or by `close()`), or null. */
  private released: Promise<void> | null = null;
  /** Set when `stop` emits or `close()` is called: running refits are abandoned, not waited for. */
  private stopping = false;
  /** The run in progress (`close()` waits for it), or null. */
  private running: Promise<unknown> | null = null;
  /** The first refit failure's message. */
  private refitFailure: string | null = null;

  /**
   * `checkedConfig`: what `checkEngineConfig` returned, taken as it is. From JavaScript, anything
   * else is checked the same way, every problem in one `ConfigError` (`engineConfigOf`), with
   * those of `ports` (a port missing, or a method of it: `enginePortsProblems`).
   */
  constructor(checkedConfig: EngineConfig, ports: EnginePorts, options: EngineOptions = {}) {
    const config = checkedConfigAndPorts(checkedConfig, ports, options);
    this.config = config;
    this.ports = ports;
    this.options = options;
    this.firstRejectedLimit = options.failWhenFirstRejected ?? 0;
    this.fence = new AssignmentFence(options.rewindOnAssign === true);
    this.sink = new AwaitingSink(ports.sink);
    this.deadLetters = new CountingDeadLetters(this.sink, ports.store?.durable === true);
    if (this.firstRejectedLimit > 0) this.deadLetters.watched = new Set();
    this.metrics = new ProgressiveMetrics(
      config.model.family,
      config.model.aucSample ?? onlineDefaults.aucSample,
      false,
    );
    const scheduler = options.scheduler;
    this.now = scheduler ? () => scheduler.now() : () => Date.now();
    const context: LiveModelContext = {
      config,
      clock: options.clock ?? (() => new Date()),
      now: this.now,
      ...(options.logger ? { logger: options.logger } : {}),
    };
    const durable = ports.store?.durable === true ? new EvictionBuffer(ports.store) : null;
    this.store = durable ?? ports.store ?? new MemoryStateStore();
    // versions go on above those an earlier run published for the key (after its checkpoint)
    const published = ports.sink.publishedVersion?.bind(ports.sink);
    const continued = (live: LiveModel) => {
      if (published) live.model.versionAtLeast(published(live.key));
      return live;
    };
    const store = this.store;
    const codec: RegistryCodec<LiveModel> = {
      // a key whose stored state was forgotten numbers its versions above the forgotten model's
      create: (key) => {
        const live = continued(new LiveModel(key, context));
        live.model.versionAtLeast(store.versionFloor?.(key) ?? 0);
        return live;
      },
      checkpoint: (model) => model.checkpoint(),
      restore: (key, state) => {
        let live: LiveModel;
        try {
          live = LiveModel.fromCheckpoint(key, context, state);
        } catch (err) {
          if (!(err instanceof StateError)) throw err;
          throw new UnreadableState(key, err.message, this.store.remedy?.(key), { cause: err });
        }
        // restored from an eviction not yet checkpointed: its state is still to be written
        if (durable?.unwritten(key)) live.dirty = true;
        return continued(live);
      },
      partitions: (model) => model.partitions(),
      dispose: (model) => model.drift.close(),
      // unchanged since restored or checkpointed, once that checkpoint is written: a store that
      // keeps a released state has it (a rerun with nothing to learn writes no state again)
      ...(durable !== null && ports.store?.keepsReleased === true
        ? { stored: (model: LiveModel) => !model.dirty && this.checkpointer?.settled === true }
        : {}),
    };
    this.registry = new ModelRegistry<LiveModel>({
      maxLive: config.keys.maxLiveModels,
      store: this.store,
      codec,
    });
    const observer = options.observer;
    this.checkpointer =
      durable !== null
        ? new Checkpointer(
            this.registry,
            durable,
            ports.source,
            config.checkpoints,
            this.now,
            this.fence,
            (s) => observer?.checkpoint?.(s),
          )
        : null;
    this.ownsRunner = ports.runner === undefined;
    this.runner =
      ports.runner ??
      (config.refit.threads === 0
        ? new InlineRefitRunner()
        : new WorkerRefitRunner(config.refit.threads, options.workerFiles?.refit));
    if (options.workerFiles?.sequentialDrift !== undefined)
      useSequentialWorkerFile(options.workerFiles.sequentialDrift);
  }

  /**
   * Ready to process: for a source with partition assignments, once the first assignment's models
   * are restored; otherwise from the start.
   */
  get ready(): boolean {
    return this.restored || this.ports.source.onAssign === undefined;
  }

  /**
   * A new assignment: restore the states of its partitions' models, and drop (without
   * checkpointing or publishing) the models in memory whose partitions went elsewhere. After a
   * lost assignment (this instance was out of its group), or with `rewindOnAssign`, every model
   * goes back to the last checkpoint: the records since were not committed, and another member
   * may have learned and committed a partition's records meanwhile.
   */
  private async assign(assignment: readonly PartitionRef[], change?: AssignmentChange): Promise<void> {
    const lost = change?.lost === true;
    this.fence.assigned(assignment, lost);
    if (this.options.rewindOnAssign === true || lost) {
      this.checkpointer?.rewind();
      this.registry.dropUnless((live) => ((live.dropped = true), false));
      if (this.store instanceof EvictionBuffer) this.store.clearUnwritten();
      this.ports.sink.discard?.();
    }
    // Models of partitions gone elsewhere are dropped before the restore: a checkpoint captured
    // while it runs must not write them (the new owner has restored them already).
    const owned = new Set(assignment.map((p) => `${p.partition}\u0000${p.source}`));
    const dropped = this.registry.dropUnless((live) => {
      for (const key of live.covered.keys()) if (!owned.has(key)) return ((live.dropped = true), false);
      return true;
    });
    if (this.store instanceof EvictionBuffer)
      this.store.dropUnless((partitions) =>
        partitions.every((p) => owned.has(`${p.partition}\u0000${p.source}`)),
      );
    const stats = (await this.store.restore?.(assignment)) ?? { models: 0, bytes: 0, ms: 0 };
    // models kept in memory are ahead of their restored states: the store need not hold those
    if (this.store.release) for (const live of this.registry.liveModels()) this.store.release(live.key);
    this.restored = true;
    this.options.logger?.info?.(
      {
        partitions: assignment.length,
        restored: stats.models,
        bytes: stats.bytes,
        ms: Math.round(stats.ms),
        dropped,
        ...(lost ? { afterLost: true } : {}),
      },
      'partitions assigned: model states restored',
    );
    this.options.observer?.restore?.({ ...stats, dropped });
  }

  /**
   * The model of a refit's key (a finished one's, or a waiting one's as it starts: `started`
   * null), unless the model that started it was dropped (its partition moved, or a rewind went
   * back to the last checkpoint) or the key no longer lives here.
   */
  private refitTarget(key: string, started: { readonly dropped?: boolean } | null): LiveModel | null {
    if (started?.dropped === true) return null;
    return (
      this.registry.peekLive(key) ?? (this.store.get(key) !== undefined ? this.registry.acquire(key) : null)
    );
  }

  /** The composed pipeline: emits each batch once its outputs are durable and it is committed. */
  pipeline(): Observable<ProcessedBatch> {
    if (this.closed)
      throw new EngineError('L1S_CLOSED', 'the engine was closed: a closed engine does not learn');
    const { source } = this.ports;
    const { sink } = this;
    const { config } = this;
    const durable = this.checkpointer !== null;
    source.onAssign?.((assignment, change) => this.assign(assignment, change));
    this.checkpointer?.startTimer();
    const prepare = source.prepare?.bind(source);
    const { stop } = this.options;
    const untilClosed$ = source.batches$.pipe(
      // an application's source may send anything: its batches are checked before anything reads them
      tap((b) => {
        checkRawBatch(b);
        this.fence.read(b);
      }),
      takeUntil(this.closing$),
    );
    const read$ = stop
      ? untilClosed$.pipe(
          takeUntil(
            stop.pipe(
              tap(() => {
                this.endedBy = 'stop';
                this.stopping = true;
              }),
            ),
          ),
        )
      : untilClosed$;
    const prepared$: Observable<RawBatch> = prepare
      ? read$.pipe(concatMap(async (b) => (await prepare(b.records), b)))
      : read$;
    const raw$ = prepared$.pipe(
      map((b) => this.fence.raw(b)),
      filter((b): b is RawBatch => b !== null),
    );
    const learned$ = raw$.pipe(
      tap((b) => {
        if (this.startedAt === 0) this.startedAt = performance.now();
        if (durable) checkDecimalOffsets(b.records);
        this.counts.records += b.records.length;
      }),
      decodeEvents({
        family: config.model.family,
        deadLetters: this.deadLetters,
        maxRecordBytes: config.limits.maxRecordBytes,
        ...(this.options.partSize !== undefined
          ? { partSize: this.options.partSize, yieldAfterMs: 100 }
          : {}),
        ...(this.options.dropQueuedOnStop === true ? { dropQueued: () => this.stopping } : {}),
        ...(this.options.decoder ? { decoder: this.options.decoder } : {}),
        engineEvents: true,
      }),
      routeByKey(keyFunction(config.keys.keyBy, config.keys.defaultKey), this.deadLetters),
      // (synchronous from here to the models, so no assignment comes between this check and learning)
      map((b) => this.fence.routed(b)),
      learnByKey(this.registry, {
        deadLetters: this.deadLetters,
        scores: config.scores,
        skipped: this.skipped,
        // offsets order records with a durable store (the README's offsets), and from a source
        // with partition assignments (Kafka), which delivers uncommitted records again after a
        // rebalance to the models that learned them
        skipCovered: this.checkpointer !== null || this.ports.source.onAssign !== undefined,
      }),
      tap((batch) => this.count(batch)),
    );
    return learned$.pipe(
      snapshotEvery(this.registry, config.snapshots.everySeconds),
      refitEvery({
        runner: this.runner,
        acquire: (key, started) => this.refitTarget(key, started),
        now: this.now,
        stats: this.refits,
        stopping: () => this.stopping,
      }),
      detectDrift(),
      tap((element) => {
        // between whole batches only: an inline refit comes before its batch, whose models must
        // stay in memory until it is through every stage
        if (element.kind === 'batch') {
          this.sink.throwIfFailed();
          if (!element.partial) this.watchFirstRecords(element);
          if (this.options.warnNumericStrings === true) this.watchNumericStrings(element);
          this.watchData(element);
          this.registry.trim();
          const letters = this.deadLetters.take();
          if (letters.length > 0) element.outputs.deadLetters.push(...letters);
        }
        this.checkpointer?.learned(element);
        this.counts.snapshots +=
          element.outputs.models.length + (element.kind === 'refit' && element.snapshot ? 1 : 0);
        this.counts.alerts += element.outputs.alerts.length;
        this.counts.scores += element.outputs.scores.length;
        if (element.kind === 'refit') {
          if (element.error !== null) {
            this.refitFailure ??= element.error.message;
            this.options.logger?.warn({ key: element.key, err: element.error.message }, 'refit failed');
          }
          const ms = element.snapshot?.metrics?.refitMs;
          this.options.observer?.refit?.({
            key: element.key,
            ms: typeof ms === 'number' ? ms : 0,
            ok: element.error === null,
          });
        }
      }),
      publish(sink, source, this.checkpointer ?? undefined),
    );
  }

  /**
   * `EngineOptions.warnNumericStrings`: at the first online snapshot of each of the first
   * NUMERIC_STRING_MODELS models, the fields whose values were mostly numeric strings, each
   * logged once.
   */
  private watchNumericStrings(batch: ProcessedBatch): void {
    for (const snapshot of batch.outputs.models) {
      if (this.numericChecked.size >= NUMERIC_STRING_MODELS || this.numericChecked.has(snapshot.key))
        continue;
      const live = this.registry.peekLive(snapshot.key);
      if (live === undefined) continue;
      this.numericChecked.add(snapshot.key);
      const found = new NumericStrings();
      live.model.forEachColumnPresence((field, value, present) => found.addColumn(field, value, present));
      found.endModel(live.model.presenceTotal());
      for (const { field, message } of found.fieldWarnings()) {
        if (this.numericWarned.has(field)) continue;
        this.numericWarned.add(field);
        this.options.logger?.warn({ key: snapshot.key, field }, message);
      }
    }
  }

  /**
   * `EngineOptions.failWhenFirstRejected`: throws once the first records were all rejected, counted
   * in the order of the batches learned and of the records in each (a batch whose first records
   * were rejected counts them, whatever comes after them in it).
   */
  private watchFirstRecords(batch: ProcessedBatch): void {
    const limit = this.firstRejectedLimit;
    const rejected = this.deadLetters.watched;
    if (limit === 0 || rejected === null) return;
    let leading = 0;
    for (const record of batch.records) {
      if (!rejected.has(record.position)) break;
      leading++;
    }
    rejected.clear();
    this.firstRejected += leading;
    if (this.firstRejected < limit) {
      if (leading < batch.records.length) this.stopWatchingFirstRecords();
      return;
    }
    this.stopWatchingFirstRecords();
    throw new EngineError(
      'L1S_ALL_REJECTED',
      `nothing learned: the first ${this.firstRejected} records since the start were all rejected (most common reason: ${this.deadLetters.topReason()}), so the run stopped rather than dead-letter its whole input; fix the configuration (a misspelled model.keyBy, the input's format) and start again: the records after the last checkpoint are read again, and the dead letters sent so far hold the rest with their reasons`,
    );
  }

  private stopWatchingFirstRecords(): void {
    this.firstRejectedLimit = 0;
    this.deadLetters.watched = null;
  }

  /** Warns (log, rate-limited) when many records are rejected or a model's vocabulary is full. */
  private watchData(batch: ProcessedBatch): void {
    const rejected = this.deadLetters.count - this.rejectedBefore;
    this.rejectedBefore = this.deadLetters.count;
    // a raw batch learned in parts (`partSize`) hands every part all its records: count them once
    const share = this.rejectRate.update(batch.partial ? 0 : batch.records.length, rejected, this.now());
    if (share !== null)
      this.options.logger?.warn(
        { rejectShare: share, records: this.rejectRate.window, reason: this.deadLetters.topReason() },
        `${(100 * share).toFixed(1)}% of the last ${this.rejectRate.window} or more records were rejected (dead letters); most common reason: ${this.deadLetters.topReason()}`,
      );
    if (this.warnedDropped) return;
    for (const { live } of batch.parts) {
      const { featurizer } = live.model;
      if (featurizer.droppedFeatures === 0) continue;
      this.warnedDropped = true;
      this.options.logger?.warn(
        { key: live.key, columns: featurizer.dimension },
        `model "${live.key}" has ${featurizer.dimension} columns, its model.maxFeatures: features with new names are left out of its events from now on (counted as droppedFeatures); raise model.maxFeatures or hash (--hash-bits)`,
      );
      return;
    }
  }

  /** What went wrong without failing the run. */
  private warnings(): string[] {
    const warnings: string[] = [];
    const { failed, completed } = this.refits;
    if (failed > 0 && completed === 0)
      warnings.push(
        `every refit failed (${failed}), so the models are the online learner's alone; the first failure: ${this.refitFailure ?? 'unknown'}`,
      );
    // read by the command line (replay --state, run): an Engine of the library gets its store as a port
    const stateDir = this.config.files.state;
    if (stateDir !== undefined && this.ports.store === undefined)
      warnings.push(
        `state.dir is ${JSON.stringify(stateDir)} but this Engine was given no state store, so nothing was kept there: pass new DirectoryStateStore(${JSON.stringify(stateDir)}) (l1stream/file) as ports.store`,
      );
    warnings.push(...unreadEntries(this.config));
    return warnings;
  }

  private count(batch: ProcessedBatch): void {
    for (const { learned } of batch.parts) {
      for (let i = 0; i < learned.count; i++) {
        if (learned.labelled[i] === 1) {
          this.counts.learned++;
          // the loss is the one the model's own metrics computed for this prediction and label
          this.metrics.updateWithLoss(learned.predictions[i], learned.labels[i], learned.losses[i]);
        } else this.counts.scored++;
      }
    }
  }

  /**
   * Runs the pipeline to the end of the source (or until `stop` emits or `close()` is called:
   * what was read is finished, running refits are abandoned), then flushes the sink; returns the
   * statistics. Rejects when a
   * sink write fails (a thrown error or a rejected promise) or the engine was closed before.
   */
  async run(): Promise<EngineStats> {
    if (!this.closed && (this.running !== null || this.released !== null))
      throw new EngineError(
        'L1S_RAN',
        this.running !== null
          ? 'the engine is running: await the run() in progress (an engine runs once)'
          : 'the engine has run: its source was read and closed, and an engine runs once; make a new Engine (given the same state store, its models go on from their state)',
      );
    this.startedAt = performance.now();
    const running = this.runToEnd();
    this.running = running.catch(() => undefined);
    try {
      await running;
    } finally {
      this.running = null;
    }
    const stats = this.stats();
    for (const warning of stats.warnings) this.options.logger?.warn({ refits: stats.refits }, warning);
    if (stats.skippedCovered > 0)
      this.options.logger?.info?.(
        { skippedCovered: stats.skippedCovered },
        skippedCoveredMessage(stats.skippedCovered),
      );
    if (stats.notLearnedRevoked > 0)
      this.options.logger?.info?.(
        { notLearnedRevoked: stats.notLearnedRevoked },
        `${stats.notLearnedRevoked} records read before a rebalance were not learned here: their partitions were reassigned, and their new owner reads them again`,
      );
    return stats;
  }

  private async runToEnd(): Promise<void> {
    try {
      await lastValueFrom(this.pipeline(), { defaultValue: null });
      await this.sink.flush();
      // a store given without checkpoints (not durable) gets the models' last states, so that a
      // new Engine given it goes on from them (a durable store has them from the last checkpoint)
      if (
        this.checkpointer === null &&
        this.ports.store !== undefined &&
        this.options.storeModelsAtEnd !== false
      )
        this.registry.storeLive();
    } finally {
      await this.release();
    }
  }

  /**
   * Stops checkpoints, closes an owned refit runner and the source, detaches the store: once,
   * whoever asks first.
   */
  private release(): Promise<void> {
    this.released ??= (async () => {
      this.checkpointer?.stopTimer();
      try {
        if (this.ownsRunner) await this.runner.close();
        await this.ports.source.close?.();
      } finally {
        this.ports.store?.detach?.();
      }
    })();
    return this.released;
  }

  /**
   * Ends the engine: a run in progress reads no more records, finishes and publishes what it
   * read (running refits are abandoned: `refits.abandoned`), and resolves (`endedBy` "close");
   * then the refit threads stop and the source is closed. A closed
   * engine does not run again. (A caller that unsubscribes from `pipeline()` early calls this;
   * unsubscribing alone only stops reading.)
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stopping = true;
      if (this.running !== null) this.endedBy = 'close';
      this.closing$.next();
      this.closing$.complete();
    }
    await this.running;
    await this.release();
  }

  stats(): EngineStats {
    return {
      ...this.counts,
      rejected: this.deadLetters.count,
      rejectedByReason: this.deadLetters.byReason,
      keys: this.registry.keys().length,
      liveModels: this.registry.live,
      evictions: this.registry.stats.evicted,
      refits: { ...this.refits },
      skippedCovered: this.skipped.count,
      notLearnedRevoked: this.fence.refused,
      checkpoints: {
        ...(this.checkpointer?.totals ?? {
          checkpoints: 0,
          models: 0,
          bytes: 0,
          ms: 0,
          notAssigned: 0,
          revoked: 0,
        }),
      },
      highRejectWindows: this.rejectRate.highWindows,
      endedBy: this.endedBy,
      warnings: this.warnings(),
      seconds: this.startedAt === 0 ? 0 : (performance.now() - this.startedAt) / 1000,
    };
  }
}

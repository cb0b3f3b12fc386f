import { performance } from 'node:perf_hooks';

import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { Observable, type Subscriber } from 'rxjs';

import {
  ConfigError,
  ConnectorError,
  type AssignmentChange,
  type PartitionRef,
  type RawBatch,
  type RawRecord,
} from '../../src/index.js';
import { optionProblems } from '../../src/internal.js';
import { kafkaDefaults } from './config.js';
import { ConsumerHealth } from './consumerHealth.js';
import type { ConnectorLogger } from './deadLetters.js';
import { GroupLog } from './groupLog.js';
import { kafkaRetriable, retrying } from './retry.js';
import { ensureTopics } from './topics.js';

export interface KafkaSourceOptions {
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Where a group without committed offsets starts (default true: the beginning). */
  readonly fromBeginning?: boolean;
  /**
   * Batches emitted but not yet committed before the source pauses its partitions (default 16);
   * it resumes when half of them are committed.
   */
  readonly maxInFlightBatches?: number;
  /**
   * How the source holds back at `maxInFlightBatches`: `pause` (default) pauses the topics, and
   * kafkajs drops what it had fetched ahead; `wait` keeps kafkajs' `eachBatch` waiting
   * (heartbeating) until a batch is committed or released, so nothing fetched is dropped. `wait`
   * suits a consumer that is not busy while batches are processed (the engine on a worker
   * thread, `KafkaWorkerEngine`): there the pauses and re-fetches cost more than they save.
   */
  readonly backpressure?: 'pause' | 'wait';
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceTimeoutMs?: number;
  /** Fetch sizes (kafkajs defaults: 1 MiB per partition, 10 MiB per request). */
  readonly maxBytesPerPartition?: number;
  readonly maxBytes?: number;
  /**
   * Longest a fetch waits on the broker for data (default 500 ms, kafkajs' is 5 s). The broker
   * answers one request per connection at a time, so an offset commit queued behind a waiting
   * fetch waits too: a short fetch wait keeps commits, and so resuming after a pause, prompt.
   */
  readonly maxWaitTimeInMs?: number;
  /**
   * Commits offsets (the next offset to read, per partition) instead of the consumer's own
   * commit: exactly-once sends them with the transaction (`KafkaTransactions.commit`).
   */
  readonly commitOffsets?: (
    offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>,
  ) => Promise<void>;
  /** Create missing input topics with this many partitions (default: don't create). */
  readonly createTopics?: { readonly partitions: number; readonly replicationFactor: number };
  readonly logger?: ConnectorLogger;
}

/** A batch of one topic partition, in offset order. */
export interface KafkaBatch extends RawBatch {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the last record (decimal string). */
  readonly lastOffset: string;
  /** The kafkajs messages of the batch, which `records` are made of. */
  readonly messages: readonly KafkaMessage[];
}

/**
 * A fetched batch whose records are made from its messages when first read: `KafkaWorkerEngine`
 * packs the messages for its worker and never reads them as records.
 */
class FetchedBatch implements KafkaBatch {
  private made: RawRecord[] | null = null;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly messages: readonly KafkaMessage[],
    readonly lastOffset: string,
  ) {}

  get records(): readonly RawRecord[] {
    if (this.made !== null) return this.made;
    const { topic, partition, messages } = this;
    const n = messages.length;
    const records = new Array<RawRecord>(n);
    for (let i = 0; i < n; i++) {
      const m = messages[i];
      records[i] = {
        value: m.value ?? Buffer.alloc(0),
        key: m.key,
        headers: m.headers as RawRecord['headers'],
        position: { source: topic, partition, offset: m.offset },
      };
    }
    return (this.made = records);
  }
}

interface PartitionState {
  /** Last offsets of emitted batches not yet released (or committed), in order. */
  readonly pending: bigint[];
  /** The last offset committed (or asked to be) in this generation (-1: none). */
  committed: bigint;
  /** Group generation in which these batches were fetched. */
  readonly generation: number;
}

/** How long `stillAssigned` waits for the group's coordinator before it takes the answer as yes. */
const STILL_ASSIGNED_MS = 5_000;

/**
 * What runs when partitions are assigned (restore their models' states); awaited before their
 * records. `change.lost`: this instance was out of the group since its previous assignment.
 */
export type AssignmentHandler = (
  assignment: readonly PartitionRef[],
  change: AssignmentChange,
) => Promise<void>;

interface CommitRound {
  readonly generation: number;
  readonly offsets: Map<string, { topic: string; partition: number; offset: bigint }>;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

const rebalanceErrors = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR',
  'FENCED_INSTANCE_ID',
]);

/** Also looks through `cause`: kafkajs' retrier wraps the broker's error (KafkaJSNonRetriableError). */
export function isRebalanceError(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as { type?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.type === 'string' && rebalanceErrors.has(e.type)) return true;
  if (e.cause !== undefined && e.cause !== err && isRebalanceError(e.cause, depth + 1)) return true;
  // kafkajs is restarting the consumer (after it lost its broker): it will join the group again,
  // in a new generation, and read these records again from the last committed offsets
  return typeof e.message === 'string' && e.message.includes('Consumer group was not initialized');
}

/**
 * A crash that means no broker answered (the group coordinator could not be found, or a connection
 * failed), also inside the wrapper of kafkajs' retrier (a `KafkaJSNonRetriableError` whose cause is
 * the coordinator error: what a consumer crashes with when its only broker stops mid-heartbeat).
 */
export function brokerUnreachable(err: unknown, depth = 0): boolean {
  if (kafkaRetriable(err)) return true;
  const e = err as { name?: unknown; cause?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.name === 'KafkaJSGroupCoordinatorNotFound') return true;
  return depth < 8 && e.cause !== undefined && e.cause !== err && brokerUnreachable(e.cause, depth + 1);
}

/**
 * How often a consumer that lost its broker is started again: waits that double from 1 s to 10 s,
 * for as long as `retrying` waits for a broker (5 minutes) since the first of a series of restarts
 * (crashes less than a minute apart).
 */
export class RestartBudget {
  private firstAt = 0;
  private lastAt = 0;
  delayMs = 1_000;
  constructor(
    private readonly forMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}
  allow(): boolean {
    const t = this.now();
    // a restart long after the previous one begins a new series
    if (this.firstAt === 0 || t - this.lastAt > 60_000) {
      this.firstAt = t;
      this.delayMs = 1_000;
    } else this.delayMs = Math.min(10_000, this.delayMs * 2);
    this.lastAt = t;
    return t - this.firstAt + this.delayMs <= this.forMs;
  }
}

/**
 * The keys of `KafkaSourceOptions`: from JavaScript, a misspelled one was ignored and its default used;
 * each is a `ConfigError`, with the key meant.
 */
const KAFKASOURCE_KEYS: readonly (keyof KafkaSourceOptions)[] = [
  'topics',
  'groupId',
  'fromBeginning',
  'maxInFlightBatches',
  'backpressure',
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'rebalanceTimeoutMs',
  'maxBytesPerPartition',
  'maxBytes',
  'maxWaitTimeInMs',
  'commitOffsets',
  'createTopics',
  'logger',
];

/**
 * A kafkajs consumer as an rxjs Observable of partition batches, with at-least-once commits:
 *
 * - offsets are never auto-committed; `commit(records)` commits, per partition, the offset after
 *   the last of `records`, and the caller calls it only after the events were applied and their
 *   outputs acknowledged (docs/conventions.md, delivery);
 * - backpressure: when `maxInFlightBatches` batches are emitted but not committed, the topics are
 *   paused (the consumer keeps heartbeating and stays in the group) and resumed when half are;
 * - rebalances: batches fetched in an earlier group generation are never committed (the new owner
 *   of their partition reads them again), so a revoked partition's offset cannot move backwards
 *   or past records the new owner has not seen.
 *
 * One subscription at a time; unsubscribing disconnects the consumer (`close()` awaits that).
 */
export class KafkaSource {
  readonly batches$: Observable<KafkaBatch>;
  /** Counters for logs and tests; `pausedMs`: time spent paused, waiting for commits. */
  readonly stats = {
    batches: 0,
    records: 0,
    commits: 0,
    pauses: 0,
    pausedMs: 0,
    rebalances: 0,
    /** Joins after this instance had left the group (a new member id). */
    lostAssignments: 0,
    staleCommitsSkipped: 0,
  };
  private readonly kafka: Kafka;
  private readonly options: KafkaSourceOptions;
  private readonly maxInFlight: number;
  private consumer: Consumer | null = null;
  private readonly partitions = new Map<string, PartitionState>();
  private inFlight = 0;
  private generation = 0;
  /** The group member id of the last join (null: not joined since subscribing). */
  private memberId: string | null = null;
  /** The member id `stillAssigned` last found missing from the group (logged once). */
  private notListed: string | null = null;
  /** `stillAssigned`'s admin client (connected on first use, disconnected by `close`). */
  private probe: Admin | null = null;
  private paused = false;
  private pausedAt = 0;
  /** `backpressure: 'wait'`: wakes the batch waiting for room. */
  private wakeRoom: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private nextRound: CommitRound | null = null;
  private committing = false;
  /** The consumer's start (connect, subscribe, join): `close()` waits for it. */
  private starting: Promise<void> = Promise.resolve();
  private assignmentHandler: AssignmentHandler | null = null;
  private groupLog: GroupLog | null = null;
  private detached = false;
  /** The current generation's assignment being handled (restore), awaited before its records. */
  private assigning: Promise<void> | null = null;
  /** Records behind the high watermark per partition ("topic:partition") at the last fetch. */
  readonly lag = new Map<string, number>();
  /** The partitions assigned in the current generation. */
  assignment: readonly PartitionRef[] = [];
  /** Whether the consumer is consuming (fetches complete), for readiness. */
  readonly health = new ConsumerHealth();

  /** Flow-control state, for logs and diagnostics. */
  get state(): { inFlight: number; paused: boolean; committing: boolean; generation: number } {
    return {
      inFlight: this.inFlight,
      paused: this.paused,
      committing: this.committing,
      generation: this.generation,
    };
  }

  constructor(kafka: Kafka, options: KafkaSourceOptions) {
    const kinds = [
      ['topics', 'strings'],
      ['groupId', 'string'],
    ] as const;
    const problems = optionProblems('KafkaSource', options, kinds, ['topics', 'groupId'], KAFKASOURCE_KEYS);
    if (problems.length > 0) throw new ConfigError(problems);
    if (options.topics.length === 0)
      throw new ConnectorError('L1S_KAFKA_SOURCE', 'a Kafka source needs at least one topic');
    this.kafka = kafka;
    this.options = options;
    this.maxInFlight = Math.max(1, options.maxInFlightBatches ?? kafkaDefaults.maxInFlightBatches);
    this.batches$ = new Observable<KafkaBatch>((subscriber) => {
      if (this.consumer) {
        subscriber.error(
          new ConnectorError('L1S_KAFKA_SOURCE', 'a KafkaSource supports one subscription at a time'),
        );
        return undefined;
      }
      const consumer = this.kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: options.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
        rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
        allowAutoTopicCreation: false,
        ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
        ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
        maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
      });
      this.consumer = consumer;
      this.memberId = null;
      this.health.watch(consumer);
      const groupLog = new GroupLog(options.logger, {
        groupId: options.groupId,
        sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
      });
      this.groupLog = groupLog;
      consumer.on(consumer.events.REBALANCING, () => groupLog.joining('rebalance'));
      this.closing = null;
      this.detached = false;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        if (this.consumer !== consumer) {
          // Closed already: kafkajs restarted it after a crash (its restart timer outlives a
          // disconnect), and it would hold its partitions without reading them. Leave again.
          void consumer.disconnect().catch(() => undefined);
          return;
        }
        // A new member id: this instance left the group since its last join (its session expired,
        // or kafkajs restarted the consumer), so the group went through generations without it
        // and its partitions may have been read and committed elsewhere (Kafka's "lost", not
        // "revoked"): none of them, even one assigned again, was held without a break.
        const memberId = e.payload.memberId;
        const lost = this.memberId !== null && memberId !== this.memberId;
        this.memberId = memberId;
        if (lost) {
          this.stats.lostAssignments++;
          options.logger?.warn(
            { groupId: options.groupId },
            'this instance was out of the consumer group since its last assignment (its session expired, or its consumer restarted): another member may have read its partitions meanwhile, so every model goes back to its last checkpoint and the records after it are read again',
          );
        }
        this.generation++;
        this.stats.rebalances++;
        // Whatever was fetched before this join belongs to an old generation: forget it.
        this.partitions.clear();
        this.inFlight = 0;
        if (this.paused) this.resume();
        const assignment: PartitionRef[] = [];
        for (const [topic, partitions] of Object.entries(e.payload.memberAssignment))
          for (const partition of partitions) assignment.push({ source: topic, partition });
        this.assignment = assignment;
        // a partition that stays keeps its lag; one gained has the broker's until its first batch
        const assigned = new Set(assignment.map((p) => `${p.source}:${p.partition}`));
        for (const key of [...this.lag.keys()]) if (!assigned.has(key)) this.lag.delete(key);
        void this.lagOfAssigned(consumer, this.generation, assignment);
        const handler = this.assignmentHandler;
        if (handler) {
          const handling = handler(assignment, { lost });
          this.assigning = handling;
          handling.catch((err: unknown) => subscriber.error(err));
        }
        groupLog.joined(e.payload.memberAssignment);
      });
      const restarts = new RestartBudget();
      consumer.on(consumer.events.CRASH, (e) => {
        const lostBroker = !e.payload.restart && brokerUnreachable(e.payload.error);
        if (lostBroker && !this.detached && restarts.allow()) {
          // kafkajs gives up on a group whose coordinator no broker answers for (it is down):
          // start the consumer again ourselves, as kafkajs does after its retriable crashes
          options.logger?.warn(
            { groupId: options.groupId, err: e.payload.error.message, retryInMs: restarts.delayMs },
            'the Kafka consumer lost its broker; starting it again: reading resumes from the last committed offsets once the broker answers',
          );
          setTimeout(() => {
            if (this.detached || this.consumer !== consumer) return;
            this.starting = retrying('starting the Kafka consumer again', run, {
              retriable: brokerUnreachable,
              ...(options.logger ? { logger: options.logger } : {}),
            }).catch(startFailed);
          }, restarts.delayMs);
        } else if (!e.payload.restart) {
          subscriber.error(
            new ConnectorError(
              'L1S_KAFKA_CONSUMER',
              `the Kafka consumer stopped: ${e.payload.error.message}`,
              { cause: e.payload.error },
            ),
          );
        } else {
          // kafkajs restarts the consumer (a broker outage, a lost group): say so in our own words
          options.logger?.warn(
            { groupId: options.groupId, err: e.payload.error.message },
            'the Kafka consumer lost its broker or group and restarts: reading resumes from the last committed offsets once the broker answers',
          );
        }
      });
      const run = async () => {
        if (options.createTopics) {
          const admin = this.kafka.admin();
          await admin.connect();
          try {
            await ensureTopics(
              admin,
              options.topics.map((topic) => ({ topic, ...options.createTopics! })),
            );
          } finally {
            await admin.disconnect();
          }
        }
        await consumer.connect();
        if (this.detached) return;
        await consumer.subscribe({
          topics: [...options.topics],
          fromBeginning: options.fromBeginning ?? true,
        });
        if (this.detached) return; // stopped while connecting: do not join the group
        groupLog.joining('start');
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: async (payload) => this.onBatch(payload, subscriber),
        });
      };
      const startFailed = (err: unknown) => {
        subscriber.error(
          new ConnectorError(
            'L1S_KAFKA_CONSUMER',
            `cannot start the Kafka consumer: ${(err as Error).message}`,
            { retriable: true, cause: err },
          ),
        );
      };
      this.starting = run().catch(startFailed);
      // Unsubscribing stops reading but keeps the consumer in its group: commits of what was
      // read (a last checkpoint) may still follow; `close()` leaves the group.
      return () => {
        this.detached = true;
        if (this.consumer !== consumer) return;
        try {
          consumer.pause(options.topics.map((topic) => ({ topic })));
        } catch {
          void this.close(); // not subscribed yet: nothing read, nothing to commit
        }
      };
    });
  }

  /**
   * Commits, per partition, the offset after the last of `records` (records of any batches this
   * source emitted, in order). Call it once the events are applied and the outputs acknowledged.
   * Records fetched before the latest rebalance are skipped (their partition is read again).
   */
  async commit(records: readonly RawRecord[]): Promise<void> {
    if (!this.consumer || records.length === 0) return;
    const generation = this.generation;
    let round = this.nextRound;
    // Only the last record of each run of one partition matters (records are in offset order per
    // partition): runs are found by comparing positions, so a batch of thousands of records costs
    // one map lookup and one BigInt, not one per record.
    const n = records.length;
    for (let i = 0; i < n; i++) {
      const { source: topic, partition } = records[i].position;
      if (i + 1 < n) {
        const next = records[i + 1].position;
        if (next.partition === partition && next.source === topic) continue;
      }
      if (partition === undefined) continue;
      const key = `${topic}:${partition}`;
      const offset = BigInt(records[i].position.offset);
      const state = this.partitions.get(key);
      if (state === undefined || state.generation !== generation || offset <= state.committed) {
        continue; // fetched before a rebalance, or already committed
      }
      state.committed = offset;
      if (!round || round.generation !== generation) round = this.newRound(generation);
      const seen = round.offsets.get(key);
      if (!seen || offset > seen.offset) round.offsets.set(key, { topic, partition, offset });
    }
    if (!round) {
      this.stats.staleCommitsSkipped++;
      return;
    }
    if (!this.committing) void this.drainCommits();
    return round.done;
  }

  private newRound(generation: number): CommitRound {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const round: CommitRound = { generation, offsets: new Map(), done, resolve, reject };
    this.nextRound = round;
    return round;
  }

  /**
   * Commits run one at a time; commits asked for meanwhile are merged into the next round (only
   * the highest offset per partition matters), so a slow commit does not queue up many more.
   */
  private async drainCommits(): Promise<void> {
    this.committing = true;
    try {
      while (this.nextRound) {
        const round = this.nextRound;
        this.nextRound = null;
        try {
          await this.commitRound(round);
          round.resolve();
        } catch (err) {
          round.reject(err);
        }
      }
    } finally {
      this.committing = false;
    }
  }

  private async commitRound(round: CommitRound): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || round.generation !== this.generation) {
      this.stats.staleCommitsSkipped++;
      return;
    }
    const toCommit = [...round.offsets];
    try {
      const offsets = toCommit.map(([, p]) => ({
        topic: p.topic,
        partition: p.partition,
        offset: (p.offset + 1n).toString(),
      }));
      if (this.options.commitOffsets) await this.options.commitOffsets(offsets);
      else
        await retrying('committing offsets', () => consumer.commitOffsets(offsets), {
          ...(this.options.logger ? { logger: this.options.logger } : {}),
          retriable: (err) => !isRebalanceError(err) && kafkaRetriable(err),
        });
    } catch (err) {
      if (isRebalanceError(err)) {
        this.options.logger?.warn(
          { err: (err as Error).message },
          'offset commit skipped: the group is rebalancing or the consumer restarting (records will be read again)',
        );
        this.stats.staleCommitsSkipped += toCommit.length;
        return;
      }
      throw new ConnectorError('L1S_KAFKA_COMMIT', `committing offsets failed: ${(err as Error).message}`, {
        retriable: true,
        cause: err,
      });
    }
    this.stats.commits++;
    if (this.generation !== round.generation) return;
    for (const [key, p] of toCommit) {
      const state = this.partitions.get(key);
      if (state) this.releaseUpTo(state, p.offset);
    }
    if (this.paused && this.inFlight <= this.maxInFlight >> 1) this.resume();
    if (this.wakeRoom !== null && this.inFlight < this.maxInFlight) this.wakeRoom();
  }

  /**
   * Whether the group's coordinator still lists this instance's member id (`EventSource`'s
   * `stillAssigned`): false once a member dropped from the group (its session expired while it
   * was stopped or starved) has not yet noticed. True before the first join, and when the
   * coordinator does not answer within `STILL_ASSIGNED_MS`.
   */
  async stillAssigned(): Promise<boolean> {
    const memberId = this.memberId;
    if (this.consumer === null || memberId === null) return true;
    let timer: NodeJS.Timeout | undefined;
    try {
      // an admin client of its own: on the consumer's connection the question would wait behind
      // the JoinGroup that a dropped member sends once it notices (held until the rebalance ends)
      this.probe ??= this.kafka.admin();
      const admin = this.probe;
      const described = (async () => {
        await admin.connect();
        const { groups } = await admin.describeGroups([this.options.groupId]);
        return groups.find((g) => g.groupId === this.options.groupId) ?? null;
      })();
      const group = await Promise.race([
        described,
        new Promise<null>((resolve) => (timer = setTimeout(resolve, STILL_ASSIGNED_MS, null))),
      ]);
      if (group === null || this.memberId !== memberId) return true;
      const listed = group.members.some((m) => m.memberId === memberId);
      if (!listed && this.notListed !== memberId) {
        this.notListed = memberId;
        this.options.logger?.warn(
          { groupId: this.options.groupId, groupState: group.state },
          'the consumer group no longer lists this instance (its session expired): its checkpoints are not written until it joins again, and then every model goes back to its last checkpoint',
        );
      }
      return listed;
    } catch {
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Registers what runs on every assignment (start and rebalances); records of the new
   * assignment are emitted only once it has resolved, and a rejection fails the stream.
   */
  onAssign(handler: AssignmentHandler): void {
    this.assignmentHandler = handler;
  }

  /**
   * The records' batches are done with but not committed (offsets are committed at checkpoints):
   * they no longer count against `maxInFlightBatches`.
   */
  release(records: readonly RawRecord[]): void {
    const n = records.length;
    for (let i = 0; i < n; i++) {
      const { source: topic, partition } = records[i].position;
      if (i + 1 < n) {
        const next = records[i + 1].position;
        if (next.partition === partition && next.source === topic) continue;
      }
      const state = this.partitions.get(`${topic}:${partition}`);
      if (state === undefined) continue;
      this.releaseUpTo(state, BigInt(records[i].position.offset));
    }
    if (this.paused && this.inFlight <= this.maxInFlight >> 1) this.resume();
    if (this.wakeRoom !== null && this.inFlight < this.maxInFlight) this.wakeRoom();
  }

  private releaseUpTo(state: PartitionState, offset: bigint): void {
    while (state.pending.length > 0 && state.pending[0] <= offset) {
      state.pending.shift();
      this.inFlight--;
    }
  }

  /**
   * The lag of the assigned partitions that have none yet (just gained), from the broker: the end
   * of each partition less the group's committed offset (none: the start, or the end without
   * `fromBeginning`). A partition whose records are all read gets no batch, so this is its only
   * lag. Failures are left to the next batch's lag.
   */
  private async lagOfAssigned(consumer: Consumer, generation: number, assignment: readonly PartitionRef[]) {
    const topics = [
      ...new Set(assignment.filter((p) => !this.lag.has(`${p.source}:${p.partition}`)).map((p) => p.source)),
    ];
    if (topics.length === 0) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const end of ends) {
          const key = `${topic}:${end.partition}`;
          if (this.consumer !== consumer || this.generation !== generation) return;
          if (
            this.lag.has(key) ||
            !assignment.some((p) => p.source === topic && p.partition === end.partition)
          )
            continue;
          const at = BigInt(done.find((d) => d.partition === end.partition)?.offset ?? '-1');
          const from =
            at >= 0n ? at : (this.options.fromBeginning ?? true) ? BigInt(end.low) : BigInt(end.high);
          this.lag.set(key, Math.max(0, Number(BigInt(end.high) - from)));
        }
      }
    } catch {
      // (the next batch of each partition sets its lag)
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Stops consuming and disconnects (idempotent). */
  close(): Promise<void> {
    if (!this.closing) {
      const consumer = this.consumer;
      const starting = this.starting;
      this.closing = (async () => {
        // A consumer still joining its group when disconnected goes on to join it afterwards (and
        // holds its partitions without reading them): let the start finish, then leave.
        await starting;
        this.groupLog?.stop();
        const probe = this.probe;
        this.probe = null;
        await probe?.disconnect().catch(() => undefined);
        if (consumer) await consumer.disconnect();
        if (this.consumer === consumer) this.consumer = null;
        this.partitions.clear();
        this.inFlight = 0;
        if (this.paused) this.stats.pausedMs += performance.now() - this.pausedAt;
        this.paused = false;
      })();
    }
    return this.closing;
  }

  private async onBatch(payload: EachBatchPayload, subscriber: Subscriber<KafkaBatch>): Promise<void> {
    const { messages, topic, partition } = payload.batch;
    const n = messages.length;
    if (n === 0 || this.detached || !payload.isRunning() || payload.isStale()) return;
    const lastOffset = messages[n - 1].offset;
    const key = `${topic}:${partition}`;
    const generation = this.generation;
    if (this.assigning !== null) {
      // The assignment's states are being restored: its records wait (heartbeating meanwhile).
      const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), 1000);
      try {
        await this.assigning;
      } catch {
        return; // the stream has failed with the handler's error (it stops the consumer)
      } finally {
        clearInterval(beat);
      }
      if (this.generation !== generation || !payload.isRunning() || payload.isStale()) return;
      this.assigning = null;
    }
    let state = this.partitions.get(key);
    if (!state || state.generation !== this.generation) {
      state = { pending: [], committed: -1n, generation: this.generation };
      this.partitions.set(key, state);
    }
    const highWatermark = payload.batch.highWatermark;
    this.lag.set(key, Math.max(0, Number(BigInt(highWatermark) - BigInt(lastOffset) - 1n)));
    state.pending.push(BigInt(lastOffset));
    this.inFlight++;
    this.stats.batches++;
    this.stats.records += n;
    payload.resolveOffset(lastOffset);
    const wait = this.options.backpressure === 'wait';
    if (this.inFlight >= this.maxInFlight && !this.paused && !wait) this.pause();
    // Emitted on the next turn of the event loop rather than here: kafkajs sends its next fetch
    // only once eachBatch returns, so processing the batch (synchronously, in the subscriber)
    // before returning would leave the broker idle meanwhile. This way the broker prepares the
    // next batch while this one is decoded and learned. Batches stay in order (setImmediate is
    // FIFO) and are bounded by `maxInFlightBatches`; one that a rebalance made stale is dropped
    // (it was never going to be committed, and its partition's new owner reads it again).
    const batch: KafkaBatch = new FetchedBatch(topic, partition, messages, lastOffset);
    setImmediate(() => {
      if (this.generation !== generation || this.consumer === null) return;
      try {
        subscriber.next(batch);
      } catch (err) {
        subscriber.error(err); // outside kafkajs' call now: nothing else would catch it
      }
    });
    if (wait && this.inFlight >= this.maxInFlight) await this.room(payload, generation);
    try {
      await payload.heartbeat();
    } catch (err) {
      if (!isRebalanceError(err)) throw err;
    }
  }

  /** `backpressure: 'wait'`: until fewer than `maxInFlightBatches` are in flight (or the batch is stale). */
  private async room(payload: EachBatchPayload, generation: number): Promise<void> {
    this.stats.pauses++;
    const t0 = performance.now();
    const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), 1000);
    try {
      while (
        this.inFlight >= this.maxInFlight &&
        this.generation === generation &&
        this.consumer !== null &&
        !this.detached &&
        payload.isRunning() &&
        !payload.isStale()
      ) {
        await new Promise<void>((wake) => {
          this.wakeRoom = wake;
          // rebalances and stops are not signalled here: look again every 100 ms
          setTimeout(wake, 100);
        });
        this.wakeRoom = null;
      }
    } finally {
      clearInterval(beat);
      this.stats.pausedMs += performance.now() - t0;
    }
  }

  private pause(): void {
    this.paused = true;
    this.pausedAt = performance.now();
    this.stats.pauses++;
    this.pauseOrResume('pause');
  }

  private resume(): void {
    if (this.detached) return;
    this.paused = false;
    this.stats.pausedMs += performance.now() - this.pausedAt;
    this.pauseOrResume('resume');
  }

  /**
   * While kafkajs restarts a crashed consumer (a broker outage), pause and resume throw "Consumer
   * group was not initialized": the restarted consumer rejoins its group (GROUP_JOIN resets the
   * flow control) and starts unpaused, so there is nothing to do then.
   */
  private pauseOrResume(what: 'pause' | 'resume'): void {
    try {
      this.consumer?.[what](this.options.topics.map((topic) => ({ topic })));
    } catch (err) {
      this.options.logger?.warn(
        { err: (err as Error).message },
        `could not ${what} the Kafka consumer (it is restarting)`,
      );
    }
  }
}

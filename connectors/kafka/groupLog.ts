import type { ConnectorLogger } from './deadLetters.js';

export interface GroupLogOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** Without partitions this long while joining, say why once (default a third of the session, at most 10 s). */
  readonly waitNoticeMs?: number;
}

/**
 * The consumer's group membership in the log, at info, once per event: a rebalance that begins,
 * what this instance was assigned after it (and, after a rebalance, which partitions it took over
 * from another member or handed to one), and a join that has waited `waitNoticeMs` without
 * partitions, with the usual reason. A member killed without leaving the group stays in it until
 * its session times out: a rebalance begun meanwhile (another instance joining, the killed one
 * started again) waits for it that long, and the members have no partitions meanwhile.
 */
export class GroupLog {
  private joiningSince: number | null = null;
  private notice: ReturnType<typeof setTimeout> | null = null;
  /** The last assignment, as `topic partition` pairs; null before the first. */
  private previous: Set<string> | null = null;

  constructor(
    private readonly logger: ConnectorLogger | undefined,
    private readonly options: GroupLogOptions,
  ) {}

  /** Joining the group: at start, or after kafkajs was told that the group rebalances. */
  joining(why: 'start' | 'rebalance'): void {
    if (this.joiningSince !== null) return;
    this.joiningSince = Date.now();
    const { groupId } = this.options;
    if (why === 'rebalance')
      this.logger?.info(
        { groupId },
        'the consumer group is rebalancing: rejoining it (no partitions until it completes)',
      );
    const waitMs =
      this.options.waitNoticeMs ?? Math.min(10_000, Math.round(this.options.sessionTimeoutMs / 3));
    this.notice = setTimeout(() => this.waiting(waitMs), waitMs);
    this.notice.unref?.();
  }

  /** Joined: what this instance was assigned (topic → partitions). */
  joined(assignment: Readonly<Record<string, readonly number[]>>): void {
    const waitedMs = this.joiningSince === null ? 0 : Date.now() - this.joiningSince;
    const noticed = this.joiningSince !== null && this.notice === null;
    this.stop();
    const count = Object.values(assignment).reduce((n, p) => n + p.length, 0);
    const now = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment))
      for (const p of partitions) now.add(`${topic}\u0000${p}`);
    const gained = this.previous === null ? [] : [...now].filter((tp) => !this.previous!.has(tp));
    const lost = this.previous === null ? [] : [...this.previous].filter((tp) => !now.has(tp));
    this.previous = now;
    const changes =
      (gained.length > 0 ? `; took over ${listed(gained)} (another member's before this rebalance)` : '') +
      (lost.length > 0 ? `; handed ${listed(lost)} to another member` : '');
    this.logger?.info(
      {
        groupId: this.options.groupId,
        assignment,
        partitions: count,
        waitedSeconds: Math.round(waitedMs / 100) / 10,
        ...(gained.length > 0 ? { tookOver: topicList(gained) } : {}),
        ...(lost.length > 0 ? { handedOver: topicList(lost) } : {}),
      },
      (count === 0
        ? 'joined consumer group: assigned no partitions (the group has more members than the input has partitions)'
        : `joined consumer group: assigned ${listed([...now])}`) +
        (noticed ? ` after ${Math.round(waitedMs / 1000)} s without partitions` : '') +
        changes,
    );
  }

  stop(): void {
    if (this.notice !== null) clearTimeout(this.notice);
    this.notice = null;
    this.joiningSince = null;
  }

  private waiting(waitMs: number): void {
    this.notice = null;
    const { groupId, sessionTimeoutMs } = this.options;
    this.logger?.info(
      { groupId, waitingSeconds: Math.round(waitMs / 1000), sessionTimeoutMs },
      `no partitions for ${Math.round(waitMs / 1000)} s, waiting for the group's rebalance: usually a member ` +
        `stopped without leaving the group (killed); the broker drops it and reassigns its partitions once its ` +
        `session times out (kafka.sessionTimeoutMs ${Math.round(sessionTimeoutMs / 1000)} s)`,
    );
  }
}

/** `topic partition` pairs (joined by NUL, which a topic name cannot hold) as topic → sorted partitions. */
function byTopic(pairs: readonly string[]): Map<string, number[]> {
  const topics = new Map<string, number[]>();
  for (const pair of pairs) {
    const cut = pair.lastIndexOf('\u0000');
    const topic = pair.slice(0, cut);
    const list = topics.get(topic) ?? [];
    list.push(Number(pair.slice(cut + 1)));
    topics.set(topic, list);
  }
  for (const list of topics.values()) list.sort((a, b) => a - b);
  return topics;
}

/** For the log's fields: a list, since a topic may be named `__proto__`. */
function topicList(pairs: readonly string[]): { topic: string; partitions: number[] }[] {
  return [...byTopic(pairs)].map(([topic, partitions]) => ({ topic, partitions }));
}

/** `events[0,2] clicks[1]`: pairs by topic, in the order topics first appear. */
function listed(pairs: readonly string[]): string {
  return [...byTopic(pairs)].map(([topic, partitions]) => `${topic}[${partitions.join(',')}]`).join(' ');
}

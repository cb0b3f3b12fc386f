import type { ConnectorLogger } from './deadLetters.js';

export interface GroupLogOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** Without partitions this long while joining, say why once (default a third of the session, at most 10 s). */
  readonly waitNoticeMs?: number;
}

/**
 * The consumer's group membership in the log, at info, once per event: a rebalance that begins,
 * what this instance was assigned after it, and a join that has waited `waitNoticeMs` without
 * partitions, with the usual reason. A member killed without leaving the group stays in it until
 * its session times out: a rebalance begun meanwhile (another instance joining, the killed one
 * started again) waits for it that long, and the members have no partitions meanwhile.
 */
export class GroupLog {
  private joiningSince: number | null = null;
  private notice: ReturnType<typeof setTimeout> | null = null;

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
    const parts = Object.entries(assignment)
      .filter(([, partitions]) => partitions.length > 0)
      .map(([topic, partitions]) => `${topic}[${[...partitions].sort((a, b) => a - b).join(',')}]`);
    const count = Object.values(assignment).reduce((n, p) => n + p.length, 0);
    this.logger?.info(
      {
        groupId: this.options.groupId,
        assignment,
        partitions: count,
        waitedSeconds: Math.round(waitedMs / 100) / 10,
      },
      (count === 0
        ? 'joined consumer group: assigned no partitions (the group has more members than the input has partitions)'
        : `joined consumer group: assigned ${parts.join(' ')}`) +
        (noticed ? ` after ${Math.round(waitedMs / 1000)} s without partitions` : ''),
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

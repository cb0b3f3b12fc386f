import type { Consumer } from 'kafkajs';

/** How long a consumer may go without a completed fetch before it counts as not consuming. */
export const defaultStaleFetchMs = 10_000;

/**
 * Whether a kafkajs consumer is consuming, from its instrumentation events, for `/readyz`.
 *
 * A consumer fetches all the time (an idle or paused one too: every `maxWaitTimeInMs`), so a fetch
 * that completed recently is the sign it has a working connection. Measured on Apache Kafka 4.4.0
 * with the broker stopped: during a 10 s outage kafkajs emits no event at all (no CRASH,
 * DISCONNECT or REQUEST_TIMEOUT: connections are refused, not timed out), only its fetches stop;
 * during a 60 s one it emits CRASH (restart: true), STOP and DISCONNECT after ~73 s, when its
 * retries are spent. So: not consuming from a CRASH, STOP or DISCONNECT, or when no fetch
 * completed for `staleFetchMs`; consuming again at the next completed fetch.
 */
export class ConsumerHealth {
  private lastFetchAt: number | null = null;
  private lost: string | null = null;
  private since: number;

  constructor(
    private readonly staleFetchMs = defaultStaleFetchMs,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
  }

  /** Follows `consumer`'s events (one consumer at a time). */
  watch(consumer: Consumer): void {
    const e = consumer.events;
    consumer.on(e.FETCH, () => this.fetched());
    consumer.on(e.CRASH, (event) => this.lose(`the consumer crashed (${event.payload.error.message})`));
    consumer.on(e.STOP, () => this.lose('the consumer stopped'));
    consumer.on(e.DISCONNECT, () => this.lose('the consumer is disconnected'));
  }

  fetched(): void {
    this.lastFetchAt = this.now();
    this.lost = null;
  }

  lose(reason: string): void {
    if (this.lost === null) this.since = this.now();
    this.lost = reason;
  }

  /** Null while consuming; otherwise why not, in one line. */
  notConsuming(): string | null {
    const now = this.now();
    if (this.lost !== null)
      return `${this.lost}; no fetch for ${seconds(now - (this.lastFetchAt ?? this.since))}`;
    if (this.lastFetchAt === null) return null; // not fetching yet: the engine's own readiness says why
    const quiet = now - this.lastFetchAt;
    return quiet > this.staleFetchMs
      ? `no fetch from the broker completed for ${seconds(quiet)} (broker unreachable, or the group rebalancing)`
      : null;
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

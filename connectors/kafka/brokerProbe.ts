import { connect } from 'node:net';

/** What `probeBrokers` found: whether any broker took a TCP connection, and why each other did not. */
export interface BrokerProbe {
  readonly reachable: boolean;
  /** `host:port: why`, one per broker that did not take the connection. */
  readonly failures: readonly string[];
}

/**
 * Opens a TCP connection to each of `brokers` (`host:port`) at once and closes it: answers as soon as
 * one is taken, else once every one has failed or `timeoutMs` passed. Only a first look, to say at
 * once that no broker answers: kafkajs connects (and retries) on its own.
 */
export function probeBrokers(brokers: readonly string[], timeoutMs = 3_000): Promise<BrokerProbe> {
  return new Promise((done) => {
    const failures: string[] = [];
    let open = brokers.length;
    let settled = false;
    const sockets = brokers.map((broker) => {
      const cut = broker.lastIndexOf(':');
      const host = broker.slice(0, cut).replace(/^\[(.*)\]$/, '$1');
      const port = Number(broker.slice(cut + 1));
      const socket = connect({ host, port, timeout: timeoutMs });
      const failed = (why: string) => {
        if (settled) return;
        failures.push(`${broker}: ${why}`);
        socket.destroy();
        if (--open === 0) finish(false);
      };
      socket.once('connect', () => finish(true));
      socket.once('timeout', () => failed(`no answer in ${Math.round(timeoutMs / 100) / 10} s`));
      socket.once('error', (err: NodeJS.ErrnoException) => failed(err.code ?? err.message));
      return socket;
    });
    const finish = (reachable: boolean) => {
      if (settled) return;
      settled = true;
      for (const s of sockets) s.destroy();
      done({ reachable, failures });
    };
    if (open === 0) finish(false);
  });
}

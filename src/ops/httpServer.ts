import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError, ConnectorError } from '../core/errors.js';

/** What `/metrics` serves (an `EngineMetrics`, or a prom-client registry). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface OpsServerOptions {
  /** TCP port (0: an ephemeral one, which `listen()` returns). */
  readonly port: number;
  /** Interface to listen on (default 0.0.0.0). */
  readonly host?: string;
  readonly metrics: MetricsSource;
  /** Null when ready to process; otherwise why not, in one line (`/readyz` answers 503 with it). */
  readonly readiness: () => string | null;
}

/**
 * The service's HTTP endpoints, on node:http:
 *
 * - `GET /metrics`: Prometheus text exposition;
 * - `GET /healthz`: 200 while the pipeline runs, 503 once `fail` was called;
 * - `GET /readyz`: 200 when `readiness()` says so, else 503 with the reason (and 503 while
 *   stopping or after a failure);
 * - anything else: 404.
 */
export class OpsServer {
  private readonly server: Server;
  private readonly options: OpsServerOptions;
  private failure: string | null = null;
  private stopping = false;
  private port: number | null = null;

  constructor(options: OpsServerOptions) {
    // from plain JavaScript: a misspelled `port` listened on an ephemeral one, a misspelled `host`
    // on every interface (0.0.0.0), without a word
    const problems = optionKeyProblems('OpsServer', options, ['port', 'host', 'metrics', 'readiness']);
    if (problems.length === 0) {
      const { port, host, readiness } = options as { port: unknown; host?: unknown; readiness: unknown };
      if (!(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535))
        problems.push({
          path: 'OpsServer: port',
          message: `must be a TCP port, a whole number in 0..65535 (0: an ephemeral one), got ${shownValue(port)}`,
        });
      if (host !== undefined && typeof host !== 'string')
        problems.push({ path: 'OpsServer: host', message: `must be a string, got ${shownValue(host)}` });
      if (typeof readiness !== 'function')
        problems.push({
          path: 'OpsServer: readiness',
          message: `must be a function returning null (ready) or why not, got ${shownValue(readiness)}`,
        });
      if (typeof options.metrics !== 'object' || options.metrics === null)
        problems.push({
          path: 'OpsServer: metrics',
          message: 'is required: an EngineMetrics (or a MetricsSource)',
        });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    this.options = options;
    // node:http on first use: the public API (src/index.ts) does not load it
    const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) reply(res, 500, `metrics failed: ${(err as Error).message}\n`);
        else res.destroy();
      });
    });
  }

  /** Starts listening; resolves with the port (the actual one when `port` is 0). */
  listen(): Promise<number> {
    const { port, host = '0.0.0.0' } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        // the host itself: not a name that resolves, or not an address of this machine
        const hostProblem =
          err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EADDRNOTAVAIL';
        const why =
          err.code === 'EADDRINUSE'
            ? 'is already in use on'
            : err.code === 'EACCES'
              ? 'needs privileges to listen on'
              : `cannot be listened on (${err.code ?? err.message}) at`;
        const fix = hostProblem
          ? `http.host "${host}" is not an address of this machine (or not a name that resolves): set http.host to one, such as 127.0.0.1 or 0.0.0.0 (every interface)`
          : 'set another http.port in the configuration, or stop what holds it';
        reject(new ConnectorError('L1S_HTTP', `http.port ${port} ${why} ${host}: ${fix}`, { cause: err }));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** `http://host:port` once listening (a wildcard host shown as 127.0.0.1). */
  get url(): string {
    const host = this.options.host ?? '0.0.0.0';
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${this.port ?? this.options.port}`;
  }

  /** The pipeline failed: `/healthz` and `/readyz` answer 503 with `reason` from now on. */
  fail(reason: string): void {
    this.failure = reason.split('\n')[0];
  }

  /** Stops listening and closes open connections (idempotent). */
  close(): Promise<void> {
    this.stopping = true;
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * Why the service is not ready, or null when it is: what `/readyz` answers (503 with this reason,
   * or 200), and what the `l1stream_ready` gauge of a run reads (`EngineMetricsOptions.ready`).
   */
  notReady(): string | null {
    if (this.failure !== null) return `failed: ${this.failure}`;
    if (this.stopping) return 'stopping';
    return this.options.readiness();
  }

  /** Marks the service as stopping: `/readyz` answers 503 (health is unchanged). */
  drain(): void {
    this.stopping = true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/healthz' && path !== '/readyz') {
      reply(res, 404, 'not found: try /metrics, /healthz or /readyz\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      reply(res, 405, 'method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const text = await this.options.metrics.metrics();
      reply(res, 200, text, this.options.metrics.contentType);
    } else if (path === '/healthz') {
      if (this.failure !== null) reply(res, 503, `failed: ${this.failure}\n`);
      else reply(res, 200, 'ok\n');
    } else {
      const reason = this.notReady();
      if (reason === null) reply(res, 200, 'ready\n');
      else reply(res, 503, `not ready: ${reason.split('\n')[0]}\n`);
    }
  }
}

function reply(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

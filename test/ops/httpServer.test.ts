import { createServer } from 'node:net';

import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

import { EngineError } from '../../src/core/errors.js';
import { Engine } from '../../src/engine/engine.js';
import type { EventSource, PartitionRef } from '../../src/engine/ports.js';
import { OpsServer } from '../../src/ops/httpServer.js';
import { EngineMetrics } from '../../src/ops/metrics.js';
import type { RawBatch } from '../../src/stream/types.js';
import { engineConfig } from '../engine/helpers.js';
import { MemorySink } from '../engine/memoryPorts.js';
import { parseExposition, valueOf } from './promText.js';

const servers: OpsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** An engine with its metrics and endpoints, readiness as `run` wires it. */
async function serveEngine(source: EventSource) {
  const metrics = new EngineMetrics({ processMetrics: false });
  const engine = new Engine(
    engineConfig({ refit: { threads: 0 } }),
    { source, sink: new MemorySink() },
    { observer: metrics },
  );
  metrics.bind(engine);
  const server = new OpsServer({
    port: 0,
    host: '127.0.0.1',
    metrics,
    readiness: () => (engine.ready ? null : 'waiting for the first partition assignment'),
  });
  servers.push(server);
  const port = await server.listen();
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };
  return { engine, server, port, get, metrics };
}

const event = (i: number) => ({
  records: [
    { value: JSON.stringify({ label: i, features: { x: i } }), position: { source: 't', offset: String(i) } },
  ],
});

describe('OpsServer', () => {
  it('is ready at once for a source without partition assignments; healthz, 404, 405', async () => {
    const input = new Subject<RawBatch>();
    const { engine, server, port, get } = await serveEngine({ batches$: input });
    expect(port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ready\n' });
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/')).status).toBe(404);
    expect((await get('/metrics?x=1')).status).toBe(200);
    const post = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const run = engine.run();
    input.next(event(1));
    input.complete();
    await run;
    expect((await get('/readyz')).status).toBe(200);
  });

  it('readyz answers 503 with a reason until the first assignment is restored, then 200', async () => {
    const input = new Subject<RawBatch>();
    const hook: { assign?: (a: readonly PartitionRef[]) => Promise<void> } = {};
    const source: EventSource = {
      batches$: input,
      onAssign: (handler) => {
        hook.assign = handler;
      },
    };
    const { engine, get, metrics } = await serveEngine(source);
    const before = await get('/readyz');
    expect(before.status).toBe(503);
    expect(before.body).toBe('not ready: waiting for the first partition assignment\n');
    expect(before.body.trim().split('\n')).toHaveLength(1);
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    let samples = parseExposition(await metrics.metrics());
    expect(valueOf(samples, 'l1stream_ready')).toBe(0);

    const run = engine.run(); // subscribes: the engine registers its assignment handler
    expect(hook.assign).toBeDefined();
    expect((await get('/readyz')).status).toBe(503);
    await hook.assign!([{ source: 'events', partition: 0 }]);
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ready\n' });
    samples = parseExposition(await metrics.metrics());
    expect(valueOf(samples, 'l1stream_ready')).toBe(1);
    expect(valueOf(samples, 'l1stream_state_restore_duration_seconds_count')).toBe(1);
    expect(valueOf(samples, 'l1stream_state_restored_models_total')).toBe(0);
    input.next(event(1));
    input.complete();
    await run;
  });

  it('answers 503 on healthz and readyz once the pipeline failed, and readyz 503 while stopping', async () => {
    const { server, get } = await serveEngine({ batches$: new Subject<RawBatch>() });
    server.drain();
    expect(await get('/readyz')).toEqual({ status: 503, body: 'not ready: stopping\n' });
    expect((await get('/healthz')).status).toBe(200);
    server.fail('the Kafka consumer stopped: boom\nstack...');
    expect(await get('/healthz')).toEqual({
      status: 503,
      body: 'failed: the Kafka consumer stopped: boom\n',
    });
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: 'not ready: failed: the Kafka consumer stopped: boom\n',
    });
  });

  it('a port in use is one clear line naming the port and http.port', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as { port: number }).port;
    try {
      const server = new OpsServer({
        port: taken,
        host: '127.0.0.1',
        metrics: new EngineMetrics({ processMetrics: false }),
        readiness: () => null,
      });
      servers.push(server);
      const err = await server.listen().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EngineError);
      const message = (err as Error).message;
      expect(message).toBe(
        `http.port ${taken} is already in use on 127.0.0.1: set another http.port in the configuration, or stop what holds it`,
      );
      await server.close(); // closing a server that never listened is fine
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('a host that is no address of this machine names http.host, not the port', async () => {
    // 192.0.2.1: TEST-NET-1, an address no machine has
    const server = new OpsServer({
      port: 0,
      host: '192.0.2.1',
      metrics: new EngineMetrics({ processMetrics: false }),
      readiness: () => null,
    });
    servers.push(server);
    const err = await server.listen().then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe(
      'http.port 0 cannot be listened on (EADDRNOTAVAIL) at 192.0.2.1: http.host "192.0.2.1" is not an address of this machine (or not a name that resolves): set http.host to one, such as 127.0.0.1 or 0.0.0.0 (every interface)',
    );
    await server.close();
  });

  it('close() stops listening', async () => {
    const { server, port } = await serveEngine({ batches$: new Subject<RawBatch>() });
    await server.close();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

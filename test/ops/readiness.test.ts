import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

import { ConsumerHealth } from '../../connectors/kafka/consumerHealth.js';
import { startOps, type Ops } from '../../src/cli/run.js';
import { Engine } from '../../src/engine/engine.js';
import { pipelineNotReady } from '../../src/ops/readiness.js';
import type { RawBatch } from '../../src/stream/types.js';
import { engineConfig } from '../engine/helpers.js';
import { MemorySink } from '../engine/memoryPorts.js';
import { parseExposition, valueOf } from './promText.js';

const started: Ops[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((o) => o.server.close()));
});

describe('pipelineNotReady', () => {
  it('names the first thing missing: the engine, its first assignment, then a consuming consumer', () => {
    expect(pipelineNotReady(null)).toBe('the engine is starting');
    expect(pipelineNotReady({ ready: false })).toMatch(/^waiting for the first partition assignment/);
    expect(pipelineNotReady({ ready: true })).toBeNull();
    expect(pipelineNotReady({ ready: true }, { notConsuming: () => 'no fetch' })).toBe('no fetch');
  });
});

describe("a run's /readyz and l1stream_ready gauge read one predicate", () => {
  it('both say not ready while the Kafka consumer has not fetched for over 10 s or is disconnected', async () => {
    let now = 1_000_000;
    const health = new ConsumerHealth(10_000, () => now);
    const config = engineConfig({ http: { port: 0, host: '127.0.0.1' } });
    const ops = (await startOps(config, { info: () => undefined }, () => ({ lag: new Map(), health })))!;
    started.push(ops);
    const state = async () => {
      const res = await fetch(`${ops.server.url}/readyz`);
      const gauge = valueOf(parseExposition(await ops.metrics.metrics()), 'l1stream_ready');
      return { status: res.status, body: (await res.text()).trim(), gauge };
    };
    expect(await state()).toEqual({ status: 503, body: 'not ready: the engine is starting', gauge: 0 });
    ops.bind(new Engine(config, { source: { batches$: new Subject<RawBatch>() }, sink: new MemorySink() }));
    health.fetched();
    expect(await state()).toEqual({ status: 200, body: 'ready', gauge: 1 });
    // the broker is away: fetches stop
    now += 12_000;
    expect(await state()).toEqual({
      status: 503,
      body: 'not ready: no fetch from the broker completed for 12 s (broker unreachable, or the group rebalancing)',
      gauge: 0,
    });
    health.fetched();
    expect(await state()).toMatchObject({ status: 200, gauge: 1 });
    health.lose('the consumer is disconnected');
    expect(await state()).toMatchObject({ status: 503, gauge: 0 });
    health.fetched();
    expect(await state()).toMatchObject({ status: 200, gauge: 1 });
    ops.server.drain();
    expect(await state()).toEqual({ status: 503, body: 'not ready: stopping', gauge: 0 });
  });
});

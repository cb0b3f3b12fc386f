import { from, Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Engine, type EngineStats } from '../../src/engine/engine.js';
import { MemoryStateStore, type EventSource, type PartitionRef } from '../../src/engine/ports.js';
import { OpsServer } from '../../src/ops/httpServer.js';
import { EngineMetrics } from '../../src/ops/metrics.js';
import type { RawBatch } from '../../src/stream/types.js';
import { engineConfig } from '../engine/helpers.js';
import { MemorySink } from '../engine/memoryPorts.js';
import { parseExposition, valueOf, type Sample } from './promText.js';

/** Memory state that counts as durable, so the engine checkpoints. */
class DurableMemoryStore extends MemoryStateStore {
  readonly durable = true;
}

/** Keyed binomial events (`segments` keys), some unlabelled, with bad lines of several kinds. */
function lines(n: number, segments: number, seed: number): string[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const bad = [
    'this is not json',
    JSON.stringify({ label: 1 }),
    JSON.stringify({ label: 2, features: { segment: 's1', x0: 1 } }),
    JSON.stringify({ label: 1, features: { x0: 1 } }),
    JSON.stringify({ label: 'yes', features: { segment: 's2', x0: 1 } }),
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 97 === 5) out.push(bad[((i / 97) % bad.length) | 0]);
    const k = Math.floor(u() * segments);
    const features: Record<string, number | string> = { segment: `s${k}` };
    for (let j = 0; j < 4; j++) features[`x${j}`] = Math.round((u() * 2 - 1) * 100) / 100;
    const eta = 1.5 * Number(features[`x${k % 4}`]) - 0.2;
    const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push(JSON.stringify(i % 11 === 0 ? { features } : { label, features }));
  }
  return out;
}

function batchesOf(all: readonly string[], size: number): RawBatch[] {
  const out: RawBatch[] = [];
  for (let i = 0; i < all.length; i += size)
    out.push({
      records: all.slice(i, i + size).map((value, k) => ({
        value,
        position: { source: 'memory', partition: 0, offset: String(i + k + 1) },
      })),
    });
  return out;
}

const config = engineConfig({
  model: { family: 'binomial', keyBy: 'segment', maxLiveModels: 8, lambda: 0.01 },
  refit: { threads: 0, everyEvents: 40, window: 30 },
  snapshots: { everyEvents: 100, everySeconds: 'Infinity' },
  state: { everyEvents: 300, everySeconds: 'Infinity' },
});

const servers: OpsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(metrics: EngineMetrics, readiness: () => string | null = () => null) {
  const server = new OpsServer({ port: 0, host: '127.0.0.1', metrics, readiness });
  servers.push(server);
  const port = await server.listen();
  return { server, base: `http://127.0.0.1:${port}` };
}

async function scrape(base: string): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

/** Waits until the engine has taken in `records` and nothing changes for a while. */
async function settle(engine: Engine, records: number): Promise<void> {
  let last = '';
  for (let i = 0; i < 400; i++) {
    const s = engine.stats();
    const now = JSON.stringify({ ...s, seconds: 0, rejectedByReason: [...s.rejectedByReason] });
    if (s.records === records && now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the engine did not settle');
}

/** Every counter of `engine.stats()` equals its metric in `samples`. */
function expectAgrees(samples: readonly Sample[], s: EngineStats, engine: Engine): void {
  const v = (name: string, labels?: Record<string, string>) => valueOf(samples, name, labels);
  expect(v('l1stream_records_read_total')).toBe(s.records);
  expect(v('l1stream_events_learned_total')).toBe(s.learned);
  expect(v('l1stream_events_scored_total')).toBe(s.scored);
  const reasons = samples.filter((x) => x.name === 'l1stream_events_rejected_total');
  expect(reasons.reduce((a, x) => a + x.value, 0)).toBe(s.rejected);
  expect(new Map(reasons.map((x) => [x.labels.get('reason'), x.value]))).toEqual(s.rejectedByReason);
  expect(v('l1stream_events_skipped_covered_total')).toBe(s.skippedCovered);
  expect(v('l1stream_records_not_learned_revoked_total')).toBe(s.notLearnedRevoked);
  expect(v('l1stream_snapshots_published_total')).toBe(s.snapshots);
  expect(v('l1stream_scores_published_total')).toBe(s.scores);
  expect(v('l1stream_alerts_published_total')).toBe(s.alerts);
  expect(v('l1stream_models_live')).toBe(s.liveModels);
  expect(v('l1stream_model_keys')).toBe(s.keys);
  expect(v('l1stream_models_evicted_total')).toBe(s.evictions);
  expect(v('l1stream_models_created_total')).toBe(engine.registry.stats.created);
  expect(v('l1stream_models_restored_total')).toBe(engine.registry.stats.restored);
  expect(v('l1stream_refits_started_total')).toBe(s.refits.started);
  expect(v('l1stream_refits_completed_total')).toBe(s.refits.completed);
  expect(v('l1stream_refits_queued_total')).toBe(s.refits.queued);
  expect(v('l1stream_refits_skipped_total')).toBe(s.refits.skipped);
  expect(v('l1stream_refits_failed_total')).toBe(s.refits.failed);
  expect(v('l1stream_refits_dropped_total')).toBe(s.refits.dropped);
  expect(v('l1stream_refits_abandoned_total')).toBe(s.refits.abandoned);
  expect(v('l1stream_refit_duration_seconds_count')).toBe(s.refits.completed);
  expect(v('l1stream_checkpoints_total')).toBe(s.checkpoints.checkpoints);
  expect(v('l1stream_checkpoint_models_total')).toBe(s.checkpoints.models);
  expect(v('l1stream_checkpoint_bytes_total')).toBe(s.checkpoints.bytes);
  expect(v('l1stream_checkpoint_duration_seconds_count')).toBe(s.checkpoints.checkpoints);
  expect(v('l1stream_progressive_loss', { loss: 'log_loss' })).toBe(engine.metrics.progressiveLoss);
  // non-zero coefficients as the models' snapshots name them
  let nonZero = 0;
  for (const live of engine.registry.liveModels())
    nonZero += Object.keys(live.model.view().coefficients).length;
  expect(v('l1stream_nonzero_coefficients')).toBe(nonZero);
}

describe('EngineMetrics over a running engine', () => {
  it('serves valid Prometheus text that agrees with engine.stats() during and after the run', async () => {
    const input = new Subject<RawBatch>();
    const source: EventSource = { batches$: input };
    const metrics = new EngineMetrics();
    const engine = new Engine(
      config,
      { source, sink: new MemorySink(), store: new DurableMemoryStore() },
      { observer: metrics },
    );
    metrics.bind(engine);
    const { base } = await serve(metrics);

    // before anything was read: zeros, no loss yet
    const empty = await scrape(base);
    expect(valueOf(empty, 'l1stream_records_read_total')).toBe(0);
    expect(empty.some((x) => x.name === 'l1stream_progressive_loss')).toBe(false);
    expect(empty.some((x) => x.name === 'l1stream_events_rejected_total')).toBe(false);
    expect(valueOf(empty, 'l1stream_ready')).toBe(1);

    const all = batchesOf(lines(3000, 30, 7), 200);
    const done = engine.run();
    let read = 0;
    for (const b of all.slice(0, 8)) {
      input.next(b);
      read += b.records.length;
    }
    await settle(engine, read);
    const during = await scrape(base);
    const statsDuring = engine.stats();
    expect(statsDuring.learned).toBeGreaterThan(0);
    expect(statsDuring.learned).toBeLessThan(3000);
    expectAgrees(during, statsDuring, engine);

    for (const b of all.slice(8)) {
      input.next(b);
      read += b.records.length;
    }
    input.complete();
    const final = await done;
    const after = await scrape(base);
    expectAgrees(after, engine.stats(), engine);
    // the run did what the metrics are about
    expect(final.rejectedByReason.size).toBeGreaterThanOrEqual(4);
    expect(final.evictions).toBeGreaterThan(0);
    expect(final.refits.completed).toBeGreaterThan(5);
    expect(final.checkpoints.checkpoints).toBeGreaterThan(3);
    expect(final.scored).toBeGreaterThan(0);
    expect(valueOf(after, 'l1stream_nonzero_coefficients')).toBeGreaterThan(0);
    // process metrics are there too, in the same registry
    expect(after.some((x) => x.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts the events a resumed run skipped and the records a revoked partition left unlearned', async () => {
    // (zero in the run above, where the metrics could not tell these counters from a constant 0)
    const store = new DurableMemoryStore();
    const all = batchesOf(lines(600, 5, 3), 100);
    await new Engine(config, { source: { batches$: from(all) }, sink: new MemorySink(), store }).run();
    const resumedMetrics = new EngineMetrics({ processMetrics: false });
    const again = new Engine(
      config,
      { source: { batches$: from(all) }, sink: new MemorySink(), store },
      { observer: resumedMetrics },
    );
    resumedMetrics.bind(again);
    const resumed = await again.run();
    expect(resumed.skippedCovered).toBeGreaterThan(500);
    const afterResume = parseExposition(await resumedMetrics.metrics());
    expect(valueOf(afterResume, 'l1stream_events_skipped_covered_total')).toBe(resumed.skippedCovered);
    expect(valueOf(afterResume, 'l1stream_records_not_learned_revoked_total')).toBe(0);

    // a batch read before an assignment that took its partition away (held until then by `prepare`)
    const input = new Subject<RawBatch>();
    let assign: ((a: readonly PartitionRef[]) => Promise<void>) | null = null;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const source: EventSource = {
      batches$: input,
      onAssign: (handler) => {
        assign = handler;
      },
      prepare: () => held,
    };
    const metrics = new EngineMetrics({ processMetrics: false });
    const engine = new Engine(config, { source, sink: new MemorySink() }, { observer: metrics });
    metrics.bind(engine);
    const run = engine.run();
    await assign!([{ source: 'memory', partition: 0 }]);
    input.next(all[0]!);
    await assign!([{ source: 'memory', partition: 1 }]);
    release();
    input.complete();
    const stats = await run;
    expect(stats.notLearnedRevoked).toBe(all[0]!.records.length);
    const afterRevoke = parseExposition(await metrics.metrics());
    expect(valueOf(afterRevoke, 'l1stream_records_not_learned_revoked_total')).toBe(stats.notLearnedRevoked);
    expect(valueOf(afterRevoke, 'l1stream_events_skipped_covered_total')).toBe(0);
  });

  it('caps the reason label: the first reasons seen keep theirs, the rest count as "other"', async () => {
    const metrics = new EngineMetrics({ maxReasons: 2, processMetrics: false });
    const source: EventSource = { batches$: from(batchesOf(lines(1500, 5, 3), 100)) };
    const engine = new Engine(config, { source, sink: new MemorySink() }, { observer: metrics });
    metrics.bind(engine);
    const stats = await engine.run();
    const samples = parseExposition(await metrics.metrics());
    const reasons = samples.filter((x) => x.name === 'l1stream_events_rejected_total');
    const first = [...stats.rejectedByReason.keys()].slice(0, 2);
    expect(stats.rejectedByReason.size).toBeGreaterThan(3);
    expect(reasons.map((x) => x.labels.get('reason'))).toEqual([...first, 'other']);
    expect(reasons.reduce((a, x) => a + x.value, 0)).toBe(stats.rejected);
    const rest = [...stats.rejectedByReason.values()].slice(2).reduce((a, b) => a + b, 0);
    expect(valueOf(samples, 'l1stream_events_rejected_total', { reason: 'other' })).toBe(rest);
  });

  it('a reason with a guess is one series whatever the guess (a misspelt key field: one series per guess, then "other")', async () => {
    const metrics = new EngineMetrics({ processMetrics: false });
    // every other event has its key field misspelt differently: segment0, segment1, ...
    const all = Array.from({ length: 240 }, (_, i) =>
      JSON.stringify({
        label: i % 2,
        features: { x: i % 7, ...(i % 2 === 0 ? { segment: 's1' } : { [`segment${i}`]: 's' }) },
      }),
    );
    const source: EventSource = { batches$: from(batchesOf(all, 40)) };
    const engine = new Engine(config, { source, sink: new MemorySink() }, { observer: metrics });
    metrics.bind(engine);
    const stats = await engine.run();
    expect(stats.rejected).toBe(120);
    const reasons = parseExposition(await metrics.metrics()).filter(
      (x) => x.name === 'l1stream_events_rejected_total',
    );
    expect(reasons.map((x) => [x.labels.get('reason'), x.value])).toEqual([
      ['feature "segment" (model.keyBy) is missing', 120],
    ]);
  });

  it('reports consumer lag per topic and partition from the provider, at each scrape', async () => {
    const lag = new Map<string, number>([
      ['events:0', 12],
      ['events:1', 0],
    ]);
    const metrics = new EngineMetrics({ lag: () => lag, processMetrics: false });
    let samples = parseExposition(await metrics.metrics());
    expect(valueOf(samples, 'l1stream_consumer_lag', { topic: 'events', partition: '0' })).toBe(12);
    expect(valueOf(samples, 'l1stream_consumer_lag', { topic: 'events', partition: '1' })).toBe(0);
    lag.delete('events:1');
    lag.set('clicks.v2:3', 7);
    samples = parseExposition(await metrics.metrics());
    expect(samples.filter((x) => x.name === 'l1stream_consumer_lag')).toHaveLength(2);
    expect(valueOf(samples, 'l1stream_consumer_lag', { topic: 'clicks.v2', partition: '3' })).toBe(7);
    // without an engine bound: counters at zero, nothing else invented
    expect(valueOf(samples, 'l1stream_events_learned_total')).toBe(0);
    expect(valueOf(samples, 'l1stream_ready')).toBe(0);
  });

  it('exports each refit count of engine.stats() under its own name, abandoned ones included', async () => {
    const metrics = new EngineMetrics({ processMetrics: false });
    const engine = new Engine(config, { source: { batches$: from([]) }, sink: new MemorySink() });
    metrics.bind(engine);
    // distinct counts, as after a stop that left refits running (the engine's own are all zero here)
    const refits = {
      started: 9,
      completed: 8,
      queued: 4,
      skipped: 5,
      failed: 1,
      totalMs: 0,
      dropped: 3,
      abandoned: 6,
      noEstimate: 7,
    };
    const stats = engine.stats();
    vi.spyOn(engine, 'stats').mockReturnValue({ ...stats, refits });
    const samples = parseExposition(await metrics.metrics());
    for (const [name, n] of Object.entries(refits))
      if (name !== 'totalMs') {
        const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        expect(valueOf(samples, `l1stream_refits_${snake}_total`), name).toBe(n);
      }
  });

  it('uses its own registry, never the global one', async () => {
    const { register } = await import('prom-client');
    const before = register.getMetricsAsArray().length;
    const a = new EngineMetrics({ processMetrics: false });
    const b = new EngineMetrics({ processMetrics: false });
    expect(register.getMetricsAsArray().length).toBe(before);
    expect(a.registry).not.toBe(b.registry);
  });
});

describe('the exposition checker', () => {
  it('accepts escapes, special values and comments; rejects what Prometheus would not parse', () => {
    const ok = [
      '# HELP a_total Some help with a \\\\ backslash and \\n newline.',
      '# TYPE a_total counter',
      'a_total{reason="say \\"hi\\"\\n\\\\"} 1',
      'a_total{reason="x",} 2 1700000000000',
      '# a comment',
      '',
      '# TYPE g gauge',
      'g NaN',
      'g{k="v"} -Inf',
      'g{k="w"} 1.5e-3',
      '',
    ].join('\n');
    const samples = parseExposition(ok);
    expect(samples[0].labels.get('reason')).toBe('say "hi"\n\\');
    expect(Number.isNaN(samples[2].value)).toBe(true);
    expect(samples[3].value).toBe(-Infinity);
    const bad = [
      'g 1\n', // no TYPE
      '# TYPE g gauge\ng 1.2.3\n', // not a float
      '# TYPE g gauge\ng 0x10\n', // not a decimal
      '# HELP g ends in a backslash \\\n# TYPE g gauge\n',
      '# TYPE g gauge\ng{k="a\\tb"} 1\n', // unknown escape
      '# TYPE g gauge\ng{1k="a"} 1\n', // bad label name
      '# TYPE g gauge\ng{k="a"}  1\n', // two spaces
      '# TYPE g gauge\ng{k="a"} 1', // no final newline
      '# TYPE g gauge\ng 1\ng 2\n', // duplicate series
      '# TYPE g gauge\n# TYPE h gauge\ng 1\nh 1\ng{k="x"} 1\n', // not contiguous
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      '# TYPE 9g gauge\n',
      '# TYPE g widget\n',
    ];
    for (const text of bad) expect(() => parseExposition(text), text).toThrow();
  });
});

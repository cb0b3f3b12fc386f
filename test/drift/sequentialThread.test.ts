import { availableParallelism } from 'node:os';

import { afterAll, describe, expect, it } from 'vitest';

import { NameTable } from '../../bench/drift/sparseStreams.js';
import { Mulberry32 } from '../../bench/drift/streams.js';
import { DriftMonitor, resolveDriftConfig, validateDriftConfig } from '../../src/drift/index.js';
import { restartSequentialThread, sequentialThread } from '../../src/drift/sequentialThread.js';
import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import type { Alert } from '../../src/model/snapshot.js';
import type { LearnedBatch } from '../../src/stream/types.js';
import { engineConfig, stoppedScheduler } from '../engine/helpers.js';
import { MemorySink, memorySource } from '../engine/memoryPorts.js';
import { fixedClock, learnedBatch, smallTables } from './helpers.js';

/**
 * Events whose fields take turns (field slots released and reused), with a long tail of levels,
 * numbers, a field with `=` in its name, and a loss that rises at event 9000 (loss alerts among
 * the input ones, some at the same events).
 */
function* events(
  table: NameTable,
  n: number,
): Generator<{ label: number; loss: number; features: number[] }> {
  const rng = new Mulberry32(23);
  for (let t = 0; t < n; t++) {
    const features: number[] = [];
    const turn = Math.floor(t / 2500);
    for (let k = 0; k < 4; k++)
      if (rng.next() < 0.9)
        features.push(table.id(`f${(turn + k) % 9}=v${Math.floor(300 * rng.next() ** 3)}`));
    features.push(table.id(`x${Math.floor(150 * rng.next() ** 2)}`));
    if (t < 7000 || t > 8000) features.push(table.id('always'));
    if (rng.next() < 0.3) features.push(table.id(`g=h=v${Math.floor(8 * rng.next())}`));
    const label = rng.next() < 0.3 ? 1 : 0;
    const loss = (t > 9000 ? 2 : 1) * (label === 1 ? 1.2 : 0.36) * (0.5 + rng.next());
    yield { label, loss, features };
  }
}

/**
 * The batch with field codes as a vocabulary gives them: the name's field up to its first `=`
 * (1: none), numbered in order of first sight, with every 5th column left unknown (0: ask the name),
 * and `fieldOf`.
 */
function coded(b: LearnedBatch, table: NameTable, names: string[], codes: Map<string, number>): LearnedBatch {
  const fieldCodes = Int32Array.from(b.featureIndices, (j) => {
    if (j % 5 === 0) return 0;
    const name = table.names[j];
    const eq = name.indexOf('=');
    if (eq < 0) return 1;
    const field = name.slice(0, eq);
    let code = codes.get(field);
    if (code === undefined) {
      code = names.length;
      names.push(field);
      codes.set(field, code);
    }
    return code;
  });
  // a vocabulary's fieldOf: `g=h=v1` is a level of `g=h`, whose name's field is `g`
  const fieldOf = (j: number) => {
    const name = table.names[j];
    if (name.startsWith('g=h=')) return 'g=h';
    const eq = name.indexOf('=');
    return eq < 0 ? null : name.slice(0, eq);
  };
  return { ...b, fieldCodes, fieldNames: names, fieldOf };
}

const config = (threads: number) => ({ threads, inputSequential: { ...smallTables, maxTracked: 40 } });

describe('drift.threads: the sequential input test on its worker', () => {
  afterAll(() => restartSequentialThread());

  it('raises the alerts and holds the state of the inline test, fed in any chunks, through restores both ways', async () => {
    // rings of 4096 occurrences: they wrap every ~600 events, and batches larger than half of one go by message
    await restartSequentialThread(4096);
    const table = new NameTable();
    const all = [...events(table, 20_000)];
    const rng = new Mulberry32(5);
    const names = ['', ''];
    const codes = new Map<string, number>();
    const reference = new DriftMonitor({ clock: fixedClock, family: 'binomial', config: config(0) });
    let monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial', config: config(1) });
    let threads = 1;
    const expected: Alert[] = [];
    const got: Alert[] = [];
    let restores = 0;
    for (let at = 0, b = 0; at < all.length; b++) {
      const size = 1 + Math.floor(1500 * rng.next() ** 2);
      const batch = coded(learnedBatch(all.slice(at, at + size), at, table.nameOf), table, names, codes);
      at += batch.count;
      expected.push(...reference.onBatch(batch));
      // while it is learned, a threaded monitor is fed the batch's events in chunks (the rest at onBatch)
      const feed = monitor.feed;
      if (feed !== null) {
        let from = 0;
        while (from < batch.count && rng.next() < 0.7) {
          const to = Math.min(batch.count, from + Math.floor(400 * rng.next()));
          const s = batch.featureStarts;
          feed.feed(s, batch.featureIndices, batch.fieldCodes!, from, to, s[to], batch);
          from = to;
        }
      }
      got.push(...monitor.onBatch(batch));
      if (b % 4 === 3) {
        // a checkpoint of one restored into the other
        const state = monitor.state();
        expect(state).toEqual(reference.state());
        monitor.close();
        threads = 1 - threads;
        monitor = DriftMonitor.fromState(
          { clock: fixedClock, family: 'binomial', config: config(threads) },
          state,
        );
        restores++;
      }
    }
    const kinds = new Set(expected.map((a) => `${a.type}/${String(a.details.detector)}`));
    expect(kinds).toContain('input-drift/sequential');
    expect(kinds).toContain('loss-drift/adwin');
    expect(expected.filter((a) => a.type === 'input-drift').length).toBeGreaterThan(10);
    expect(restores).toBeGreaterThan(10);
    expect(got).toEqual(expected);
    expect(monitor.state()).toEqual(reference.state());
  });

  /** A monitor on a new worker that learned a batch; `kill` ends the worker; the next batch must fail. */
  async function dies(kill: () => unknown, message: RegExp): Promise<void> {
    await restartSequentialThread();
    const table = new NameTable();
    const all = [...events(table, 3000)];
    const monitor = new DriftMonitor({ clock: fixedClock, config: config(1) });
    monitor.onBatch(learnedBatch(all.slice(0, 1000), 0, table.nameOf));
    const killed = kill();
    const t0 = Date.now();
    expect(() => monitor.onBatch(learnedBatch(all.slice(1000, 2000), 1000, table.nameOf))).toThrow(message);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await killed;
    await restartSequentialThread();
  }

  it('a worker that dies fails the run with a clear error instead of waiting for it', () =>
    dies(
      () => sequentialThread().post({ op: 'exit' }),
      /sequential input-drift worker exited: the run cannot go on/,
    ));

  it('so does a worker terminated from outside (no exit handler runs: its thread is gone)', () =>
    dies(
      () => sequentialThread().running!.terminate(),
      /sequential input-drift worker (was killed|exited).*: the run cannot go on/,
    ));

  it('a checkpoint holds no `threads`, so checkpoints of either restore on the other', () => {
    const monitor = new DriftMonitor({ config: config(0) });
    expect('threads' in monitor.state().config).toBe(false);
    expect(monitor.config.threads).toBe(0);
  });

  it('keyed models with evictions and a state store: the same outputs and states with threads 0 and 1', async () => {
    await restartSequentialThread(1 << 14);
    const rng = new Mulberry32(31);
    const lines: object[] = [];
    for (let i = 0; i < 12_000; i++) {
      const seg = `s${Math.floor(4 * rng.next() * rng.next())}`;
      const features: Record<string, number | string> = {
        seg,
        hour: `h${Math.floor(24 * rng.next())}`,
        x: Math.round(100 * (rng.next() - 0.5)) / 100,
      };
      // a device field that stops for s0 halfway, a number that stops for everyone
      if (!(seg === 's0' && i > 6000)) features.device = rng.next() < 0.4 ? 'tablet' : 'phone';
      if (i < 9000) features.z = 1;
      const label = rng.next() < 1 / (1 + Math.exp(-2 * Number(features.x))) ? 1 : 0;
      lines.push(i % 11 === 0 ? { features } : { label, features });
    }
    const run = async (threads: number) => {
      const store = new MemoryStateStore();
      const sink = new MemorySink();
      const engine = new Engine(
        engineConfig({
          model: { family: 'binomial', keyBy: 'seg', maxLiveModels: 2, lambda: 0.01 },
          refit: { threads: 0, everyEvents: 500, window: 400 },
          snapshots: { everyEvents: 300, everySeconds: 'Infinity' },
          drift: { threads, checkEveryEvents: 200, inputSequential: { ...smallTables, warmupEvents: 300 } },
        }),
        { source: memorySource(lines, 300), sink, store },
        { clock: fixedClock, scheduler: stoppedScheduler },
      );
      const stats = await engine.run();
      const states = new Map<string, unknown>();
      engine.registry.forEach((live, key) => states.set(key, live.state()));
      return { stats, sink, states };
    };
    const inline = await run(0);
    const threaded = await run(1);
    expect(inline.stats.evictions).toBeGreaterThan(20);
    expect(inline.sink.alerts.filter((a) => a.type === 'input-drift').length).toBeGreaterThan(3);
    expect(threaded.sink.alerts).toEqual(inline.sink.alerts);
    const models = (xs: typeof inline.sink.models) =>
      xs.map((m) => ({ ...m, metrics: { ...m.metrics, solveMs: 0, refitMs: 0 } }));
    expect(models(threaded.sink.models)).toEqual(models(inline.sink.models));
    expect(threaded.sink.scores).toEqual(inline.sink.scores);
    expect(threaded.states).toEqual(inline.states);
  }, 120_000);
});

describe('drift.threads configuration', () => {
  it('is 0 or 1, by default 1 on four cores or more', () => {
    expect(resolveDriftConfig({}).threads).toBe(availableParallelism() >= 4 ? 1 : 0);
    expect(resolveDriftConfig({ threads: 0 }).threads).toBe(0);
    expect(validateDriftConfig({ threads: 1 })).toEqual([]);
    for (const threads of [2, -1, 0.5, '1', null, true])
      expect(validateDriftConfig({ threads })).toEqual([
        {
          path: 'drift.threads',
          message: `must be a whole number in [0, 1], got ${JSON.stringify(threads)}`,
        },
      ]);
  });
});

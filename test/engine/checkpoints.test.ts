import { lastValueFrom, take } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore, type EventSource } from '../../src/engine/ports.js';
import type { LiveModelState } from '../../src/model/liveModel.js';
import { decodeState } from '../../src/model/stateCodec.js';
import { InlineRefitRunner } from '../../src/refit/runner.js';
import type { DeadLetter } from '../../src/index.js';
import type { RawRecord } from '../../src/stream/types.js';
import { engineConfig, gaussianEvents } from './helpers.js';
import { handFedSource, memorySource, MemorySink } from './memoryPorts.js';

/** A memory store that outlives its engine (as a directory or the Kafka state topic does). */
class DurableMemoryStore extends MemoryStateStore {
  readonly durable = true;
  override release(): void {}
}

const config = engineConfig({
  model: { family: 'gaussian', keyBy: 'g', maxLiveModels: 2 },
  refit: { enabled: false },
  snapshots: { everyEvents: 150, everySeconds: 'Infinity' },
  state: { everyEvents: 500, everySeconds: 'Infinity' },
});

/** Four keys (one feature field `g`), a malformed line every 97. */
function lines(n: number): Array<string | object> {
  const out: Array<string | object> = [];
  gaussianEvents(5, n).forEach((e, i) => {
    out.push({ ...e, features: { ...e.features, g: `k${(i * 7) % 4}` } });
    if (i % 97 === 96) out.push('{"label": ');
  });
  return out;
}

/** The source over `all` lines, committing into `commits` (the last record's line each time). */
function source(all: Array<string | object>, commits: number[]): EventSource {
  return {
    ...memorySource(all, 128),
    commit: (records: readonly RawRecord[]) => {
      commits.push(Math.max(...records.map((r) => Number(r.position.offset))));
      return Promise.resolve();
    },
  };
}

function engine(store: MemoryStateStore, src: EventSource, sink = new MemorySink()): Engine {
  return new Engine(config, { source: src, sink, store, runner: new InlineRefitRunner() });
}

/** Every stored state, without what depends on the clock. */
function stored(store: MemoryStateStore): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const key of [...store.keys()].sort()) {
    const s = decodeState(store.get(key)!) as LiveModelState;
    const { lastSnapshotAt: _s, lastRefitAt: _r, ...cadence } = s.cadence;
    out.set(key, { ...s, cadence });
  }
  return out;
}

describe('engine checkpoints with a durable store (DESIGN §8)', () => {
  it('a commit is never ahead of the stored states', async () => {
    const all = lines(3000);
    const store = new DurableMemoryStore();
    const commits: number[] = [];
    const src = source(all, commits);
    const commit = src.commit!;
    // at each commit, every key's stored state covers its last event up to the committed line
    const lastOfKey = new Map<number, string>();
    all.forEach((l, i) => {
      if (typeof l === 'object') lastOfKey.set(i + 1, (l as { features: { g: string } }).features.g);
    });
    const checked: EventSource = {
      ...src,
      commit: async (records) => {
        const line = Math.max(...records.map((r) => Number(r.position.offset)));
        const need = new Map<string, number>();
        for (const [at, key] of lastOfKey) if (at <= line) need.set(key, at);
        for (const [key, at] of need) {
          const state = decodeState(store.get(key)!) as LiveModelState;
          expect(state.covered!.get('-1\u0000memory')).toBeGreaterThanOrEqual(at);
        }
        await commit(records);
      },
    };
    const stats = await engine(store, checked).run();
    expect(stats.checkpoints.checkpoints).toBeGreaterThan(5);
    expect(commits.at(-1)).toBe(all.length);
    expect(commits).toEqual([...commits].sort((a, b) => a - b));
  });

  it('stopped mid-stream without a last checkpoint and read again from the start: the states of an uninterrupted run', async () => {
    const all = lines(4000);
    const whole = new DurableMemoryStore();
    await engine(whole, source(all, [])).run();

    const store = new DurableMemoryStore();
    const commits: number[] = [];
    const crashed = engine(store, source(all, commits));
    // the process dies after 12 batches are through: no final checkpoint
    await lastValueFrom(crashed.pipeline().pipe(take(12)));
    await crashed.close();
    expect(commits.length).toBeGreaterThan(0);
    expect(commits.at(-1)).toBeLessThan(all.length);

    // read again from the first line: every model skips what its state covers
    const resumed = engine(store, source(all, []));
    const stats = await resumed.run();
    expect(stats.skippedCovered).toBeGreaterThan(0);
    expect(stored(store)).toEqual(stored(whole));
    const learned = [...stored(store).values()].reduce(
      (n: number, s) => n + (s as LiveModelState).model.learned,
      0,
    );
    expect(learned).toBe(4000);
  });

  it('a completed stream read again learns nothing and publishes nothing', async () => {
    // and a key with unlabelled events only: it learned nothing, so it has no snapshot (not one at offset 0)
    const all = [
      ...lines(2000),
      ...gaussianEvents(6, 3).map((e) => ({ features: { ...e.features, g: 'u' } })),
    ];
    const store = new DurableMemoryStore();
    const first = new MemorySink();
    await engine(store, source(all, []), first).run();
    expect(first.models.length).toBeGreaterThan(4);
    expect(first.models.filter((m) => m.key === 'u')).toEqual([]);
    expect(first.scores.filter((r) => r.key === 'u')).toHaveLength(3);
    const before = stored(store);
    const again = new MemorySink();
    const stats = await engine(store, source(all, []), again).run();
    expect(stats.learned).toBe(0);
    expect(stats.skippedCovered).toBe(2003);
    // final snapshots are state too: none is published twice
    expect(again.models).toEqual([]);
    expect(again.scores).toEqual([]);
    expect(stored(store)).toEqual(before);
  });
});

/**
 * An engine with time-based checkpoints only (every `seconds`) over a source fed by hand, whose
 * commits are recorded; `run` starts it on `sink` and sends 300 lines as one batch.
 */
function timedEngine(seconds: number) {
  const config = engineConfig({
    model: { family: 'gaussian', keyBy: 'g', maxLiveModels: 2 },
    refit: { enabled: false },
    snapshots: { everyEvents: 'Infinity', everySeconds: 'Infinity' },
    state: { everyEvents: 'Infinity', everySeconds: seconds },
  });
  const store = new DurableMemoryStore();
  const { input, source, commits } = handFedSource();
  const all = lines(300);
  const run = (sink: MemorySink) => {
    const done = new Engine(config, { source, sink, store }).run();
    input.next({
      records: all.map((l, i) => ({
        value: typeof l === 'string' ? l : JSON.stringify(l),
        position: { source: 'memory', offset: String(i + 1) },
      })),
    });
    return done;
  };
  /** Waits up to 5 s for the first commit. */
  const committed = async () => {
    for (let i = 0; i < 250 && commits.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  };
  return { store, input, commits, all, run, committed };
}

describe('checkpoints by time (state.everySeconds) on an idle stream', () => {
  it('the records read are committed and the states stored while no batch arrives', async () => {
    const { store, input, commits, all, run, committed } = timedEngine(0.2);
    const done = run(new MemorySink());
    // then nothing for a while: the timer checkpoints within about everySeconds
    await committed();
    expect(commits).toEqual([all.length]);
    expect([...store.keys()].sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
    input.complete();
    await done;
  });

  it('the timer writes no state while a batch learned is not yet durable in the sink', async () => {
    const { store, input, commits, all, run, committed } = timedEngine(0.1);
    // a sink whose outputs stay undurable until released: a state written meanwhile would say its
    // events were learned while their outputs (scores, dead letters) could still be lost
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    class HeldSink extends MemorySink {
      override async flush(): Promise<void> {
        await held;
        await super.flush();
      }
    }
    const done = run(new HeldSink());
    // many timer periods with the batch learned and its outputs held
    await new Promise((r) => setTimeout(r, 800));
    expect([...store.keys()]).toEqual([]);
    expect(commits).toEqual([]);
    release();
    await committed();
    expect(commits).toEqual([all.length]);
    expect([...store.keys()].sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
    input.complete();
    await done;
  });
});

describe('engine commits without a durable store', () => {
  it('a batch is committed only once its outputs are durable (at-least-once)', async () => {
    const all = lines(3000);
    // a sink whose outputs become durable a turn of the event loop after `flush` is called
    const durable = new Set<string>();
    let written: string[] = [];
    class SlowSink extends MemorySink {
      override deadLetter(l: DeadLetter): void {
        super.deadLetter(l);
        written.push(l.position.offset);
      }
      override async flush(): Promise<void> {
        const now = written;
        written = [];
        await new Promise(setImmediate);
        for (const offset of now) durable.add(offset);
      }
    }
    const sink = new SlowSink();
    const ahead: string[] = [];
    let committed = 0;
    const src: EventSource = {
      ...memorySource(all, 128),
      commit: (records: readonly RawRecord[]) => {
        const last = Math.max(...records.map((r) => Number(r.position.offset)));
        for (const l of sink.deadLetters)
          if (Number(l.position.offset) <= last && !durable.has(l.position.offset))
            ahead.push(l.position.offset);
        committed = Math.max(committed, last);
        return Promise.resolve();
      },
    };
    await engine(new MemoryStateStore(), src, sink).run();
    expect(committed).toBe(all.length);
    expect(sink.deadLetters.length).toBeGreaterThan(20);
    expect(ahead).toEqual([]);
  });
});

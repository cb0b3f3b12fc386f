import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import type { EventSource, PartitionRef, StateStore } from '../../src/engine/ports.js';
import type { LiveModelState } from '../../src/model/liveModel.js';
import { decodeState } from '../../src/model/stateCodec.js';
import type {
  Alert,
  DeadLetter,
  ModelSnapshot,
  OutputSink,
  RawBatch,
  RawRecord,
  ScoreRecord,
} from '../../src/index.js';
import { engineConfig } from './helpers.js';

/**
 * A process that crashes: what it made durable (stored states after `flush`, outputs after
 * `flush`, committed positions) survives; anything after the crash is lost. The engine is then
 * started again on what survived, as `run` does after a SIGKILL.
 */
class World {
  states = new Map<string, Uint8Array>();
  committed = 0;
  scores: ScoreRecord[] = [];
  models: ModelSnapshot[] = [];
  deadLetters: DeadLetter[] = [];
  crashed = false;
}

class CrashStore implements StateStore {
  readonly durable = true;
  private pending = new Map<string, Uint8Array>();
  constructor(private readonly world: World) {}
  get(key: string) {
    return this.world.states.get(key);
  }
  put(key: string, state: Uint8Array, _partitions?: readonly PartitionRef[]) {
    this.pending.set(key, state);
  }
  delete(key: string) {
    this.pending.delete(key);
  }
  keys() {
    return this.world.states.keys();
  }
  async flush() {
    await new Promise((r) => setTimeout(r, 0));
    if (this.world.crashed) return;
    for (const [k, v] of this.pending) this.world.states.set(k, v);
    this.pending.clear();
  }
}

class CrashSink implements OutputSink {
  private scores: ScoreRecord[] = [];
  private models: ModelSnapshot[] = [];
  private letters: DeadLetter[] = [];
  constructor(private readonly world: World) {}
  model(s: ModelSnapshot) {
    this.models.push(s);
  }
  score(s: ScoreRecord) {
    this.scores.push(s);
  }
  alert(_a: Alert) {}
  deadLetter(l: DeadLetter) {
    this.letters.push(l);
  }
  async flush() {
    await new Promise((r) => setTimeout(r, 0));
    if (this.world.crashed) return;
    this.world.scores.push(...this.scores);
    this.world.models.push(...this.models);
    this.world.deadLetters.push(...this.letters);
    this.scores = [];
    this.models = [];
    this.letters = [];
  }
  async close() {}
}

/** Lines after the committed one, in batches, one per macrotask (so commits interleave). */
function source(world: World, lines: readonly string[], batchSize: number, crashAfter: number): EventSource {
  return {
    batches$: new Observable<RawBatch>((subscriber) => {
      let i = world.committed;
      let emitted = 0;
      const timer = setInterval(() => {
        if (emitted === crashAfter) {
          world.crashed = true;
          clearInterval(timer);
          subscriber.complete();
          return;
        }
        if (i >= lines.length) {
          clearInterval(timer);
          subscriber.complete();
          return;
        }
        const records: RawRecord[] = [];
        for (let k = i; k < Math.min(lines.length, i + batchSize); k++)
          records.push({ value: lines[k], position: { source: 'memory', offset: String(k + 1) } });
        i += records.length;
        emitted++;
        subscriber.next({ records });
      }, 0);
      return () => clearInterval(timer);
    }),
    async commit(records) {
      if (world.crashed) return;
      world.committed = Math.max(world.committed, Number(records[records.length - 1].position.offset));
    },
  };
}

/** Keyed events, a few malformed lines and unlabelled ones (scored). */
function lines(n: number, keys: number, seed: number): string[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 97 === 13) {
      out.push('{"label": oops');
      continue;
    }
    const k = Math.floor(u() * u() * keys);
    const features = { segment: `s${k}`, x1: u() * 2 - 1, x2: u() * 2 - 1, c: u() < 0.5 ? 'a' : 'b' };
    const label = 2 * features.x1 - features.x2 + (u() - 0.5) * 0.1;
    out.push(JSON.stringify(i % 11 === 0 ? { features } : { label, features }));
  }
  return out;
}

function config(keyed: boolean) {
  return engineConfig({
    model: { family: 'gaussian', lambda: 0.001, ...(keyed ? { keyBy: 'segment', maxLiveModels: 4 } : {}) },
    refit: { threads: 0, everyEvents: 300, window: 200 },
    snapshots: { everyEvents: 500, everySeconds: 'Infinity' },
    state: { everyEvents: 700, everySeconds: 'Infinity' },
  });
}

async function runOnce(world: World, keyed: boolean, data: readonly string[], crashAfter: number) {
  world.crashed = false;
  const engine = new Engine(
    config(keyed),
    {
      source: source(world, data, 128, crashAfter),
      sink: new CrashSink(world),
      store: new CrashStore(world),
    },
    { clock: () => new Date('2026-11-30T00:00:00Z'), scheduler: { now: () => 0 } as never },
  );
  await engine.run();
  return engine;
}

/** The learner state of every stored model (times of day excluded). */
function finalStates(world: World): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, bytes] of world.states) {
    const state = decodeState(bytes) as LiveModelState;
    out.set(key, {
      model: state.model,
      drift: state.drift,
      window: state.window,
      refit: state.refit,
      covered: state.covered,
    });
  }
  return out;
}

describe('checkpoints: a run that crashes and restarts learns what an uninterrupted one does', () => {
  for (const keyed of [false, true]) {
    it(`${keyed ? 'keyed models with evictions' : 'one model'}: same final states, every event learned once, every score and dead letter at least once`, async () => {
      const data = lines(6000, 12, keyed ? 5 : 3);
      const reference = new World();
      await runOnce(reference, keyed, data, Infinity);
      expect(reference.committed).toBe(data.length);

      const world = new World();
      let seed = keyed ? 11 : 7;
      const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 4294967296);
      let crashes = 0;
      for (let attempt = 0; attempt < 5; attempt++) {
        await runOnce(world, keyed, data, 3 + Math.floor(rand() * 15));
        if (world.crashed) crashes++;
      }
      await runOnce(world, keyed, data, Infinity);
      expect(crashes).toBeGreaterThanOrEqual(3);
      expect(world.committed).toBe(data.length);

      // the model states equal the uninterrupted run's, to the last bit
      expect(finalStates(world)).toEqual(finalStates(reference));
      const labelled = new Map<string, number>();
      const unlabelled = new Set<string>();
      data.forEach((line, i) => {
        if (line.startsWith('{"label": oops')) return;
        const e = JSON.parse(line) as { label?: number; features: { segment: string } };
        const key = keyed ? e.features.segment : 'default';
        if (e.label === undefined) unlabelled.add(String(i + 1));
        else labelled.set(key, (labelled.get(key) ?? 0) + 1);
      });
      // every model that learned was stored (the loop below would otherwise check nothing, and two
      // empty stores compare equal above)
      expect([...world.states.keys()].sort()).toEqual([...labelled.keys()].sort());
      expect([...reference.states.keys()].sort()).toEqual([...labelled.keys()].sort());
      for (const [key, bytes] of world.states)
        expect((decodeState(bytes) as LiveModelState).model.learned, key).toBe(labelled.get(key));
      // outputs at least once: every unlabelled event scored, every malformed line dead-lettered
      expect(new Set(world.scores.map((s) => s.offset))).toEqual(unlabelled);
      const bad = data.flatMap((l, i) => (l.startsWith('{"label": oops') ? [String(i + 1)] : []));
      expect(new Set(world.deadLetters.map((d) => d.position.offset))).toEqual(new Set(bad));
    }, 60_000);
  }
});

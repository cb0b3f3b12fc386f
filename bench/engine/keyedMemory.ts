/**
 * Heap per live keyed model, in a fresh process: `node --expose-gc dist/bench/engine/keyedMemory.js
 * KEYS EVENTS_PER_KEY FAMILY [HASH_BITS]` replays KEYS × EVENTS_PER_KEY events (all models live),
 * then prints one JSON line: heap and array-buffer bytes after a full gc, and a breakdown of one
 * model's typed-array and estimated object bytes by component. Compare two KEYS to get the cost of
 * one model (the difference over the difference of keys).
 */
import { writeHeapSnapshot } from 'node:v8';

import { checkEngineConfig } from '../../src/engine/config.js';
import { Engine } from '../../src/engine/engine.js';
import { discardingSink, keyedBatches } from './streams.js';

const [keys, perKey] = process.argv.slice(2, 4).map(Number);
const family = process.argv[4] ?? 'binomial';
const hashBits = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

let s = 5;
const u = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 4294967296;
};
const events = keys * perKey;
let measured: Record<string, unknown> | null = null;
let engine: Engine | null = null;

/** Typed-array bytes and a rough count of object bytes reachable from `root`, not through `shared`. */
function walk(root: unknown, shared: Set<unknown>): { arrays: number; objects: number } {
  const stack: unknown[] = [root];
  let arrays = 0;
  let objects = 0;
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (!shared.has(x)) {
        shared.add(x);
        objects += 16 + x.length;
      }
      continue;
    }
    if (typeof x !== 'object' || x === null || shared.has(x)) continue;
    shared.add(x);
    if (ArrayBuffer.isView(x)) {
      if (!shared.has(x.buffer)) {
        shared.add(x.buffer);
        arrays += x.buffer.byteLength;
      }
      continue;
    }
    if (x instanceof ArrayBuffer) {
      arrays += x.byteLength;
      continue;
    }
    const own = Reflect.ownKeys(x);
    objects += 24 + 8 * own.length;
    if (x instanceof Map) {
      for (const [k, v] of x) stack.push(k, v);
      objects += 24 * x.size;
    } else if (x instanceof Set) {
      for (const v of x) stack.push(v);
      objects += 16 * x.size;
    }
    for (const k of own) {
      const d = Object.getOwnPropertyDescriptor(x, k);
      if (d !== undefined && 'value' in d) stack.push(d.value);
    }
  }
  return { arrays, objects };
}

/** One model's bytes by component (the model's fields and their fields, two levels deep). */
function breakdown(live: object, shared: Set<unknown>): Record<string, { arrays: number; objects: number }> {
  const out: Record<string, { arrays: number; objects: number }> = {};
  const visit = (prefix: string, x: object, depth: number) => {
    shared.add(x);
    for (const k of Reflect.ownKeys(x)) {
      const d = Object.getOwnPropertyDescriptor(x, k);
      const v: unknown = d !== undefined && 'value' in d ? d.value : undefined;
      const name = `${prefix}${String(k)}`;
      if (depth > 0 && typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !(v instanceof Map))
        visit(`${name}.`, v, depth - 1);
      else {
        const w = walk(v, shared);
        if (w.arrays + w.objects > 0) out[name] = w;
      }
    }
  };
  visit('', live, 2);
  return out;
}

async function measure(): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 3; i++) gc!();
  const m = process.memoryUsage();
  const models = engine!.registry.liveModels();
  if (process.env.HEAP_SNAPSHOT) writeHeapSnapshot(process.env.HEAP_SNAPSHOT);
  // objects every model points to (the engine's config, clock, logger) are not its own
  const shared = new Set<unknown>();
  walk(engine!.config, shared);
  // the reader's name table, shared by every model's featurizer
  for (const live of models)
    walk((live.model as unknown as { featurizer: { idSource: unknown } }).featurizer.idSource, shared);
  const one = models.length > 0 ? breakdown(models[Math.floor(models.length / 2)]!, shared) : {};
  measured = {
    keys,
    perKey,
    family,
    hashBits: hashBits ?? null,
    live: models.length,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    arrayBuffers: m.arrayBuffers,
    external: m.external,
    rss: m.rss,
    one,
  };
}

// each key's events in turn, so every model sees perKey events
const batches$ = keyedBatches(
  events,
  (i) => {
    const a = u();
    const c = Math.floor(u() * 5);
    const label = family === 'binomial' ? (u() < 0.2 + 0.5 * a ? 1 : 0) : 2 * a - 0.1 * c + u();
    return { label, features: { segment: `k${i % keys}`, a, b: u() < 0.5 ? 'x' : 'y', c } };
  },
  measure,
);
const config = checkEngineConfig({
  model: {
    family,
    keyBy: 'segment',
    maxLiveModels: keys + 10,
    ...(hashBits === undefined ? {} : { hashBits }),
  },
});
engine = new Engine(config, { source: { batches$ }, sink: discardingSink });
await engine.run();
process.stdout.write(`${JSON.stringify(measured)}\n`);

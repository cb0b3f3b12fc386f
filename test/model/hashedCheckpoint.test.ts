import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { SparseBuffer, sparseOf } from '../../src/core/sparse.js';
import { OnlineScaler } from '../../src/features/onlineScaler.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import type { L1Event } from '../../src/core/event.js';
import { OnlineModel, type OnlineModelOptions } from '../../src/model/onlineModel.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';

const fixtures = new URL('../fixtures/checkpoints/', import.meta.url);

/** The events of the old-format fixture (the same generator wrote it with main's code at 6f9065e). */
function fixtureEvents(n: number): L1Event[] {
  let s = 12345;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const out: L1Event[] = [];
  for (let i = 0; i < n; i++) {
    const site = `site${Math.floor(u() * 40)}`;
    const x = Math.round((u() * 4 - 2) * 100) / 100;
    const eta = (site < 'site2' ? 1 : -0.5) + 0.8 * x;
    out.push({ label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features: { site, x, flag: u() < 0.3 } });
  }
  return out;
}

const options: OnlineModelOptions = {
  family: 'binomial',
  key: 'c1',
  lambda: 0.002,
  hashBits: 16,
  clock: () => new Date('2026-12-01T00:00:00Z'),
};

/** The columns the learner and scaler tests use, of 2^16. */
const used = [3, 517, 9000, 20_011, 40_000, 65_535];

/**
 * Replaces `owner[field]`, a private Float64Array, by a proxy counting reads of its entries (the
 * owner reads it as before); returns the count so far.
 */
function countReads(owner: object, field: string): () => number {
  const fields = owner as unknown as Record<string, Float64Array>;
  let reads = 0;
  fields[field] = new Proxy(fields[field], {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
    set: (target, key, value) => Reflect.set(target, key, value, target),
  });
  return () => reads;
}

/** A state of the 2^16 columns of `hashBits` 16 that lists the used columns alone. */
function expectUsedOnly(state: { readonly dimension: number; readonly columns?: Int32Array }): void {
  expect(state.dimension).toBe(65_536);
  expect(state.columns).toEqual(Int32Array.from(used));
}

/** An FTRL learner of a 2^16-column hashed model that has used `cols` columns only. */
function sparseFtrl(cols: number[]): Ftrl {
  const f = new Ftrl({ family: 'binomial', lambda: 0.001 });
  for (let i = 0; i < 60; i++) {
    const a = cols[i % cols.length];
    const b = cols[(3 * i + 1) % cols.length];
    f.learnOne(
      sparseOf(
        a < b
          ? [
              [a, 1],
              [b, -0.5],
            ]
          : [
              [b, -0.5],
              [a, 1],
            ],
      ),
      i % 3 === 0 ? 1 : 0,
    );
  }
  return f;
}

describe('hashed models checkpoint and restore only the columns they used', () => {
  it('a checkpoint written by the previous code (format 1, main at 6f9065e) loads and goes on as it did', () => {
    const bytes = new Uint8Array(readFileSync(new URL('hashed-ftrl-v1.l1cp', fixtures)));
    const expected = JSON.parse(readFileSync(new URL('hashed-ftrl-v1.json', fixtures), 'utf8')) as {
      predictions: number[];
      intercept: number;
      indices: number[];
      values: number[];
    };
    const m = OnlineModel.decodeCheckpoint(options, bytes);
    const predictions = fixtureEvents(600)
      .slice(400)
      .map((e) => m.process(e).prediction);
    const { intercept, indices, values } = m.coefficients();
    expect(intercept).toBe(expected.intercept);
    expect([...indices]).toEqual(expected.indices);
    expect([...values]).toEqual(expected.values);
    expect(predictions).toEqual(expected.predictions);
  });

  it('a sparse checkpoint round-trips through the codec: the same state, then the same predictions', () => {
    const events = fixtureEvents(700);
    const a = new OnlineModel(options);
    for (const e of events.slice(0, 500)) a.process(e);
    const cp = a.checkpoint();
    // sparse: a few dozen columns listed of 2^16
    const learner = cp.learner!;
    expect(learner.dimension).toBeGreaterThan(30_000);
    expect(learner.columns!.length).toBeLessThan(100);
    expect(cp.scaler.columns!.length).toBeLessThan(100);
    const b = OnlineModel.decodeCheckpoint(options, a.encodeCheckpoint());
    expect(decodeState(encodeState(b.checkpoint()))).toEqual(decodeState(encodeState(cp)));
    for (const e of events.slice(500)) expect(b.process(e)).toEqual(a.process(e));
    expect(b.coefficients()).toEqual(a.coefficients());
  });

  it('FTRL: state() reads the used columns only, and so does forEachNonZero after a restore', () => {
    const f = sparseFtrl(used);
    const reads = countReads(f, 's');
    const state = f.state();
    expectUsedOnly(state);
    // z and n of the 6 used columns, each read at most twice; a scan of all reads 131,072
    expect(reads()).toBeLessThanOrEqual(4 * used.length);

    const g = new Ftrl({ family: 'binomial', lambda: 0.001 });
    g.restore(decodeState(encodeState(state)) as typeof state);
    const restoredReads = countReads(g, 's');
    const a: Array<[number, number]> = [];
    const b: Array<[number, number]> = [];
    g.forEachNonZero((j, w) => b.push([j, w]));
    f.forEachNonZero((j, w) => a.push([j, w]));
    expect(b).toEqual(a);
    expect(b.length).toBeGreaterThan(0);
    expect(restoredReads()).toBeLessThanOrEqual(2 * used.length);
    // and learns on as the learner checkpointed
    const x = sparseOf([
      [517, 1],
      [30_000, 2],
    ]);
    expect(g.learnOne(x, 1)).toBe(f.learnOne(x, 1));
    expect(g.state()).toEqual(f.state());
  });

  it('online scaler: state() reads the observed columns only; fromState restores them', () => {
    const scaler = new OnlineScaler();
    const x = new SparseBuffer();
    for (let i = 0; i < 40; i++) {
      x.clear();
      for (const j of used) if ((i + j) % 3 !== 0) x.push(j, j % 2 === 0 ? 1 : (i % 7) - 3);
      scaler.observe(x);
    }
    const reads = countReads(scaler, 'stats');
    const state = scaler.state();
    expectUsedOnly(state);
    // 4 statistics of the 6 observed columns, each read at most twice; a scan of all reads 262,144
    expect(reads()).toBeLessThanOrEqual(8 * used.length);
    const restored = OnlineScaler.fromState(decodeState(encodeState(state)) as typeof state);
    expect(restored.state()).toEqual(state);
    for (const j of [...used, 1, 30_000]) {
      expect(restored.sd(j)).toBe(scaler.sd(j));
      expect(restored.isIndicator(j)).toBe(scaler.isIndicator(j));
    }
  });
});

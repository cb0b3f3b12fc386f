import { describe, expect, it } from 'vitest';

import { NameTable, adScenario } from '../../bench/drift/sparseStreams.js';
import { Mulberry32 } from '../../bench/drift/streams.js';
import { DriftMonitor, GuardedDetector, SequentialSparsityDetector } from '../../src/drift/index.js';
import {
  SEQUENTIAL_F64_NAMES,
  type SequentialSparsityOptions,
  type SequentialSparsityReport,
} from '../../src/drift/sequentialSparsity.js';
import { feed, fixedClock, smallTables, type SyntheticEvent } from './helpers.js';

/**
 * A feature present at the events `present` marks (the others empty), written out from the
 * detector's description: gap sums, the longest gap, the regularity test (gap variance at most
 * `maxDispersion` times the geometric one), and once armed and past the warm-up the CUSUMs with
 * the absences before each occurrence; counts and gap sums halved past the horizon.
 */
function gappedReference(
  present: readonly boolean[],
  o: { warmupEvents: number; armCount: number; armEvents: number; horizonEvents: number; alpha: number },
) {
  const s = { last: 0, count: 0, exposure: 0, gapN: 0, gapSum: 0, gapSum2: 0, maxGap: 0 };
  const c = { down: 0, downFrom: 0, downOcc: 0, up: 0, upFrom: 0, upOcc: 0, llrRate: 0 };
  let dA = 0,
    dP = 0,
    uA = 0,
    uP = 0;
  let armed = false;
  const h = Math.log(4 / o.alpha);
  const regular = () => {
    if (s.gapN < 2 || (s.gapSum === 0 && s.gapSum2 === 0)) return true;
    const mean = s.gapSum / s.gapN;
    const variance = Math.max(0, s.gapSum2 / s.gapN - mean * mean);
    return mean === 0 ? variance === 0 : variance <= 2 * mean * (mean + 1);
  };
  for (let t = 1; t <= present.length; t++) {
    if (!present[t - 1]) continue;
    if (s.count === 0) {
      Object.assign(s, { count: 1, exposure: 1, last: t });
      continue;
    }
    const gap = t - s.last - 1;
    s.maxGap = Math.max(s.maxGap, gap);
    if (armed && t > o.warmupEvents && regular()) {
      const q0 = Math.min(1 - 1e-12, Math.max(1e-12, s.count / (s.exposure + 1)));
      if (Math.abs(q0 - c.llrRate) > 0.01 * Math.min(q0, 1 - q0)) {
        const qd = q0 / 2;
        const qu = q0 < 0.5 ? 2 * q0 : (1 + q0) / 2;
        c.llrRate = q0;
        [dA, dP, uA, uP] = [
          Math.log((1 - qd) / (1 - q0)),
          Math.log(qd / q0),
          Math.log((1 - qu) / (1 - q0)),
          Math.log(qu / q0),
        ];
      }
      const peak = c.down + gap * dA;
      expect(peak).toBeLessThan(h);
      const down = peak + dP;
      if (down <= 0) Object.assign(c, { down: 0, downFrom: t, downOcc: 0 });
      else Object.assign(c, { down, downOcc: c.downOcc + 1 });
      const afterGap = c.up + gap * uA;
      if (afterGap <= 0) Object.assign(c, { up: 0, upFrom: t - 1, upOcc: 0 });
      else c.up = afterGap;
      c.up += uP;
      c.upOcc++;
      expect(c.up).toBeLessThan(h);
    }
    s.gapN++;
    s.gapSum += gap;
    s.gapSum2 += gap * gap;
    s.exposure += gap + 1;
    s.count++;
    s.last = t;
    if (s.exposure > o.horizonEvents) {
      for (const k of ['count', 'exposure', 'gapN', 'gapSum', 'gapSum2'] as const) s[k] *= 0.5;
    }
    if (!armed && s.count >= o.armCount && s.exposure >= o.armEvents) armed = true;
  }
  return { ...s, ...c, downAbsent: dA, downPresent: dP, upAbsent: uA, upPresent: uP };
}

describe('sequential input drift: a feature in every event (the fast path)', () => {
  it('its counts, halvings and CUSUMs are those of the written-out tests, to the bit', () => {
    const o = { warmupEvents: 100, armCount: 30, armEvents: 50, horizonEvents: 300, alpha: 1e-8 };
    const detector = new SequentialSparsityDetector(o);
    const indices = Int32Array.of(0);
    const x = { indices, start: 0, end: 1, nameOf: () => 'x' };
    const events = 5000;
    for (let t = 1; t <= events; t++) detector.update(x);
    const state = detector.state();
    const slot = state.featureSlots[0];
    const got = Object.fromEntries(SEQUENTIAL_F64_NAMES.map((name, k) => [name, state.f64[k][slot]]));
    const want = gappedReference(new Array<boolean>(events).fill(true), o);
    for (const [name, value] of Object.entries(want)) expect([name, got[name]]).toEqual([name, value]);
    expect(got.last).toBe(events);
  });
});

describe('sequential input drift: a feature with absences between its occurrences', () => {
  it('its gap sums, halvings, regularity and CUSUMs are those of the written-out tests, to the bit', () => {
    const o = { warmupEvents: 100, armCount: 30, armEvents: 50, horizonEvents: 400, alpha: 1e-8 };
    // regular arrivals at two rates, then bursts (gaps of 0 and of 36: irregular, so untested)
    for (const [q, bursty] of [
      [0.3, false],
      [0.7, false],
      [0.5, true],
    ] as const) {
      const rng = new Mulberry32(11);
      const present = Array.from({ length: 6000 }, (_, i) => (bursty ? i % 40 < 4 : rng.next() < q));
      const detector = new SequentialSparsityDetector(o);
      const one = { indices: Int32Array.of(0), start: 0, end: 1, nameOf: () => 'x' };
      const none = { ...one, end: 0 };
      for (const p of present) detector.update(p ? one : none);
      const state = detector.state();
      const slot = state.featureSlots[0];
      const got = Object.fromEntries(SEQUENTIAL_F64_NAMES.map((name, k) => [name, state.f64[k][slot]]));
      const want = gappedReference(present, o);
      // the CUSUMs ran (their ratios were set) unless the arrivals are bursty
      expect([q, want.llrRate > 0]).toEqual([q, !bursty]);
      for (const [name, value] of Object.entries(want))
        expect([q, name, got[name]]).toEqual([q, name, value]);
    }
  });
});

describe('loss and label-rate alerts do not depend on how events are batched', () => {
  it('detections of both tests in one batch are merged in event order, with the quiet period', () => {
    // the label rate and the loss change back and forth, the loss 1500 events after the label
    // rate; short warm-ups and cool-downs
    const rng = new Mulberry32(3);
    const events: SyntheticEvent[] = [];
    for (let i = 0; i < 40_000; i++) {
      const p = Math.floor(i / 5000) % 2 === 0 ? 0.2 : 0.6;
      const label = rng.next() < p ? 1 : 0;
      const loss = rng.next() + (Math.floor((i + 3500) / 5000) % 2 === 0 ? 0 : 0.5);
      events.push({ label, loss, features: [] });
    }
    const config = {
      loss: { warmupEvents: 300, cooldownEvents: 400, pageHinkley: { threshold: 30 } },
      inputSequential: { enabled: false },
    };
    const run = (size: number) => {
      const monitor = new DriftMonitor({ clock: fixedClock, config, family: 'binomial' });
      return feed(events, size, (b) => monitor.onBatch(b));
    };
    const one = run(1);
    expect(one.length).toBeGreaterThan(5);
    // both signals report, several times
    const by = new Set(one.map((a) => `${String(a.details.signal)}/${String(a.details.detector)}`));
    expect(by).toEqual(new Set(['loss/page-hinkley', 'label-rate/page-hinkley']));
    for (const size of [97, 5000, 40_000]) expect(run(size)).toEqual(one);
  });
});

describe('sequential input drift: deferred occurrences', () => {
  it('the state read while the first run is open applies it (the open runs are counted)', () => {
    const detector = new SequentialSparsityDetector({ warmupEvents: 100, armEvents: 50, armCount: 10 });
    const x = { indices: Int32Array.of(0), start: 0, end: 1, nameOf: (j: number) => `x${j}` };
    const count = SEQUENTIAL_F64_NAMES.indexOf('count');
    for (let t = 1; t <= 140; t++) {
      detector.update(x);
      // runs start after the warm-up (event 101); none has been applied before these reads
      if (t === 105 || t === 140) expect(detector.state().f64[count][0]).toBe(t);
    }
  });

  it('reading the state at every few events (which applies them) changes no finding and no state', () => {
    const table = new NameTable();
    const plain = new SequentialSparsityDetector();
    const read = new SequentialSparsityDetector();
    const x = { indices: new Int32Array(64), start: 0, end: 0, nameOf: table.nameOf };
    const found: Array<[number, unknown, unknown]> = [];
    let t = 0;
    for (const features of adScenario(table, 7, 75_000)) {
      x.indices.set(features);
      x.end = features.length;
      plain.update(x);
      read.update(x);
      if (++t % 7 === 0) read.state();
      if (plain.driftDetected || read.driftDetected) found.push([t, plain.report, read.report]);
    }
    expect(found.length).toBeGreaterThan(0);
    for (const [, a, b] of found) expect(b).toEqual(a);
    expect(read.state()).toEqual(plain.state());
  });
});

/**
 * More columns than the table tracks, in fields that come and go: 12 fields take turns (4 at a
 * time, a turn every 3000 events) with 12 skewed levels each, and 200 numbers; 48 features and 5
 * fields have exact state, so field slots are taken, released after a horizon and reused by other
 * fields, and fields find the table full.
 */
function* fieldTurns(table: NameTable, n: number): Generator<number[]> {
  const rng = new Mulberry32(11);
  const level = () => Math.floor(12 * rng.next() ** 1.5);
  for (let t = 0; t < n; t++) {
    const out: number[] = [];
    const turn = Math.floor(t / 3000);
    for (let k = 0; k < 4; k++) if (rng.next() < 0.9) out.push(table.id(`f${(turn + k) % 12}=v${level()}`));
    out.push(table.id(`x${Math.floor(200 * rng.next() ** 2)}`));
    yield out;
  }
}

/** One detector per column-cache size; 0: no cache, every occurrence named (the path before the cache). */
function withCacheSizes(sizes: number[], options: SequentialSparsityOptions): SequentialSparsityDetector[] {
  return sizes.map((fieldCacheSize) => new SequentialSparsityDetector({ ...options, fieldCacheSize }));
}

describe('sequential input drift: the column → field cache', () => {
  it('changes no finding and no state, whatever its size, while field slots are released and reused', () => {
    const table = new NameTable();
    const options = { ...smallTables, maxTracked: 48 };
    const detectors = withCacheSizes([0, 2, 64, 1 << 18], options);
    const x = { indices: new Int32Array(8), start: 0, end: 0, nameOf: table.nameOf };
    const found: unknown[][] = [];
    // what each slot held, in turn: a field's name, or '' for a feature
    const held = new Map<number, string[]>();
    let fullAt = 0;
    let t = 0;
    for (const features of fieldTurns(table, 60_000)) {
      x.indices.set(features);
      x.end = features.length;
      for (const d of detectors) d.update(x);
      t++;
      const reports = detectors.map((d) => (d.driftDetected ? d.report : null));
      if (reports.some((r) => r !== null)) found.push([t, ...reports]);
      if (t % 100 === 0) {
        const s = detectors[0].state();
        for (let slot = 0; slot < s.used; slot++) {
          const kind = s.u8[0][slot];
          if (kind === 0) continue;
          const was = held.get(slot) ?? [];
          const now = s.fieldNames[slot] ?? '';
          if (was.at(-1) !== now) held.set(slot, [...was, now]);
        }
        if (s.fields === options.maxFields && s.features === options.maxTracked) fullAt++;
      }
    }
    // the stream does what it is for: far more columns than tracked, full tables, reused field slots
    expect(table.names.length).toBeGreaterThan(6 * options.maxTracked);
    expect(fullAt).toBeGreaterThan(10);
    const reused = [...held.values()].filter((h) => h.slice(0, -1).some((name) => name !== ''));
    expect(reused.filter((h) => h.slice(1).some((name) => name === '')).length).toBeGreaterThan(0);
    expect(reused.filter((h) => new Set(h.filter((name) => name !== '')).size > 1).length).toBeGreaterThan(3);
    expect(found.length).toBeGreaterThan(10);
    for (const [, reference, ...others] of found) for (const r of others) expect(r).toEqual(reference);
    const reference = detectors[0].state();
    for (const d of detectors.slice(1)) expect(d.state()).toEqual(reference);
  });

  it("reads ahead into the batch's next indices without acting on them", () => {
    // the same events, one array each, and as ranges of one array per 1000 events whose tail (after
    // the last event) holds columns never seen: findings and states are equal
    const table = new NameTable();
    const events = [...fieldTurns(table, 30_000)];
    const options = { ...smallTables, maxTracked: 48 };
    const [single, batched] = withCacheSizes([1 << 18, 1 << 18], options);
    const found: unknown[][] = [];
    for (let b = 0; b < events.length; b += 1000) {
      const batch = events.slice(b, b + 1000);
      const indices = Int32Array.from([...batch.flat(), 1 << 30, 7, 123_456_789, 2 ** 31 - 1]);
      let start = 0;
      for (const [k, features] of batch.entries()) {
        single.update({
          indices: Int32Array.from(features),
          start: 0,
          end: features.length,
          nameOf: table.nameOf,
        });
        batched.update({ indices, start, end: start + features.length, nameOf: table.nameOf });
        start += features.length;
        const reports = [single, batched].map((d) => (d.driftDetected ? d.report : null));
        if (reports.some((r) => r !== null)) found.push([b + k, ...reports]);
      }
    }
    expect(found.length).toBeGreaterThan(10);
    for (const [, a, z] of found) expect(z).toEqual(a);
    expect(batched.state()).toEqual(single.state());
  });

  it('a restored detector forgets the columns it had cached', () => {
    const table = new NameTable();
    const options = { alpha: 1e-3, maxTracked: 48, maxFields: 5, warmupEvents: 500, horizonEvents: 1500 };
    const events = [...fieldTurns(table, 40_000)];
    const x = { indices: new Int32Array(8), start: 0, end: 0, nameOf: table.nameOf };
    const run = (d: SequentialSparsityDetector, from: number, to: number) => {
      for (let t = from; t < to; t++) {
        x.indices.set(events[t]);
        x.end = events[t].length;
        d.update(x);
      }
    };
    const reference = new SequentialSparsityDetector({ ...options, fieldCacheSize: 0 });
    run(reference, 0, 10_000);
    const saved = reference.state();
    run(reference, 10_000, 40_000);
    // this one has cached the columns' fields of a later stretch of the stream, then goes back
    const restored = new SequentialSparsityDetector(options);
    run(restored, 0, 30_000);
    restored.restore(saved);
    run(restored, 10_000, 40_000);
    expect(restored.state()).toEqual(reference.state());
  });
});

describe('sequential input drift: the column → field cache, keyed by high bits', () => {
  it('columns far beyond its size, and columns that share low bits, get their own fields as it grows', () => {
    // 3000 columns: 2000 spread over [0, 2^12) (the cache's misplaced entries would name real
    // columns) and 1000 at 2^20 to 2^22 beyond one of those (equal low 20 bits: a tag kept to 16
    // bits would mix them up); six a event, Zipf popularity that changes every 6000 events; the
    // cache grows from 16 entries (tags move into the index); 7 fields in 5 field slots, and numbers
    const rng = new Mulberry32(21);
    const dense: number[] = [];
    const taken = new Set<number>();
    for (let r = 0; dense.length < 2000; r++) {
      const id = Math.imul(r + 1, 0x9e3779b1) >>> 20;
      if (!taken.has(id)) dense.push(id);
      taken.add(id);
    }
    const ids = Array.from({ length: 3000 }, (_, r) =>
      r % 3 === 2 ? dense[r % 2000] + ((1 + (r % 4)) << 20) : dense[r - Math.floor(r / 3)],
    );
    const names = new Map(ids.map((id, r) => [id, r % 5 === 0 ? `x${r}` : `f${r % 7}=v${r}`]));
    const nameOf = (id: number) => names.get(id)!;
    const detectors = withCacheSizes([0, 16, 256, 1 << 12], { ...smallTables, maxTracked: 16 });
    const x = { indices: new Int32Array(6), start: 0, end: 6, nameOf };
    const found: unknown[][] = [];
    for (let t = 1; t <= 30_000; t++) {
      const shift = 37 * Math.floor(t / 6000);
      for (let k = 0; k < 6; k++) x.indices[k] = ids[(Math.floor(3000 ** rng.next()) - 1 + shift) % 3000];
      for (const d of detectors) d.update(x);
      const reports = detectors.map((d) => (d.driftDetected ? d.report : null));
      if (reports.some((r) => r !== null)) found.push([t, ...reports]);
    }
    expect(found.length).toBeGreaterThan(20);
    for (const [, reference, ...others] of found) for (const r of others) expect(r).toEqual(reference);
    const reference = detectors[0].state();
    for (const d of detectors.slice(1)) expect(d.state()).toEqual(reference);
  });
});

describe('sequential input drift: the column → field cache, field slots beyond its entries', () => {
  it('a field whose slot does not fit an entry is not cached (its code would run into the tag)', () => {
    // 65,536 numbers fill the table, so the field f takes slot 65,536; with 16 entries, column
    // 100,000's entry would read as column 100,016's (index 0, tag one higher) with field slot 0
    const nameOf = (j: number) => (j === 100_000 ? 'f=a' : j === 100_016 ? 'f=b' : `x${j}`);
    const detectors = [0, 16].map(
      (fieldCacheSize) =>
        new SequentialSparsityDetector({ maxTracked: 65_536, maxFields: 4, fieldCacheSize }),
    );
    const events = Array.from({ length: 66 }, (_, e) => Array.from({ length: 1000 }, (_, k) => 1000 * e + k));
    events.push([100_000], [100_016], [100_016]);
    for (const e of events) {
      const x = { indices: Int32Array.from(e), start: 0, end: e.length, nameOf };
      for (const d of detectors) d.update(x);
    }
    const [reference, cached] = detectors.map((d) => d.state());
    expect(reference.fieldSlots[0]).toBe(65_536);
    // the large arrays byte for byte (toEqual goes element by element), then the rest
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const big = ['f64', 'i32', 'u8', 'featureKeys', 'featureSlots'] as const;
    const arrays = (s: typeof reference) => big.flatMap((k) => [s[k]].flat());
    const want = arrays(reference);
    arrays(cached).forEach((a, j) => expect(bytes(a).equals(bytes(want[j]))).toBe(true));
    const rest = (s: typeof reference) => ({ ...s, ...Object.fromEntries(big.map((k) => [k, null])) });
    expect(rest(cached)).toEqual(rest(reference));
  });
});

describe('sequential input drift: the event’s slots are looked up before they are applied', () => {
  const options = { maxTracked: 2, warmupEvents: 100 };
  const nameOf = (j: number) => `x${j}`;
  const count = SEQUENTIAL_F64_NAMES.indexOf('count');
  const feedAll = (d: SequentialSparsityDetector, events: number[][]) => {
    for (const e of events) d.update({ indices: Int32Array.from(e), start: 0, end: e.length, nameOf });
  };

  it('a column twice in one event is admitted once', () => {
    const d = new SequentialSparsityDetector(options);
    feedAll(d, [[1], [5, 5], [5]]);
    const s = d.state();
    expect([...s.featureKeys]).toEqual([1, 5]);
    expect(s.features).toBe(2);
    const slot5 = s.featureSlots[1];
    for (let slot = 0; slot < s.used; slot++)
      if (s.u8[0][slot] === 1) expect([...s.featureSlots]).toContain(slot);
    expect(s.f64[count][slot5]).toBe(3);
  });

  it('a feature released by an admission earlier in the same event is looked up again', () => {
    // 1 and 2 fill the table and are listed as replaceable at event 1024; 3, counted three times
    // in the sketch, takes 1's slot at the last event, which has 1 after 3
    const d = new SequentialSparsityDetector(options);
    const events = [[1, 2], ...Array.from({ length: 1100 }, () => []), [3], [3], [3, 1]];
    feedAll(d, events);
    const s = d.state();
    const at = [...s.featureKeys].indexOf(3);
    expect(at).toBeGreaterThanOrEqual(0);
    expect([...s.featureKeys]).not.toContain(1);
    // 3 occurred once in the table: 1's occurrence is not applied to the slot it had
    expect(s.f64[count][s.featureSlots[at]]).toBe(1);
    expect(s.features).toBe(s.featureKeys.length);
  });
});

describe('loss tests: a batch in the watch phase runs in the inner test’s own loop', () => {
  /** Values with a shift every 1500, a few non-finite ones, and a mask with gaps. */
  function stream(n: number, seed: number) {
    const rng = new Mulberry32(seed);
    const values = new Float64Array(n);
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const level = Math.floor(i / 1500) % 3;
      values[i] = i % 977 === 5 ? NaN : i % 1303 === 9 ? Infinity : rng.next() + 0.4 * level;
      mask[i] = rng.next() < 0.85 ? 1 : 0;
    }
    return { values, mask };
  }
  const detectors = () => [
    new GuardedDetector('page-hinkley', {
      warmup: 200,
      cooldown: 150,
      pageHinkley: { delta: 0.1, threshold: 12, alpha: 1, minInstances: 30, mode: 'both' },
    }),
    new GuardedDetector('adwin', { warmup: 200, cooldown: 150, adwin: { delta: 0.01 } }),
  ];

  it('gives the detections, reports and state of `update` value by value, whatever the batches', () => {
    const n = 20_000;
    const { values, mask } = stream(n, 9);
    for (const [k, reference] of detectors().entries()) {
      const want: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (mask[i] !== 1) continue;
        reference.update(values[i]);
        if (reference.driftDetected) want.push([i, reference.report, reference.state()]);
      }
      expect(want.length).toBeGreaterThan(5);
      for (const size of [1, 7, 500, n]) {
        const batched = detectors()[k];
        const got: unknown[] = [];
        for (let start = 0; start < n; start += size) {
          const end = Math.min(n, start + size);
          for (let i = start; i < end; i++) {
            i = batched.updateWhere(values, mask, i, end);
            if (i < end) got.push([i, batched.report, batched.state()]);
          }
        }
        expect(got).toEqual(want);
        expect(batched.state()).toEqual(reference.state());
      }
    }
  });
});

describe('sequential input drift: the slot table', () => {
  it("a field's level count is halved with its count, so levels per occurrence stay the field's", () => {
    // field f has two levels in every event; the horizon of 300 halves its counts every ~150 events
    const detector = new SequentialSparsityDetector({ horizonEvents: 300, warmupEvents: 100, armEvents: 50 });
    const names = ['f=a', 'f=b', 'x'];
    const x = { indices: Int32Array.of(0, 1, 2), start: 0, end: 3, nameOf: (j: number) => names[j] };
    for (let t = 0; t < 5000; t++) detector.update(x);
    const state = detector.state();
    const field = state.fieldSlots[0];
    const column = (name: string) => state.f64[SEQUENTIAL_F64_NAMES.indexOf(name)];
    expect(column('exposure')[field]).toBeLessThan(300);
    const perOccurrence = column('levelSum')[field] / column('count')[field];
    expect(perOccurrence).toBeGreaterThan(1.9);
    expect(perOccurrence).toBeLessThan(2.1);
  });
});

describe('sequential input drift: the CUSUMs’ log-likelihood ratios', () => {
  it('are those of the rate they were refreshed at, for rates below and above ½', () => {
    const detector = new SequentialSparsityDetector({ warmupEvents: 200, armEvents: 100, armCount: 10 });
    const rng = new Mulberry32(4);
    const rates = [0.02, 0.1, 0.3, 0.45, 0.55, 0.8, 0.97];
    const x = { indices: new Int32Array(rates.length), start: 0, end: 0, nameOf: (j: number) => `x${j}` };
    for (let t = 0; t < 20_000; t++) {
      x.end = 0;
      rates.forEach((q, j) => {
        if (rng.next() < q) x.indices[x.end++] = j;
      });
      detector.update(x);
    }
    const state = detector.state();
    const column = (name: string) => state.f64[SEQUENTIAL_F64_NAMES.indexOf(name)];
    const refreshed = new Set<string>();
    for (const slot of state.featureSlots) {
      const q0 = column('llrRate')[slot];
      expect(q0).toBeGreaterThan(0);
      const qd = q0 / 2;
      const qu = q0 < 0.5 ? 2 * q0 : (1 + q0) / 2;
      expect(column('downAbsent')[slot]).toBe(Math.log((1 - qd) / (1 - q0)));
      expect(column('downPresent')[slot]).toBe(Math.log(qd / q0));
      expect(column('upAbsent')[slot]).toBe(Math.log((1 - qu) / (1 - q0)));
      expect(column('upPresent')[slot]).toBe(Math.log(qu / q0));
      refreshed.add(q0 < 0.5 ? 'below' : 'above');
    }
    expect(refreshed).toEqual(new Set(['below', 'above']));
  });
});

describe('sequential input drift: restored mid-test', () => {
  /**
   * Features at rates below and above ½ (the CUSUM up's ln(qu / q0) is kept only above), a field's
   * levels, new features under their appeared test when the state is taken, a rate that rises:
   * every quantity a restore must put back.
   */
  function* stream(events: number) {
    const rng = new Mulberry32(11);
    const rates = [0.02, 0.1, 0.3, 0.55, 0.8, 0.97, 0.4, 0.6];
    const x = { indices: new Int32Array(16), start: 0, end: 0 };
    for (let t = 1; t <= events; t++) {
      x.end = 0;
      rates.forEach((q, j) => {
        const rate = j === 4 && t > 5000 ? 0.995 : j === 3 && t > 5500 ? 0.2 : q;
        if (rng.next() < rate) x.indices[x.end++] = j;
      });
      // new features after the warm-up, and a level of f=a or f=b in every other event, then in all
      if (t > 2500) for (let j = 8; j < 12; j++) if (rng.next() < 0.05 * (j - 7)) x.indices[x.end++] = j;
      if (t % 2 === 0 || t > 6000) x.indices[x.end++] = 12 + (rng.next() < 0.7 ? 0 : 1);
      yield x;
    }
  }
  const nameOf = (j: number) => (j === 12 ? 'f=a' : j === 13 ? 'f=b' : `x${j}`);
  const options = { warmupEvents: 400, armEvents: 300, armCount: 10, appearEvents: 100, horizonEvents: 2000 };
  const run = (restoreAt: ReadonlySet<number>) => {
    let detector = new SequentialSparsityDetector(options);
    const found: Array<[number, SequentialSparsityReport | null]> = [];
    let appearing = 0;
    let t = 0;
    for (const x of stream(8000)) {
      if (restoreAt.has(++t)) {
        const state = detector.state();
        const from = state.f64[SEQUENTIAL_F64_NAMES.indexOf('appearFrom')];
        appearing += [...state.featureSlots].filter((s) => from[s] > 0).length;
        detector = new SequentialSparsityDetector(options);
        detector.restore(state);
      }
      detector.update({ ...x, nameOf });
      if (detector.driftDetected) found.push([t, detector.report]);
    }
    return { found, appearing, state: detector.state() };
  };

  it('a detector restored while features are under test goes on as the uninterrupted one, to the bit', () => {
    const reference = run(new Set());
    const kinds = new Set(reference.found.flatMap(([, r]) => r!.findings.map((f) => f.kind)));
    expect(kinds).toEqual(new Set(['appeared', 'rate-up', 'rate-down']));
    const column = (name: string) => reference.state.f64[SEQUENTIAL_F64_NAMES.indexOf(name)];
    const slots = [...reference.state.featureSlots];
    expect(slots.some((s) => column('llrRate')[s] >= 0.5)).toBe(true);
    // the field's rate rose (a restart): its level sum restarted with its count
    const field = reference.state.fieldSlots[0];
    expect(
      reference.found.some(([, r]) => r!.findings.some((f) => f.field === 'f' && f.kind === 'rate-up')),
    ).toBe(true);
    expect(Math.abs(column('levelSum')[field] / column('count')[field] - 1)).toBeLessThan(0.01);
    for (const at of [2600, 2700, 5200, 5800]) {
      const restored = run(new Set([at]));
      if (at < 3000) expect(restored.appearing).toBeGreaterThan(0);
      expect(restored.found).toEqual(reference.found);
      expect(restored.state).toEqual(reference.state);
    }
  });
});

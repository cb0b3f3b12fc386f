import { describe, expect, it } from 'vitest';

import {
  AD_APPEAR_AT,
  AD_STOP_AT,
  NameTable,
  adScenario,
  stationaryMix,
} from '../../bench/drift/sparseStreams.js';
import { Mulberry32 } from '../../bench/drift/streams.js';
import {
  DeadlineHeap,
  DriftMonitor,
  SequentialSparsityDetector,
  validateDriftConfig,
} from '../../src/drift/index.js';
import type { DriftMonitorState } from '../../src/drift/driftMonitor.js';
import type { Alert } from '../../src/model/snapshot.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import { exact } from '../helpers/exact.js';
import { feed, fixedClock, type SyntheticEvent } from './helpers.js';

/** Only the input tests: the loss of these synthetic events means nothing. */
const options = { clock: fixedClock, config: { loss: { enabled: false } } } as const;
const ALPHA = 1e-8;

interface Named {
  readonly feature: string;
  readonly field: boolean;
  readonly levels?: number;
  readonly referenceRate: number;
  readonly recentRate: number;
  readonly severity: string;
  readonly direction?: string;
}

function* asEvents(lists: Iterable<number[]>): Generator<SyntheticEvent> {
  for (const features of lists) yield { label: 0, loss: 0, features };
}

function run(lists: Iterable<number[]>, table: NameTable, monitor = new DriftMonitor(options)): Alert[] {
  return feed(asEvents(lists), 1000, (b) => monitor.onBatch(b), table.nameOf);
}

const findings = (a: Alert, kind: 'stopped' | 'appeared' | 'changed') => a.details[kind] as Named[];
const first = (alerts: readonly Alert[], kind: 'stopped' | 'appeared' | 'changed', name: string) =>
  alerts.find((a) => findings(a, kind).some((x) => x.feature === name));

/** Features `x0 … x{k-1}` at the given rates, with `change(t, rng, out)` editing event t's list. */
function* synthetic(
  table: NameTable,
  seed: number,
  n: number,
  rates: readonly number[],
  change: (t: number, rng: Mulberry32, out: number[]) => void = () => undefined,
): Generator<number[]> {
  const rng = new Mulberry32(seed);
  const ids = rates.map((_, k) => table.id(`x${k}`));
  for (let t = 0; t < n; t++) {
    const out: number[] = [];
    rates.forEach((q, k) => {
      if (rng.next() < q) out.push(ids[k]);
    });
    change(t, rng, out);
    yield out;
  }
}

describe('sequential input drift on the issue-12 ad scenario (defaults)', () => {
  const table = new NameTable();
  const alerts = run(adScenario(table), table);

  it('nothing before the change; noise5 and the hour field within tens of events; promo within 100', () => {
    expect(alerts.filter((a) => a.offset <= AD_STOP_AT)).toEqual([]);
    const x5 = first(alerts, 'stopped', 'noise5')!;
    expect(x5.offset - AD_STOP_AT).toBeLessThanOrEqual(1000);
    expect(x5.severity).toBe('critical');
    const hour = first(alerts, 'stopped', 'hour')!;
    expect(hour.offset - AD_STOP_AT).toBeLessThanOrEqual(3000);
    expect(findings(hour, 'stopped').find((x) => x.feature === 'hour')).toMatchObject({
      field: true,
      levels: 24,
      severity: 'critical',
    });
    expect(hour.message).toContain('field hour (24 levels)');
    const promo = first(alerts, 'appeared', 'promo')!;
    expect(promo.offset - AD_APPEAR_AT).toBeGreaterThan(0);
    expect(promo.offset - AD_APPEAR_AT).toBeLessThanOrEqual(2000);
    expect(findings(promo, 'appeared')[0]).toMatchObject({ field: true, severity: 'warning' });
  });

  it('one grouped finding per field: no hour level and no promo level is named on its own', () => {
    const names = alerts.flatMap((a) => [...findings(a, 'stopped'), ...findings(a, 'appeared')]);
    expect(names.filter((x) => /^(hour|promo)=/.test(x.feature))).toEqual([]);
  });

  it('device, missing from half the events, is a rate fall of the field 1 → ~0.5', () => {
    const device = first(alerts, 'changed', 'device')!;
    expect(device.offset - AD_STOP_AT).toBeLessThanOrEqual(1000);
    const x = findings(device, 'changed').find((c) => c.feature === 'device')!;
    expect(x).toMatchObject({ field: true, direction: 'down' });
    expect(x.referenceRate).toBeGreaterThan(0.99);
  });
});

describe('sequential input drift: delays against the statistical floor', () => {
  for (const q of [1, 0.2, 0.05]) {
    it(`a number at rate ${q} that stops is reported between ln(1/α)/q and 1.3·ln(4M/α)/q events later`, () => {
      const table = new NameTable();
      const rates = [q, 0.5, 0.3, 0.1, 0.05, 0.02];
      const stopAt = 30_000;
      const alerts = run(
        synthetic(table, 11, 40_000, rates, (t, _r, out) => {
          if (t >= stopAt && out[0] === table.id('x0')) out.shift();
        }),
        table,
      );
      expect(alerts.filter((a) => a.offset <= stopAt)).toEqual([]);
      const hit = first(alerts, 'stopped', 'x0')!;
      const delay = hit.offset - stopAt;
      const m = rates.length;
      expect(delay).toBeGreaterThanOrEqual(Math.log(1 / ALPHA) / q);
      expect(delay).toBeLessThanOrEqual((1.3 * Math.log((4 * m) / ALPHA)) / q);
      expect(hit.severity).toBe('critical');
    });
  }

  it('a halved rate (0.2 → 0.1) is a rate fall, a tripled one (0.05 → 0.15) a rise, both named', () => {
    const table = new NameTable();
    const alerts = run(
      synthetic(table, 12, 60_000, [0.5, 0.3], (t, rng, out) => {
        const p = t < 30_000 ? 0.2 : 0.1;
        if (rng.next() < p) out.push(table.id('half'));
        if (rng.next() < (t < 30_000 ? 0.05 : 0.15)) out.push(table.id('triple'));
      }),
      table,
    );
    expect(alerts.filter((a) => a.offset <= 30_000)).toEqual([]);
    const half = first(alerts, 'changed', 'half')!;
    const triple = first(alerts, 'changed', 'triple')!;
    // KL(0.1 ‖ 0.2) ≈ 0.037 nats per event: the CUSUM needs about h/KL ≈ 650 events
    expect(half.offset - 30_000).toBeLessThan(5000);
    expect(findings(half, 'changed').find((x) => x.feature === 'half')).toMatchObject({ direction: 'down' });
    const h = findings(half, 'changed').find((x) => x.feature === 'half')!;
    expect(h.referenceRate).toBeCloseTo(0.2, 1);
    expect(h.recentRate).toBeLessThan(0.15);
    expect(triple.offset - 30_000).toBeLessThan(5000);
    expect(findings(triple, 'changed').find((x) => x.feature === 'triple')).toMatchObject({
      direction: 'up',
    });
  });

  it('a fall in non-zeros per event names the field that accounts for it', () => {
    const table = new NameTable();
    const tags = Array.from({ length: 20 }, (_, k) => table.id(`tags=t${k}`));
    const alerts = run(
      synthetic(table, 13, 40_000, [1, 1, 1, 1, 1, 0.5, 0.5], (t, rng, out) => {
        out.push(table.id(`browser=b${Math.floor(rng.next() * 5)}`));
        if (t >= 30_000) return;
        for (let k = 0; k < 3; k++) {
          const id = tags[Math.floor(rng.next() * tags.length)];
          if (!out.includes(id)) out.push(id);
        }
      }),
      table,
    );
    const nnz = alerts.find((a) => a.details.nnz !== null);
    expect(nnz).toBeDefined();
    expect(nnz!.offset).toBeGreaterThan(30_000);
    const d = nnz!.details.nnz as { referenceMean: number; recentMean: number; fields: Named[] };
    expect(d.recentMean).toBeLessThan(d.referenceMean * 0.9);
    expect(d.fields.map((f) => f.feature)).toContain('tags');
    expect(d.fields.map((f) => f.feature)).not.toContain('browser');
  });
});

describe('sequential input drift: no page on stationary streams, bounded state, exact restore', () => {
  it('a million stationary events with Zipf, bursty and periodic arrivals raise nothing above info', () => {
    const table = new NameTable();
    const alerts = run(stationaryMix(table, 1, 1_000_000), table);
    expect(alerts.filter((a) => a.severity !== 'info')).toEqual([]);
  });

  it('with two million distinct names the exact state stays within maxTracked + maxFields', () => {
    const detector = new SequentialSparsityDetector({ maxTracked: 512, maxFields: 16 });
    const view = { indices: new Int32Array(16), start: 0, end: 0, nameOf: (i: number) => `w${i}` };
    let next = 1000;
    let most = 0;
    let stopped = -1;
    for (let t = 0; t < 400_000; t++) {
      let k = 0;
      if (t < 390_000) view.indices[k++] = 0; // a number present in every event until 390 000
      for (let j = 0; j < 5; j++) view.indices[k++] = next++;
      view.end = k;
      detector.update(view);
      most = Math.max(most, detector.trackedCount);
      if (
        detector.driftDetected &&
        detector.report!.findings.some((f) => f.index === 0 && f.kind === 'stopped')
      )
        stopped = t;
    }
    expect(next - 1000).toBe(2_000_000);
    expect(most).toBeLessThanOrEqual(512 + 16);
    expect(detector.state().used).toBeLessThanOrEqual(512 + 16);
    expect(stopped).toBeGreaterThanOrEqual(390_000);
    expect(stopped).toBeLessThan(390_100);
  });

  it('a monitor restored from its encoded state anywhere raises exactly the alerts of an uninterrupted one', () => {
    const table = new NameTable();
    const lists = [...adScenario(table)];
    const reference = run(lists, table);
    expect(reference.length).toBeGreaterThan(2);
    const restoreAt = new Set([5, 40, 59, 60, 61, 75, 89, 90, 91, 110]);
    let monitor = new DriftMonitor(options);
    const alerts: Alert[] = [];
    for (let b = 0; b < lists.length / 1000; b++) {
      if (restoreAt.has(b)) {
        const state = decodeState(encodeState(monitor.state())) as DriftMonitorState;
        monitor = DriftMonitor.fromState(options, state);
      }
      const batch = lists.slice(b * 1000, (b + 1) * 1000);
      alerts.push(
        ...feed(
          asEvents(batch),
          250,
          (x) => monitor.onBatch({ ...x, offset: x.offset + b * 1000 }),
          table.nameOf,
        ),
      );
    }
    expect(exact(alerts)).toEqual(exact(reference));
  });
});

describe('inputSequential settings', () => {
  it('bad values are named by path with what is expected', () => {
    const problems = validateDriftConfig({ inputSequential: { alpha: 2, maxTracked: 1.5, colour: 1 } });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'drift.inputSequential.alpha',
      'drift.inputSequential.colour',
      'drift.inputSequential.maxTracked',
    ]);
    expect(problems.find((p) => p.path === 'drift.inputSequential.alpha')!.message).toBe(
      'must be a number in (0, 1), got 2',
    );
  });
});

describe('DeadlineHeap', () => {
  it('pops entries in deadline order, as a sort does', () => {
    const rng = new Mulberry32(5);
    const heap = new DeadlineHeap(4);
    const reference: number[] = [];
    const popped: number[] = [];
    for (let k = 0; k < 5000; k++) {
      if (rng.next() < 0.6 || heap.size === 0) {
        const d = Math.floor(rng.next() * 1000);
        heap.push(d, k, 0);
        reference.push(d);
      } else {
        reference.sort((a, b) => a - b);
        expect(heap.top).toBe(reference.shift());
        popped.push(heap.top);
        heap.pop();
      }
    }
    expect(popped.length).toBeGreaterThan(100);
  });
});

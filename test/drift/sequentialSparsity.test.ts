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
  readonly group?: string;
}

function* asEvents(lists: Iterable<number[]>): Generator<SyntheticEvent> {
  for (const features of lists) yield { label: 0, loss: 0, features };
}

function run(lists: Iterable<number[]>, table: NameTable, monitor = new DriftMonitor(options)): Alert[] {
  return feed(asEvents(lists), 1000, (b) => monitor.onBatch(b), table.nameOf);
}

/**
 * `run` in batches of `size` events, the monitor replaced before batch b by one restored from its
 * encoded state when `restoreAt(b)`; `saw` gets each state restored from.
 */
function runRestored(
  lists: readonly number[][],
  table: NameTable,
  size: number,
  restoreAt: (b: number) => boolean,
  saw: (state: DriftMonitorState) => void = () => undefined,
): Alert[] {
  let monitor = new DriftMonitor(options);
  const alerts: Alert[] = [];
  for (let b = 0; b < lists.length / size; b++) {
    if (restoreAt(b)) {
      const state = monitor.state();
      saw(state);
      monitor = DriftMonitor.fromState(options, decodeState(encodeState(state)) as DriftMonitorState);
    }
    const batch = lists.slice(b * size, (b + 1) * size);
    const offset = b * size;
    alerts.push(
      ...feed(
        asEvents(batch),
        250,
        (x) => monitor.onBatch({ ...x, offset: x.offset + offset }),
        table.nameOf,
      ),
    );
  }
  return alerts;
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

  it('a fall in non-zeros per event accounted for by a stop already reported is not reported again', () => {
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
    // the stop of tags (20 levels, ~3 per event) is the change; the fall in non-zeros it causes
    // (9.9 → 7.0, judged ~100 events later) said nothing more (the fields a fall names: earlyFeature.test.ts)
    expect(alerts.map((a) => [a.severity, a.message])).toEqual([
      ['critical', 'input drift: stopped arriving: field tags (20 levels)'],
    ]);
    expect(alerts[0]!.offset).toBeGreaterThan(30_000);
    expect(alerts.filter((a) => a.details.nnz !== null)).toEqual([]);
  });
});

describe('sequential input drift: a fall in non-zeros per event after a reported rate fall', () => {
  it('is not reported again (it was a second warning naming no field), through state round trips too', () => {
    const table = new NameTable();
    const z = table.id('z');
    const lists = [
      ...synthetic(table, 21, 40_000, [1, 1], (t, rng, out) => {
        if (rng.next() < (t < 30_000 ? 0.4 : 0.1)) out.push(z);
      }),
    ];
    const alerts = run(lists, table);
    expect(alerts.map((a) => [a.severity, a.message.replace(/[\d.]+ → [\d.]+/, 'r0 → r1')])).toEqual([
      ['warning', 'input drift: z rate fell r0 → r1'],
    ]);
    expect(alerts.filter((a) => a.details.nnz !== null)).toEqual([]);
    // restored before every batch of 50 events: the falls reported are in the state
    expect(runRestored(lists, table, 50, () => true)).toEqual(alerts);
  });
});

describe('sequential input drift: a new level of a field is one change of that field', () => {
  /**
   * `device` at 0.45/0.3/0.15/0.1 until event 30 000, then a new level `kiosk` takes 30 % (the others
   * fall by 0.7); from event 40 000, independently, `browser=b0` falls from 0.6 to 0.2 and `b1`
   * rises from 0.4 to 0.8; numbers x0, x1 throughout.
   */
  function* stream(table: NameTable): Generator<number[]> {
    const levels = ['mobile', 'desktop', 'tablet', 'tv'].map((v) => table.id(`device=${v}`));
    const kiosk = table.id('device=kiosk');
    const [b0, b1] = [table.id('browser=b0'), table.id('browser=b1')];
    yield* synthetic(table, 21, 120_000, [0.5, 0.3], (t, rng, out) => {
      if (t >= 30_000 && rng.next() < 0.3) out.push(kiosk);
      else {
        let u = rng.next();
        let k = 0;
        for (const q of [0.45, 0.3, 0.15]) {
          if (u < q) break;
          u -= q;
          k++;
        }
        out.push(levels[k]);
      }
      out.push(rng.next() < (t < 40_000 ? 0.6 : 0.2) ? b0 : b1);
    });
  }
  const table = new NameTable();
  const alerts = run(stream(table), table);
  const levelsIn = (a: Alert, prefix: string) =>
    (['stopped', 'appeared', 'changed'] as const).flatMap((k) =>
      findings(a, k).filter((x) => x.feature.startsWith(prefix)),
    );

  it('one alert names the new level and the levels whose rates fell, with their numbers', () => {
    expect(alerts.filter((a) => a.offset <= 30_000)).toEqual([]);
    const device = alerts.filter((a) => levelsIn(a, 'device=').length > 0);
    expect(device).toHaveLength(1);
    const [a] = device;
    expect(a.offset - 30_000).toBeLessThanOrEqual(5000);
    expect(a.severity).toBe('warning');
    expect(findings(a, 'appeared')).toEqual([
      expect.objectContaining({ feature: 'device=kiosk', group: 'device', referenceRate: 0 }),
    ]);
    expect(findings(a, 'appeared')[0].recentRate).toBeCloseTo(0.3, 1);
    const fell = findings(a, 'changed');
    expect(fell.length).toBeGreaterThanOrEqual(1);
    for (const x of fell) {
      expect(x).toMatchObject({ direction: 'down', group: 'device' });
      expect(x.recentRate).toBeLessThan(x.referenceRate);
    }
    expect(a.message).toContain('levels of field device changed: device=kiosk appeared');
    expect(levelsIn(a, 'browser=')).toEqual([]);
  });

  it('a monitor restored while a group is pending raises the alerts of an uninterrupted one', () => {
    const t2 = new NameTable();
    const lists = [...stream(t2)];
    const reference = run(lists, t2);
    let pending = 0;
    const restored = runRestored(
      lists,
      t2,
      500,
      (b) => b >= 56 && b <= 90,
      (state) => {
        if ((state.sequential?.groups?.length ?? 0) > 0) pending++;
      },
    );
    expect(pending).toBeGreaterThan(0);
    expect(exact(restored)).toEqual(exact(reference));
  });

  it('levels slower to show the fall are not reported on their own later (12 seeds, 120 000 events)', () => {
    // without the levels' restart when the field's report goes out, some seeds (4 among them) give
    // a second device report: a smaller level's fall, found 10 000 or more events later
    const names = ['device=mobile', 'device=desktop', 'device=tablet', 'device=tv', 'device=kiosk'];
    const view = { indices: new Int32Array(1), start: 0, end: 1, nameOf: (i: number) => names[i]! };
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new Mulberry32(seed);
      const detector = new SequentialSparsityDetector();
      const reports: number[] = [];
      for (let t = 0; t < 120_000; t++) {
        let level = 0;
        if (t >= 30_000 && rng.next() < 0.3) level = 4;
        else
          for (let u = rng.next(); level < 3 && u >= [0.45, 0.3, 0.15][level]!; level++)
            u -= [0.45, 0.3, 0.15][level]!;
        view.indices[0] = level;
        detector.update(view);
        if (detector.driftDetected) reports.push(t);
      }
      expect({ seed, reports: reports.length }).toEqual({ seed, reports: 1 });
      expect(reports[0]! - 30_000).toBeLessThan(2000);
    }
  });

  it('an independent change of another field is its own alert', () => {
    const browser = alerts.filter((a) => levelsIn(a, 'browser=').length > 0);
    expect(browser).toHaveLength(1);
    expect(browser[0].offset).toBeGreaterThan(40_000);
    expect(levelsIn(browser[0], 'device=')).toEqual([]);
    expect(
      levelsIn(browser[0], 'browser=')
        .map((x) => x.feature)
        .sort(),
    ).toEqual(['browser=b0', 'browser=b1']);
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
    const alerts = runRestored(lists, table, 1000, (b) => restoreAt.has(b));
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

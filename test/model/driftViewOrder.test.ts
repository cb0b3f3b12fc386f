import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { DriftMonitor } from '../../src/drift/driftMonitor.js';
import { relativeWeights, type DriftView, type MaterialFilter } from '../../src/drift/materiality.js';
import { DriftViewBuilder, ScaledColumns, arrayIndex } from '../../src/model/driftView.js';
import { OnlineModel, orderByMagnitude, type OnlineModelOptions } from '../../src/model/onlineModel.js';
import type { Alert } from '../../src/model/snapshot.js';
import { fixedClock, snapshot } from '../drift/helpers.js';
import { ordered } from '../helpers/ordered.js';
import { Rng } from '../helpers/random.js';

/**
 * `OnlineModel.driftView` against the record it replaced (main before s23, written out below): the
 * same names, coefficients and relative weights in the same order (a record lists array-index keys
 * first), and the same `featureScale` table, in the same order (it is checkpointed), on fuzzed models
 * whose names include array indices, near misses ("007", "4294967295"), `__proto__`, and, with
 * `clash`, a numeric column named like a one-hot level (two columns, one name).
 */

/** `driftView` before s23: a record of the material coefficients, and the scales it left by name. */
function recordView(model: OnlineModel, filter: MaterialFilter) {
  const { indices, values } = model.coefficients();
  const n = indices.length;
  const names: string[] = [];
  for (let k = 0; k < n; k++) names.push(model.featurizer.nameOf(indices[k]));
  const scaled = model.standardize !== false;
  const scales = new Map<string, number>();
  const distinct = scaled ? scales : new Set<string>(names);
  const weights = new Float64Array(n);
  let max = filter.unit;
  for (let k = 0; k < n; k++) {
    const s = scaled ? model.columnScale(indices[k]) : 1;
    if (scaled) scales.set(names[k], s);
    const w = Math.abs(values[k]) * (Number.isFinite(s) && s > 0 ? s : 1);
    weights[k] = w;
    if (Number.isFinite(w) && w > max) max = w;
  }
  const coefficients = Object.create(null) as Record<string, number>;
  if (distinct.size < n) {
    // `view()`: every coefficient, by magnitude, scales rewritten in that order
    scales.clear();
    for (const k of orderByMagnitude(values)) {
      const name = model.featurizer.nameOf(indices[k]);
      coefficients[name] = values[k];
      if (scaled) scales.set(name, model.columnScale(indices[k]));
    }
    return { coefficients, scales, shared: true };
  }
  const kept: number[] = [];
  for (let k = 0; k < n && max > 0; k++) {
    if (!Number.isFinite(weights[k])) continue;
    const r = weights[k] / max;
    if (r >= filter.floor || (r >= filter.trackedFloor && filter.tracked(names[k]))) kept.push(k);
  }
  const material = Float64Array.from(kept, (k) => values[k]);
  for (const i of orderByMagnitude(material)) coefficients[names[kept[i]]] = material[i];
  return { coefficients, scales, shared: false };
}

/** The entries of a view, as [name, β, relative weight]. */
function entries(view: DriftView): Array<[string, number, number]> {
  return Array.from({ length: view.count }, (_, k) => [view.names[k], view.values[k], view.weights[k]]);
}

const NUMERIC = [
  '0',
  '7',
  '17',
  '300',
  '4294967294',
  '4294967295',
  '007',
  '-1',
  '1.5',
  '__proto__',
  'constructor',
  'x',
];

/** Events whose effects change in three phases; with `clash`, "site=a" is also a numeric field. */
function events(n: number, seed: number, clash: boolean): L1Event[] {
  const rng = new Rng(seed);
  const phases = NUMERIC.map(() => [0, 1, 2].map(() => (rng.next() < 0.3 ? 0 : rng.normal())));
  const out: L1Event[] = [];
  for (let i = 0; i < n; i++) {
    const phase = Math.min(2, Math.floor((3 * i) / n));
    const features = new Map<string, number | string>();
    let eta = -0.2;
    NUMERIC.forEach((name, f) => {
      const x = rng.normal();
      features.set(name, x);
      eta += phases[f][phase] * x;
    });
    for (let k = 0; k < 10; k++) features.set(`id${rng.int(300)}`, 1);
    features.set('site', rng.next() < 0.5 ? 'a' : 'b');
    if (clash) features.set('site=a', rng.normal());
    out.push({
      label: rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0,
      features: Object.fromEntries(features),
    });
  }
  return out;
}

/** A filter with random floors that tracks a random half of the names it is asked about. */
function fuzzedFilter(rng: Rng): MaterialFilter {
  const floor = [0.05, 0.2, 0.6][rng.int(3)];
  const trackedFloor = rng.next() < 0.5 ? 0.01 : floor;
  const salt = rng.int(1000);
  const tracked = (name: string) => (name.length * 31 + name.charCodeAt(0) + salt) % 2 === 0;
  // (a unit above the largest effect makes the weights absolute)
  const unit = [0, 0, 0.01, 0.5, 3][rng.int(5)];
  return { unit, floor, trackedFloor, tracked };
}

const CONFIGS: ReadonlyArray<[string, Partial<OnlineModelOptions>, boolean]> = [
  ['exact, standardized', { standardize: true }, false],
  ['exact, auto', { standardize: 'auto', learner: 'fobos', lambda: 2e-4 }, false],
  ['exact, raw', { standardize: false }, false],
  ['exact, a shared name', { standardize: 'auto' }, true],
  ['exact raw, a shared name', { standardize: false, learner: 'fobos', lambda: 2e-4 }, true],
  ['hashed 2^5 (collisions)', { hashBits: 5, standardize: true }, false],
  ['hashed 2^12', { hashBits: 12, standardize: 'auto', learner: 'fobos', lambda: 2e-4 }, true],
];

describe('OnlineModel.driftView against the record it replaced', () => {
  it.each(CONFIGS)('same entries in the same order, same scales (%s)', (_, options, clash) => {
    const model = new OnlineModel({ family: 'binomial', lambda: 1e-3, clock: fixedClock, ...options });
    const rng = new Rng(99);
    let indexNames = 0;
    let shared = 0;
    for (const [i, event] of events(3000, 5, clash).entries()) {
      model.process(event);
      if (i % 150 !== 149) continue;
      const filter = fuzzedFilter(rng);
      const old = recordView(model, filter);
      const view = model.driftView(filter);
      const expected = [
        ...relativeWeights(
          snapshot(1, old.coefficients),
          new Map(),
          (n) => old.scales.get(n) ?? 1,
          filter.unit,
        ),
      ];
      expect(entries(view)).toEqual(expected.map(([name, r]) => [name, old.coefficients[name], r]));
      expect([...model.checkpoint().snapshotScales]).toEqual([...old.scales]);
      for (const name of view.names.slice(0, view.count))
        expect(model.featureScale(name)).toBe(old.scales.get(name) ?? 1);
      if (view.names.slice(0, view.count).some((n) => arrayIndex(n) >= 0)) indexNames++;
      if (old.shared) shared++;
    }
    expect(indexNames).toBeGreaterThan(5);
    if (clash && options.hashBits === undefined) expect(shared).toBeGreaterThan(5);
  });

  it('raises the same alerts and keeps the same detector state (in order) as the records', () => {
    for (const [, options, clash] of CONFIGS) {
      const model = new OnlineModel({ family: 'binomial', lambda: 1e-3, clock: fixedClock, ...options });
      let scales = new Map<string, number>();
      const monitor = (scaleOf: (name: string) => number) =>
        new DriftMonitor({ family: 'binomial', clock: fixedClock, scaleOf });
      const byRecord = monitor((n) => scales.get(n) ?? 1);
      const byView = monitor((n) => model.featureScale(n));
      const alerts: { record: Alert[]; view: Alert[] } = { record: [], view: [] };
      for (const [i, event] of events(6000, 11, clash).entries()) {
        model.process(event);
        if (i % 200 !== 199) continue;
        const old = recordView(model, byRecord.materialFilter()!);
        scales = old.scales;
        const record = {
          ...snapshot(model.currentVersion, old.coefficients),
          key: model.key,
          offset: model.offset,
        };
        alerts.record.push(...byRecord.onSnapshot({ ...record, family: 'binomial' }));
        alerts.view.push(...byView.onSnapshot(model.driftView(byView.materialFilter()!)));
        expect(ordered(byView.state())).toEqual(ordered(byRecord.state()));
      }
      expect(alerts.view).toEqual(alerts.record);
      expect(alerts.record.length).toBeGreaterThan(2);
    }
  });

  it('orders ties by column and array-index names first, as a record does (fuzzed columns)', () => {
    const rng = new Rng(17);
    const builder = new DriftViewBuilder();
    for (let t = 0; t < 200; t++) {
      const n = 1 + rng.int(40);
      const columns = new ScaledColumns();
      const names: string[] = [];
      for (let k = 0; k < n; k++) {
        // few distinct magnitudes (ties), scales that are sometimes not usable (NaN, 0, ∞)
        const beta = (rng.next() < 0.5 ? -1 : 1) * [0.001, 0.5, 1, 2, 3][rng.int(5)];
        const scale = [1, 2, 0.5, NaN, 0, Infinity][rng.int(rng.next() < 0.8 ? 3 : 6)];
        columns.add(k, beta, scale);
        names.push(rng.next() < 0.3 ? String(rng.int(20)) + (rng.next() < 0.2 ? 'x' : '') : `f${k}`);
      }
      const unique = names.map((name, k) => (names.indexOf(name) === k ? name : `${name}#${k}`));
      const filter = fuzzedFilter(rng);
      const record = Object.create(null) as Record<string, number>;
      const scales = new Map<string, number>();
      const w = unique.map((_, k) => {
        const s = columns.scales[k];
        scales.set(unique[k], s);
        return Math.abs(columns.values[k]) * (Number.isFinite(s) && s > 0 ? s : 1);
      });
      const max = Math.max(filter.unit, ...w.filter(Number.isFinite));
      const kept = unique.flatMap((name, k) => {
        const r = w[k] / max;
        return max > 0 &&
          Number.isFinite(w[k]) &&
          (r >= filter.floor || (r >= filter.trackedFloor && filter.tracked(name)))
          ? [k]
          : [];
      });
      const material = Float64Array.from(kept, (k) => columns.values[k]);
      for (const i of orderByMagnitude(material)) record[unique[kept[i]]] = material[i];
      const expected = [
        ...relativeWeights(snapshot(1, record), new Map(), (name) => scales.get(name)!, filter.unit),
      ];
      const view = builder.select(
        columns,
        filter,
        { nameOf: (j) => unique[j] },
        { key: 'k', version: 1, offset: 2 },
      );
      expect(entries(view)).toEqual(expected.map(([name, r]) => [name, record[name], r]));
    }
  });

  it('arrayIndex picks the keys an object lists first', () => {
    const rng = new Rng(3);
    const pool = [
      '0',
      '1',
      '10',
      '2',
      '007',
      '-0',
      '4294967294',
      '4294967295',
      '99999999999',
      '1e3',
      ' 1',
      'a',
      '',
    ];
    for (let t = 0; t < 50; t++) {
      const record = Object.create(null) as Record<string, number>;
      const names = pool.filter(() => rng.next() < 0.6).sort(() => rng.next() - 0.5);
      for (const name of names) record[name] = 1;
      const first = names.filter((n) => arrayIndex(n) >= 0).sort((a, b) => arrayIndex(a) - arrayIndex(b));
      expect(Object.keys(record)).toEqual([...first, ...names.filter((n) => arrayIndex(n) < 0)]);
    }
  });
});

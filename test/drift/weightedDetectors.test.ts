import { describe, expect, it } from 'vitest';

import {
  SignFlipDetector,
  SupportDriftDetector,
  relativeWeights,
  type SignFlip,
  type SignFlipState,
  type SupportChange,
  type SupportDriftState,
} from '../../src/drift/index.js';
import { WeightedBuffer } from '../../src/drift/materiality.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { Rng } from '../helpers/random.js';
import { ordered } from '../helpers/ordered.js';
import { snapshot } from './helpers.js';

/**
 * The support and sign detectors read weighed arrays (`updateWeighted`) since s23; before, a Map of
 * relative weights by name. Here each runs beside its code before s23 (written out below, from the
 * same `state()`), on fuzzed snapshots whose names include array indices and `__proto__`: the same
 * reports, and the same state with every Map and Set in the same order (it is checkpointed).
 */

const NAMES = [
  '0',
  '2',
  '10',
  '4294967294',
  '4294967295',
  '007',
  '__proto__',
  'constructor',
  'b',
  'a',
  'c=1',
  'é',
];

function fuzzedSnapshots(seed: number, count: number): ModelSnapshot[] {
  const rng = new Rng(seed);
  const level = new Map<string, number>();
  const out: ModelSnapshot[] = [];
  for (let v = 1; v <= count; v++) {
    const coefficients = Object.create(null) as Record<string, number>;
    // insertion order shuffled: the record's key order is the detectors' order
    for (const name of [...NAMES, 'anchor'].sort(() => rng.next() - 0.5)) {
      if (name === 'anchor') {
        coefficients.anchor = 10;
        continue;
      }
      if (!level.has(name) || rng.next() < 0.3) {
        const u = rng.next();
        const size = u < 0.25 ? 0 : u < 0.4 ? 0.05 : u < 0.55 ? 0.3 : 1 + rng.int(8);
        level.set(name, (rng.next() < 0.5 ? -1 : 1) * size);
      }
      if (level.get(name) !== 0) coefficients[name] = level.get(name)!;
    }
    out.push(snapshot(v, coefficients));
  }
  return out;
}

/**
 * `SupportDriftDetector.update` before s23 (the state as its `state()` returns it), with s49's
 * share of each feature where it entered or held its place (no move is significant here, so every
 * report's largest share is 0).
 */
class OldSupport {
  features = new Map<string, { inSupport: boolean; streak: number; held: number }>();
  pendingLargest = 0;
  reference = new Set<string>();
  referenceSorted: string[] | null = [];
  pendingEntered = new Set<string>();
  pendingLeft = new Set<string>();
  snapshots = 0;
  sinceReport = Infinity;
  detected = false;
  last: SupportChange | null = null;

  constructor(
    private readonly o: {
      enter: number;
      exit: number;
      persistence: number;
      warmup: number;
      cooldown: number;
    },
  ) {}

  get support(): string[] {
    return [...this.features]
      .filter(([, s]) => s.inSupport)
      .map(([n]) => n)
      .sort();
  }

  update(snapshot: ModelSnapshot): void {
    this.detected = false;
    this.snapshots++;
    this.sinceReport++;
    const weights = relativeWeights(snapshot, new Map());
    for (const [name, r] of weights)
      if (r >= this.o.enter && !this.features.has(name))
        this.features.set(name, { inSupport: false, streak: 0, held: 0 });
    for (const [name, state] of this.features) {
      const r = weights.get(name) ?? 0;
      const moving = state.inSupport ? r < this.o.exit : r >= this.o.enter;
      state.streak = moving ? state.streak + 1 : 0;
      if (state.inSupport && !moving) state.held = r;
      if (state.streak >= this.o.persistence) {
        state.inSupport = !state.inSupport;
        state.streak = 0;
        if (state.inSupport) state.held = r;
        if (this.snapshots > this.o.warmup) {
          const [add, remove] = state.inSupport
            ? [this.pendingEntered, this.pendingLeft]
            : [this.pendingLeft, this.pendingEntered];
          if (remove.has(name)) remove.delete(name);
          else add.add(name);
        }
      }
      if (!state.inSupport && state.streak === 0) this.features.delete(name);
    }
    if (this.snapshots <= this.o.warmup) {
      const support = this.support;
      this.reference = new Set(support);
      this.referenceSorted = support;
      return;
    }
    if (this.pendingEntered.size + this.pendingLeft.size > 0 && this.sinceReport > this.o.cooldown) {
      const previous = (this.referenceSorted ??= [...this.reference].sort());
      const entered = [...this.pendingEntered].sort();
      const left = new Set(this.pendingLeft);
      const support = [...previous.filter((n) => !left.has(n)), ...entered].sort();
      const inter = support.filter((n) => this.reference.has(n)).length;
      const union = this.reference.size + support.length - inter;
      this.last = {
        entered,
        left: [...this.pendingLeft].sort(),
        // (since s25 rounded once, as supportDrift's jaccardDistance: 1 of 5 is 0.2 exactly)
        jaccardDistance: union === 0 ? 0 : (union - inter) / union,
        support,
        previousSupport: previous.slice(),
        largestShare: this.pendingLargest,
      };
      this.reference = new Set(support);
      this.referenceSorted = support;
      this.pendingEntered.clear();
      this.pendingLeft.clear();
      this.pendingLargest = 0;
      this.sinceReport = 0;
      this.detected = true;
    }
  }

  state(): SupportDriftState {
    const features = new Map<string, { inSupport: boolean; streak: number; held: number }>();
    for (const [name, s] of this.features) features.set(name, { ...s });
    return {
      features,
      reference: new Set(this.reference),
      pendingEntered: new Set(this.pendingEntered),
      pendingLeft: new Set(this.pendingLeft),
      pendingLargest: this.pendingLargest,
      snapshots: this.snapshots,
      sinceReport: this.sinceReport,
      detected: this.detected,
      last: this.last,
    };
  }
}

/** `SignFlipDetector.update` before s23. */
class OldSign {
  states = new Map<string, { sign: number; value: number; streak: number }>();
  streaking = new Set<string>();
  snapshots = 0;
  detected = false;
  last: readonly SignFlip[] = [];

  constructor(private readonly o: { material: number; persistence: number; warmup: number }) {}

  update(snapshot: ModelSnapshot): void {
    this.detected = false;
    this.snapshots++;
    const flips: SignFlip[] = [];
    const weights = relativeWeights(snapshot, new Map());
    for (const name of this.streaking) {
      if ((weights.get(name) ?? 0) < this.o.material) {
        this.states.get(name)!.streak = 0;
        this.streaking.delete(name);
      }
    }
    for (const [name, r] of weights) {
      if (r < this.o.material) continue;
      const beta = snapshot.coefficients[name];
      const sign = Math.sign(beta);
      const state = this.states.get(name);
      if (state === undefined) {
        this.states.set(name, { sign, value: beta, streak: 0 });
      } else if (sign === state.sign) {
        state.value = beta;
        if (state.streak > 0) this.streaking.delete(name);
        state.streak = 0;
      } else if (++state.streak >= this.o.persistence) {
        if (this.snapshots > this.o.warmup) flips.push({ feature: name, before: state.value, after: beta });
        state.sign = sign;
        state.value = beta;
        state.streak = 0;
        this.streaking.delete(name);
      } else {
        this.streaking.add(name);
      }
    }
    if (flips.length > 0) {
      this.last = flips.sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
      this.detected = true;
    }
  }

  state(): SignFlipState {
    const states = new Map<string, { sign: number; value: number; streak: number }>();
    for (const [name, s] of this.states) states.set(name, { ...s });
    return { states, snapshots: this.snapshots, detected: this.detected, last: this.last.slice() };
  }
}

interface Weighing<S> {
  update(s: ModelSnapshot, w?: ReadonlyMap<string, number>): void;
  updateWeighted(c: WeightedBuffer): void;
  restore(state: S): void;
  state(): S;
  readonly driftDetected: boolean;
}

/**
 * Feeds 50 fuzzed snapshots to a detector from `make` (replaced every `every` by one restored from
 * its state), by record, with a Map of weights or as weighed arrays in turn, and to `old`; after
 * each, the same detection and state. Returns the detections.
 */
function compare<S>(
  seed: number,
  make: () => Weighing<S>,
  old: { update(s: ModelSnapshot): void; state(): S; detected: boolean },
  every: number,
): number {
  let det = make();
  const buffer = new WeightedBuffer();
  let detections = 0;
  fuzzedSnapshots(seed, 50).forEach((snap, i) => {
    if (i % every === every - 1) {
      const restored = make();
      restored.restore(det.state());
      det = restored;
    }
    old.update(snap);
    if (i % 3 === 0) det.update(snap);
    else if (i % 3 === 1) det.update(snap, relativeWeights(snap, new Map()));
    else det.updateWeighted(buffer.weigh(snap.coefficients));
    expect(det.driftDetected).toBe(old.detected);
    expect(ordered(det.state())).toEqual(ordered(old.state()));
    if (old.detected) detections++;
  });
  return detections;
}

describe('support and sign detectors on weighed arrays, against their code before s23', () => {
  it('the support detector: same reports and state, Maps and Sets in the same order', () => {
    let reports = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(500 + seed);
      const o = {
        enter: 0.05,
        exit: 0.01,
        persistence: 1 + rng.int(3),
        warmup: rng.int(4),
        cooldown: rng.int(3),
      };
      const options = {
        persistence: o.persistence,
        warmupSnapshots: o.warmup,
        cooldownSnapshots: o.cooldown,
      };
      reports += compare(seed, () => new SupportDriftDetector(options), new OldSupport(o), 11);
    }
    expect(reports).toBeGreaterThan(100);
  });

  it('the sign detector: same flips and state, its Map in the same order', () => {
    let flips = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(900 + seed);
      const o = { material: [0.05, 0.2][rng.int(2)], persistence: 1 + rng.int(3), warmup: rng.int(3) };
      const options = { material: o.material, persistence: o.persistence, warmupSnapshots: o.warmup };
      flips += compare(seed, () => new SignFlipDetector(options), new OldSign(o), 13);
    }
    expect(flips).toBeGreaterThan(30);
  });
});

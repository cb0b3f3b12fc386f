import { describe, expect, it } from 'vitest';

import { SignFlipDetector, SupportDriftDetector, relativeWeights } from '../../src/drift/index.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { Rng } from '../helpers/random.js';
import { snapshot } from './helpers.js';

/**
 * The support and sign detectors keep bookkeeping to spare work per snapshot (the support as a
 * sorted list, updated by the moves; the sign detector's features on a streak). Here each is
 * compared, snapshot by snapshot, with a plain reference that recomputes everything (the code
 * before that bookkeeping), on fuzzed coefficient sequences, through a checkpoint and restore.
 */

/** Names whose sorted order is by UTF-16 code units, not by locale or length. */
const NAMES = ['a', 'B', 'b', 'a10', 'a9', 'é', 'e', 'Z', '😀x', 'x😀', 'c=1', 'c=10', 'c=2', '#7', '_'];

/** A snapshot whose coefficients wander across the support's and sign's thresholds. */
function fuzzedSnapshots(seed: number, count: number): ModelSnapshot[] {
  const rng = new Rng(seed);
  const level = new Map<string, number>();
  const out: ModelSnapshot[] = [];
  for (let v = 1; v <= count; v++) {
    const coefficients = Object.create(null) as Record<string, number>;
    coefficients.anchor = 10;
    for (const name of NAMES) {
      // mostly persistent levels (moves need persistence), sometimes a jump
      if (!level.has(name) || rng.next() < 0.25) {
        const u = rng.next();
        const size = u < 0.3 ? 0 : u < 0.45 ? 0.05 : u < 0.6 ? 0.3 : 1 + rng.int(8);
        level.set(name, (rng.next() < 0.5 ? -1 : 1) * size);
      }
      const beta = level.get(name)!;
      if (beta !== 0) coefficients[name] = beta;
    }
    out.push(snapshot(v, coefficients));
  }
  return out;
}

/** The support detector before the sorted-list bookkeeping: sorts the support at each report. */
class ReferenceSupport {
  private readonly features = new Map<string, { inSupport: boolean; streak: number }>();
  private reference = new Set<string>();
  private readonly entered = new Set<string>();
  private readonly left = new Set<string>();
  private snapshots = 0;
  private sinceReport = Infinity;
  report: { entered: string[]; left: string[]; support: string[]; previousSupport: string[] } | null = null;

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

  update(snap: ModelSnapshot): boolean {
    this.snapshots++;
    this.sinceReport++;
    const weights = relativeWeights(snap, new Map());
    for (const [name, r] of weights)
      if (r >= this.o.enter && !this.features.has(name))
        this.features.set(name, { inSupport: false, streak: 0 });
    for (const [name, state] of this.features) {
      const r = weights.get(name) ?? 0;
      const moving = state.inSupport ? r < this.o.exit : r >= this.o.enter;
      state.streak = moving ? state.streak + 1 : 0;
      if (state.streak >= this.o.persistence) {
        state.inSupport = !state.inSupport;
        state.streak = 0;
        if (this.snapshots > this.o.warmup) {
          const [add, remove] = state.inSupport ? [this.entered, this.left] : [this.left, this.entered];
          if (remove.has(name)) remove.delete(name);
          else add.add(name);
        }
      }
      if (!state.inSupport && state.streak === 0) this.features.delete(name);
    }
    if (this.snapshots <= this.o.warmup) {
      this.reference = new Set(this.support);
      return false;
    }
    if (this.entered.size + this.left.size === 0 || this.sinceReport <= this.o.cooldown) return false;
    const support = this.support;
    this.report = {
      entered: [...this.entered].sort(),
      left: [...this.left].sort(),
      support,
      previousSupport: [...this.reference].sort(),
    };
    this.reference = new Set(support);
    this.entered.clear();
    this.left.clear();
    this.sinceReport = 0;
    return true;
  }
}

/** The sign detector before the streak bookkeeping: visits every feature ever material. */
class ReferenceSign {
  private readonly states = new Map<string, { sign: number; value: number; streak: number }>();
  private snapshots = 0;
  flips: Array<{ feature: string; before: number; after: number }> = [];

  constructor(private readonly o: { material: number; persistence: number; warmup: number }) {}

  update(snap: ModelSnapshot): boolean {
    this.snapshots++;
    const flips: Array<{ feature: string; before: number; after: number }> = [];
    const weights = relativeWeights(snap, new Map());
    for (const [name, state] of this.states) if ((weights.get(name) ?? 0) < this.o.material) state.streak = 0;
    for (const [name, r] of weights) {
      if (r < this.o.material) continue;
      const beta = snap.coefficients[name];
      const sign = Math.sign(beta);
      const state = this.states.get(name);
      if (state === undefined) this.states.set(name, { sign, value: beta, streak: 0 });
      else if (sign === state.sign) {
        state.value = beta;
        state.streak = 0;
      } else if (++state.streak >= this.o.persistence) {
        if (this.snapshots > this.o.warmup) flips.push({ feature: name, before: state.value, after: beta });
        state.sign = sign;
        state.value = beta;
        state.streak = 0;
      }
    }
    if (flips.length === 0) return false;
    this.flips = flips.sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
    return true;
  }

  get streaks(): Map<string, number> {
    return new Map([...this.states].map(([n, s]) => [n, s.streak]));
  }
}

interface Restorable<S> {
  update(snapshot: ModelSnapshot, weights?: ReadonlyMap<string, number>): void;
  state(): S;
  restore(state: S): void;
}

/**
 * Feeds `snapshots` to a detector from `make`, replaced every `every` snapshots by one restored
 * from its state, with the monitor's precomputed weights on odd snapshots (its own on even ones);
 * `check` runs after each update.
 */
function feedWithRestores<S, D extends Restorable<S>>(
  make: () => D,
  snapshots: readonly ModelSnapshot[],
  every: number,
  check: (det: D, snapshot: ModelSnapshot, i: number) => void,
): void {
  let det = make();
  snapshots.forEach((snap, i) => {
    if (i % every === every - 1) {
      const restored = make();
      restored.restore(det.state());
      det = restored;
    }
    det.update(snap, i % 2 === 1 ? relativeWeights(snap, new Map()) : undefined);
    check(det, snap, i);
  });
}

describe('support and sign detectors against plain references (fuzzed snapshots)', () => {
  it('the support detector reports the same moves, supports and state, through restores', () => {
    let reports = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(1000 + seed);
      const o = {
        enter: 0.05,
        exit: 0.01,
        persistence: 1 + rng.int(3),
        warmup: rng.int(4),
        cooldown: rng.int(3),
      };
      const options = {
        enter: o.enter,
        exit: o.exit,
        persistence: o.persistence,
        warmupSnapshots: o.warmup,
        cooldownSnapshots: o.cooldown,
      };
      const ref = new ReferenceSupport(o);
      // (the sorted support is rebuilt from the reference Set after a restore)
      feedWithRestores(
        () => new SupportDriftDetector(options),
        fuzzedSnapshots(seed, 60),
        17,
        (det, snap, i) => {
          const fired = ref.update(snap);
          expect(det.driftDetected, `seed ${seed} snapshot ${i + 1}`).toBe(fired);
          if (fired) {
            reports++;
            const r = det.report!;
            expect({
              entered: r.entered,
              left: r.left,
              support: r.support,
              previousSupport: r.previousSupport,
            }).toEqual(ref.report);
          }
          expect(det.support).toEqual(ref.support);
        },
      );
    }
    expect(reports).toBeGreaterThan(100);
  });

  it('the sign detector reports the same flips and keeps the same streaks, through restores', () => {
    let flips = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(2000 + seed);
      const o = { material: 0.05, persistence: 1 + rng.int(3), warmup: rng.int(3) };
      const options = { material: o.material, persistence: o.persistence, warmupSnapshots: o.warmup };
      const ref = new ReferenceSign(o);
      feedWithRestores(
        () => new SignFlipDetector(options),
        fuzzedSnapshots(seed, 60),
        13,
        (det, snap, i) => {
          const fired = ref.update(snap);
          expect(det.driftDetected, `seed ${seed} snapshot ${i + 1}`).toBe(fired);
          if (fired) {
            flips += det.report.length;
            expect(det.report).toEqual(ref.flips);
          }
          const streaks = new Map([...det.state().states].map(([n, s]) => [n, s.streak]));
          expect(streaks).toEqual(ref.streaks);
        },
      );
    }
    expect(flips).toBeGreaterThan(50);
  });
});

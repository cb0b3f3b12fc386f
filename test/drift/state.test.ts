import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import { DriftMonitor, type DriftMonitorOptions } from '../../src/drift/index.js';
import type { DriftMonitorState } from '../../src/drift/driftMonitor.js';
import type { Alert, ModelSnapshot } from '../../src/model/snapshot.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import type { LearnedBatch } from '../../src/stream/types.js';
import { exact } from '../helpers/exact.js';
import { Rng } from '../helpers/random.js';
import { fixedClock, learnedBatch, snapshot, syntheticEvents, type SyntheticEvent } from './helpers.js';

const rates = Array.from({ length: 60 }, (_, j) => [0.5, 0.2, 0.05, 0.01, 0.002][j % 5]);
const names = (j: number) => (j === 7 ? 'country=DE' : j === 8 ? '__proto__' : `f${j}`);

type Step = { readonly batch: LearnedBatch } | { readonly snapshot: ModelSnapshot };

/** Coefficients of online snapshot `v`: a support move, sign flips, names that are Object.prototype's. */
function onlineCoefficients(v: number): Record<string, number> {
  return Object.fromEntries([
    ['a', 2],
    ['b', v < 25 ? -1 : 0.8],
    [v < 10 ? 'c' : 'd', v < 10 ? 0.5 : 0.7],
    ['__proto__', v < 32 ? 1.2 : -1.1],
    [v < 18 ? 'constructor' : 'toString', -0.9],
  ]);
}

/** Batches of random sizes (so windows end mid-batch), with online and refit snapshots between. */
function script(events: Iterable<SyntheticEvent>, seed: number, every = 5000): Step[] {
  const rng = new Rng(seed);
  const steps: Step[] = [];
  let buf: SyntheticEvent[] = [];
  let size = 1 + rng.int(700);
  let offset = 0;
  let version = 0;
  let refits = 0;
  for (const e of events) {
    buf.push(e);
    if (buf.length < size) continue;
    steps.push({ batch: learnedBatch(buf, offset, names) });
    offset += buf.length;
    buf = [];
    size = 1 + rng.int(700);
    while (offset >= (version + 1) * every) {
      version++;
      steps.push({ snapshot: { ...snapshot(version, onlineCoefficients(version)), offset } });
      if (version % 3 === 0) {
        refits++;
        const coefficients = Object.fromEntries([
          ['a', 1],
          ['hasOwnProperty', refits < 6 ? 0.5 : -0.6],
          ...(refits < 4 ? [['e', 0.4]] : []),
        ]);
        steps.push({ snapshot: { ...snapshot(refits, coefficients, 'refit'), offset } });
      }
    }
  }
  if (buf.length > 0) steps.push({ batch: learnedBatch(buf, offset, names) });
  return steps;
}

function run(monitor: DriftMonitor, step: Step): Alert[] {
  return 'batch' in step ? monitor.onBatch(step.batch) : monitor.onSnapshot(step.snapshot);
}

/** Runs `steps`, replacing the monitor by one restored from its encoded state before each step in `at`. */
function runWithRestores(options: DriftMonitorOptions, steps: readonly Step[], at: ReadonlySet<number>) {
  let monitor = new DriftMonitor(options);
  const alerts: Alert[] = [];
  steps.forEach((step, i) => {
    if (at.has(i)) {
      const bytes = encodeState(monitor.state());
      monitor = DriftMonitor.fromState(options, decodeState(bytes) as DriftMonitorState);
    }
    alerts.push(...run(monitor, step));
  });
  return { alerts, monitor };
}

/** Step indices: random ones, in the warm-ups, just before and just after each alert (cool-downs). */
function restorePoints(steps: readonly Step[], alerts: readonly Alert[], seed: number): Set<number> {
  const rng = new Rng(seed);
  const at = new Set<number>();
  for (let k = 0; k < 12; k++) at.add(1 + rng.int(steps.length - 1));
  let offset = 0;
  const offsets = steps.map((s) => ('batch' in s ? (offset = s.batch.offset) : offset));
  const after = (o: number) => offsets.findIndex((x) => x > o);
  at.add(after(500)); // loss warm-up
  at.add(after(30_000)); // input-sparsity warm-up
  for (const a of alerts) {
    const i = after(a.offset);
    if (i > 0) at.add(i);
    const j = after(a.offset + 300);
    if (j > 0) at.add(j);
    const k = after(a.offset - 1500); // mid-window, before the window that found the change closes
    if (k > 0) at.add(k);
  }
  at.delete(-1);
  return at;
}

function checkScenario(
  options: DriftMonitorOptions,
  steps: readonly Step[],
  expectedTypes: readonly string[],
) {
  const reference = runWithRestores(options, steps, new Set());
  expect(new Set(reference.alerts.map((a) => a.type))).toEqual(new Set(expectedTypes));
  for (const seed of [1, 2]) {
    const at = restorePoints(steps, reference.alerts, seed);
    const restored = runWithRestores(options, steps, at);
    expect(exact(restored.alerts)).toEqual(exact(reference.alerts));
    expect(exact(restored.monitor.state())).toEqual(exact(reference.monitor.state()));
  }
  return reference.alerts;
}

describe('DriftMonitor state: a monitor restored at any point raises exactly the same alerts', () => {
  it('binomial: a feature stops, the base rate shifts, the support moves and signs flip (both sources)', () => {
    const after = rates.map((r, j) => (j === 7 ? 0 : r));
    const events = syntheticEvents(5, 200_000, rates, {
      changeAt: 100_000,
      ratesAfter: after,
      baseRateAfter: 0.45,
    });
    const options = {
      family: 'binomial',
      clock: fixedClock,
      scaleOf: (n: string) => 1 + n.length / 10,
    } as const;
    const alerts = checkScenario(options, script(events, 3), [
      'loss-drift',
      'input-drift',
      'support-drift',
      'sign-flip',
    ]);
    const flipped = alerts.filter((a) => a.type === 'sign-flip').flatMap((a) => a.details.flips as []);
    expect(flipped.map((f: { feature: string }) => f.feature)).toContain('__proto__');
  });

  it('gaussian, exact counters full: a new field found through the sketch, the error scale grows', () => {
    const events = syntheticEvents(6, 150_000, rates, {
      changeAt: 90_000,
      ratesAfter: [...rates, 0.05],
      sd: 1,
      sdAfter: 1.5,
    });
    const options = {
      family: 'gaussian',
      clock: fixedClock,
      config: {
        inputSparsity: { enabled: true, maxTracked: 60 },
        inputSequential: { maxTracked: 40, sketchWidth: 64 },
        support: { cooldownSnapshots: 2 },
      },
    } as const;
    checkScenario(options, script(events, 4), ['loss-drift', 'input-drift', 'support-drift', 'sign-flip']);
  });

  it('short windows and cool-downs: several changes, restores inside every phase', () => {
    function* segments(): Generator<SyntheticEvent> {
      yield* syntheticEvents(1, 20_000, rates, { baseRate: 0.3 });
      yield* syntheticEvents(
        2,
        20_000,
        rates.map((r, j) => (j === 7 ? 0 : r)),
        { baseRate: 0.5 },
      );
      yield* syntheticEvents(
        3,
        20_000,
        rates.map((r) => r * 1.6),
        { baseRate: 0.2 },
      );
    }
    const options = {
      family: 'binomial',
      clock: fixedClock,
      config: {
        loss: { warmupEvents: 300, cooldownEvents: 400, pageHinkley: { threshold: 30 } },
        inputSparsity: { enabled: true, windowEvents: 2000, warmupEvents: 4000, maxReferenceEvents: 8000 },
        inputSequential: { warmupEvents: 2000, armEvents: 2000, horizonEvents: 8000 },
      },
    } as const;
    const alerts = checkScenario(options, script(segments(), 5, 1500), [
      'loss-drift',
      'input-drift',
      'support-drift',
      'sign-flip',
    ]);
    expect(alerts.filter((a) => a.type === 'loss-drift').length).toBeGreaterThanOrEqual(2);
    expect(alerts.filter((a) => a.type === 'input-drift').length).toBeGreaterThanOrEqual(2);
  });
});

describe('DriftMonitor state: names and validation', () => {
  it('feature names that are Object.prototype members round-trip as Map keys', () => {
    const monitor = new DriftMonitor({ clock: fixedClock });
    for (let v = 1; v <= 4; v++) monitor.onSnapshot(snapshot(v, onlineCoefficients(v)));
    const state = decodeState(encodeState(monitor.state())) as DriftMonitorState;
    const support = state.supports.get('online')!;
    expect([...support.features.keys()]).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
    expect([...state.signs.get('online')!.states.keys()]).toContain('__proto__');
  });

  it('a different configuration, family or detector shape is refused with a StateError', () => {
    const config = { inputSparsity: { enabled: true } };
    const monitor = new DriftMonitor({ family: 'binomial', config });
    const state = monitor.state();
    expect(() =>
      DriftMonitor.fromState(
        { family: 'binomial', config: { ...config, loss: { adwin: { delta: 0.01 } } } },
        state,
      ),
    ).toThrow(/drift\.loss\.adwin\.delta = 0\.0001 but the configuration says 0\.01/);
    expect(() => DriftMonitor.fromState({ family: 'gaussian', config }, state)).toThrow(
      /watches .*label-rate/,
    );
    const input = state.input!;
    const sequential = state.sequential!;
    expect(() =>
      DriftMonitor.fromState(
        { family: 'binomial', config },
        { ...state, sequential: { ...sequential, used: -1 } },
      ),
    ).toThrow(/sequential input-drift checkpoint is malformed/);
    expect(() =>
      DriftMonitor.fromState(
        { family: 'binomial', config },
        { ...state, sequential: { ...sequential, maxFields: 3 } },
      ),
    ).toThrow(StateError);
    expect(() =>
      DriftMonitor.fromState(
        { family: 'binomial', config },
        { ...state, input: { ...input, refSketch: { ...input.refSketch, width: 16 } } },
      ),
    ).toThrow(StateError);
    expect(() =>
      DriftMonitor.fromState(
        { family: 'binomial', config },
        { ...state, input: { ...input, freeSlots: new Int32Array(2) } },
      ),
    ).toThrow(/malformed/);
  });
});

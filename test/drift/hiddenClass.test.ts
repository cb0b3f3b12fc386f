import { setFlagsFromString } from 'node:v8';

import { describe, expect, it } from 'vitest';

import { Adwin, GuardedDetector, PageHinkley, SequentialSparsityDetector } from '../../src/drift/index.js';

/**
 * A field that starts as a small integer and later holds a double gives its object a new hidden
 * class (V8 "map"): objects made before keep the old, deprecated one, and optimized code of every
 * method that checked it is thrown away (the sequential detector's, once its warm-up ends). Two
 * objects of a class have the same map when no field of theirs changed representation.
 */
setFlagsFromString('--allow-natives-syntax');
// %HaveSameMap only parses in code compiled after the flag is set
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

// each class's first objects are made here (maps are per class, shared by the file's tests)
describe('drift detectors keep their hidden class through warm-up and tests', () => {
  it('Page-Hinkley and the guarded detector around it (here with Page-Hinkley), past the guard’s warm-up', () => {
    const untouchedGuard = new GuardedDetector('page-hinkley', { warmup: 20 });
    const untouchedTest = new PageHinkley();
    const guard = new GuardedDetector('page-hinkley', { warmup: 20 });
    const test = new PageHinkley();
    for (let t = 0; t < 100; t++) {
      guard.update(3 + 0.25 * (t % 4));
      test.update(0.5 + 0.1 * (t % 3));
    }
    expect(sameMap(untouchedGuard, guard)).toBe(true);
    expect(sameMap(untouchedTest, test)).toBe(true);
  });

  it('ADWIN, over values that are not whole numbers', () => {
    const untouched = new Adwin();
    const test = new Adwin();
    for (let t = 0; t < 100; t++) test.update(0.3 + 0.1 * (t % 3));
    expect(sameMap(untouched, test)).toBe(true);
  });

  it('the sequential detector, past its warm-up (threshold, non-zeros average, look-ahead sum)', () => {
    const options = { warmupEvents: 100, armEvents: 50, armCount: 5 };
    const untouched = new SequentialSparsityDetector(options);
    const d = new SequentialSparsityDetector(options);
    const nameOf = (j: number) => (j < 3 ? `x${j}` : `f=v${j}`);
    for (let t = 0; t < 400; t++) {
      const e = t % 3 === 0 ? [0, 1, 3, 4] : [0, 2, 3];
      d.update({ indices: Int32Array.from(e), start: 0, end: e.length, nameOf });
    }
    expect(d.state().armed).toBeGreaterThan(0);
    expect(sameMap(untouched, d)).toBe(true);
  });
});

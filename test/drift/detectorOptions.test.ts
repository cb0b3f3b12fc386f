/**
 * The drift detectors built directly from plain JavaScript: a misspelled option was ignored and
 * its default used (`new Adwin({ delat: 0.01 })` kept delta 0.002). Each is refused with the key
 * meant; the DriftMonitor, which builds them from its config, gives them only what they read.
 */
import { describe, expect, it } from 'vitest';

import {
  Adwin,
  DriftMonitor,
  GuardedDetector,
  InputSparsityDetector,
  PageHinkley,
  SequentialSparsityDetector,
  SignFlipDetector,
  SupportDriftDetector,
} from '../../src/drift/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const js = <T>(o: object) => o as T;

describe('drift detectors built directly', () => {
  it.each([
    ['Adwin', () => new Adwin(js({ delat: 0.01 })), 'delat', 'delta'],
    ['PageHinkley', () => new PageHinkley(js({ threshhold: 5 })), 'threshhold', 'threshold'],
    ['SupportDriftDetector', () => new SupportDriftDetector(js({ entr: 0.1 })), 'entr', 'enter'],
    ['SignFlipDetector', () => new SignFlipDetector(js({ materail: 0.1 })), 'materail', 'material'],
    [
      'InputSparsityDetector',
      () => new InputSparsityDetector(js({ windowEvnts: 5 })),
      'windowEvnts',
      'windowEvents',
    ],
    [
      'SequentialSparsityDetector',
      () => new SequentialSparsityDetector(js({ horizonEvent: 5 })),
      'horizonEvent',
      'horizonEvents',
    ],
    ['GuardedDetector', () => new GuardedDetector('adwin', js({ warmpu: 50 })), 'warmpu', 'warmup'],
  ])('%s refuses a misspelled option, naming the one meant', (name, make, key, meant) => {
    const found = problems(make);
    expect([...found.keys()]).toEqual([`${name}: ${key}`]);
    expect(found.get(`${name}: ${key}`)).toMatch(new RegExp(`^unknown option; did you mean "${meant}`));
  });

  it("a guarded detector refuses the other kind's options, and its inner detector a misspelled one", () => {
    expect([...problems(() => new GuardedDetector('adwin', js({ pageHinkley: {} }))).keys()]).toEqual([
      'GuardedDetector: pageHinkley',
    ]);
    expect([
      ...problems(() => new GuardedDetector('page-hinkley', js({ pageHinkley: { minInstance: 3 } }))).keys(),
    ]).toEqual(['PageHinkley: minInstance']);
    expect(() => new GuardedDetector('adwin', { warmup: 50, adwin: { delta: 0.01 } })).not.toThrow();
  });

  it('the monitor builds every detector from its config (each section has enabled, which they do not read)', () => {
    const config = {
      inputSparsity: { enabled: true },
      inputSequential: { enabled: true },
      support: { enabled: true },
      signFlip: { enabled: true },
    };
    expect(() => new DriftMonitor({ config, family: 'binomial' })).not.toThrow();
    const monitor = new DriftMonitor({ config, family: 'binomial' });
    // the snapshot detectors are built at the first snapshot
    expect(() =>
      monitor.onSnapshot({
        key: 'k',
        offset: 1,
        source: 'online',
        intercept: 0,
        coefficients: { a: 1 },
      } as never),
    ).not.toThrow();
  });
});

/**
 * The options of `refitEvery`, `learn` and `learnByKey` from plain JavaScript: a misspelled key
 * was ignored (`refitEvery({ evry })`, `learnByKey({ scores: { enable: true } })` published no
 * score), and a value of the wrong kind failed only later, mid-stream, or never. Now each is a
 * ConfigError naming every problem at once.
 */
import { describe, expect, it } from 'vitest';

import {
  InlineRefitRunner,
  learn,
  learnByKey,
  OnlineModel,
  publish,
  refitEvery,
  type EventSource,
  type OutputSink,
  type LearnByKeyOptions,
  type LearnOptions,
  type RefitEveryOptions,
} from '../../src/index.js';
import type { LiveModel } from '../../src/model/liveModel.js';
import type { ModelRegistry } from '../../src/model/registry.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const deadLetters = { deadLetter: () => undefined };
const runner = new InlineRefitRunner();
const acquire = () => null;
const registry = {} as ModelRegistry<LiveModel>;
const model = new OnlineModel({ family: 'gaussian' });

const refit = (o: unknown) => () => refitEvery(o as RefitEveryOptions);
const learnWith = (o: unknown) => () => learn(model, o as LearnOptions);
const byKey = (o: unknown) => () => learnByKey(registry, o as LearnByKeyOptions);

describe('refitEvery options', () => {
  it('refuses a key it does not read, naming the one meant', () => {
    const found = problems(refit({ runner, acquire, now: Date.now, stoping: () => true }));
    expect([...found.keys()]).toEqual(['refitEvery: stoping']);
    expect(found.get('refitEvery: stoping')).toMatch(/^unknown option; did you mean "stopping"\?/);
    expect(problems(refit({ runner, acquire, now: Date.now, evry: 5 })).get('refitEvery: evry')).toMatch(
      /^unknown option \(known: runner, acquire, now, stats, stopping\)$/,
    );
  });

  it('refuses values of the wrong kind and missing ones, all at once', () => {
    const found = problems(refit({ runner: {}, now: 'x', stats: 3 }));
    expect(Object.fromEntries(found)).toEqual({
      'refitEvery: runner': expect.stringMatching(/^must be a RefitRunner .*, got \{\}$/),
      'refitEvery: acquire': 'required: a function',
      'refitEvery: now': 'must be a function, got "x"',
      'refitEvery: stats': 'must be an object, got 3',
    });
    expect(refit({ runner, acquire, now: Date.now })).not.toThrow();
    expect(refit({ runner, acquire, now: Date.now, stats: undefined, stopping: () => false })).not.toThrow();
  });

  it('refuses options that are not an object', () => {
    expect(Object.fromEntries(problems(refit(null)))).toEqual({
      refitEvery: 'options must be an object, got null',
    });
  });
});

describe('learn options', () => {
  it('refuses a misspelled key and a missing dead-letter sink', () => {
    const found = problems(learnWith({ deadletters: deadLetters, serialise: String }));
    expect([...found.keys()]).toEqual(['learn: deadletters', 'learn: serialise']);
    expect(found.get('learn: deadletters')).toMatch(/did you mean "deadLetters"\?/);
    expect(found.get('learn: serialise')).toMatch(/did you mean "serialize"\?/);
    expect(Object.fromEntries(problems(learnWith({ serialize: 'json' })))).toEqual({
      'learn: deadLetters': 'required: a dead-letter sink (an object with a deadLetter(letter) method)',
      'learn: serialize': 'must be a function, got "json"',
    });
    expect(learnWith({ deadLetters })).not.toThrow();
  });
});

describe('a required key missing beside an unknown one', () => {
  it('is named unless the unknown key is a misspelling of it', () => {
    // `acuire` is acquire misspelled: said once; `now`, also missing, is named too (it was hidden)
    expect(Object.fromEntries(problems(refit({ runner, acuire: acquire })))).toEqual({
      'refitEvery: acuire': expect.stringMatching(/^unknown option; did you mean "acquire"\?/),
      'refitEvery: now': 'required: a function',
    });
  });
});

describe('learnByKey options', () => {
  const scores = { enabled: true, top: 5 };
  it('refuses a misspelled key, also inside scores', () => {
    const found = problems(byKey({ deadLetters, scores: { enable: true, top: 5 } }));
    expect(Object.fromEntries(found)).toEqual({
      'learnByKey: scores.enable': expect.stringMatching(/^unknown option; did you mean "enabled"\?/),
    });
    expect([...problems(byKey({ deadLetters, scores, skiped: { count: 0 } })).keys()]).toEqual([
      'learnByKey: skiped',
    ]);
  });

  it('refuses values of the wrong kind, all at once', () => {
    const found = problems(
      byKey({ deadLetters: {}, scores: { enabled: 'yes', top: '5' }, skipped: { count: -1 } }),
    );
    expect(Object.fromEntries(found)).toEqual({
      'learnByKey: deadLetters': expect.stringMatching(/^must be a dead-letter sink .*, got \{\}$/),
      'learnByKey: scores.enabled': 'must be true or false, got "yes"',
      'learnByKey: scores.top':
        'must be a whole number >= 0, got "5": a number in quotes is a string; write it without them',
      'learnByKey: skipped.count': 'must be a whole number >= 0, got -1',
    });
    expect(Object.fromEntries(problems(byKey({ deadLetters })))).toEqual({
      'learnByKey: scores': 'required: an object',
    });
    expect(byKey({ deadLetters, scores, skipped: { count: 0 } })).not.toThrow();
  });
});

describe('publish arguments', () => {
  const sink = {
    model: () => undefined,
    score: () => undefined,
    alert: () => undefined,
    deadLetter: () => undefined,
    flush: () => Promise.resolve(),
  };
  const pub = (k: unknown, src: unknown) => () => publish(k as OutputSink, src as EventSource);

  it('names a sink without the methods it calls and a missing source at once (a TypeError at the first batch)', () => {
    expect(Object.fromEntries(problems(pub({ ...sink, flush: undefined, alert: 1 }, undefined)))).toEqual({
      'publish: sink':
        'has no method alert, flush: it must be an OutputSink (model, score, alert, deadLetter, flush)',
      'publish: source': 'must be the EventSource whose records are committed, got undefined',
    });
    expect(Object.fromEntries(problems(pub(null, { commit: 'yes' })))).toEqual({
      'publish: sink':
        'must be an OutputSink (FileOutputSink.open(dir), a Kafka sink, or your own), got null',
      'publish: source.commit': 'must be a function when given',
    });
    expect(pub(sink, {})).not.toThrow();
    expect(pub(sink, { commit: () => Promise.resolve() })).not.toThrow();
  });
});

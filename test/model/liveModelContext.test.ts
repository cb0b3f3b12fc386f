/**
 * `new LiveModel(key, context)` from plain JavaScript: a misspelled context key was ignored
 * (`clok`: the snapshots' createdAt came from the wall clock, not the clock given) and a missing
 * `now` was a TypeError from inside. Each is a ConfigError naming every problem at once.
 */
import { describe, expect, it } from 'vitest';

import { LiveModel, type LiveModelContext } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';
import { engineConfig } from '../engine/helpers.js';

const config = engineConfig({ refit: { enabled: false } });
const clock = () => new Date('2020-01-01T00:00:00Z');
const make = (context: object) => () => new LiveModel('k', context as LiveModelContext);

describe('the context of a LiveModel', () => {
  it('refuses a misspelled key, naming the one meant', () => {
    const found = problems(make({ config, clok: clock, now: () => 0 }));
    expect([...found.keys()]).toEqual(['LiveModel context: clok']);
    expect(found.get('LiveModel context: clok')).toMatch(/^unknown option; did you mean "clock"\?/);
  });

  it('names what is missing or of the wrong kind, all at once', () => {
    expect(Object.fromEntries(problems(make({ config: 'x', clock: 5 })))).toEqual({
      'LiveModel context: config': 'must be an object, got "x"',
      'LiveModel context: clock': 'must be a function, got 5',
      'LiveModel context: now': 'required: a function',
    });
  });

  it('stamps snapshots with the clock given', () => {
    const live = make({ config, clock, now: () => 0 })();
    expect(live.takeSnapshot().createdAt).toBe('2020-01-01T00:00:00.000Z');
  });
});

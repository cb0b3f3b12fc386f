/**
 * `decodeEvents(options)` from plain JavaScript: a misspelled option was ignored
 * (`maxrecordbytes: 100` left the bound at 1 MiB) and `maxRecordBytes: "x"` let a record of any
 * size through (its comparisons are false). Now a ConfigError names every problem.
 */
import { describe, expect, it } from 'vitest';

import { decodeEvents, type DecodeEventsOptions } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const deadLetters = { deadLetter: () => undefined };
const decode = (options: unknown) => () => decodeEvents(options as DecodeEventsOptions);

describe('the options of decodeEvents', () => {
  it('refuses a misspelled option, naming the one it meant', () => {
    const found = problems(decode({ family: 'binomial', deadLetters, maxrecordbytes: 100 }));
    expect(found.get('decodeEvents: maxrecordbytes')).toMatch(
      /^unknown option; did you mean "maxRecordBytes"\?/,
    );
  });

  it('refuses a family or a bound of the wrong type, all at once', () => {
    const found = problems(
      decode({ family: 'poisson', deadLetters, maxRecordBytes: 'x', yieldAfterMs: '5' }),
    );
    expect([...found.keys()]).toEqual([
      'decodeEvents: family',
      'decodeEvents: maxRecordBytes',
      'decodeEvents: yieldAfterMs',
    ]);
    expect(found.get('decodeEvents: maxRecordBytes')).toBe(
      'must be a whole number >= 1 (a longer record is dead-lettered unread), got "x"',
    );
    expect(
      decode({ family: 'binomial', deadLetters, maxRecordBytes: 100, engineEvents: true }),
    ).not.toThrow();
  });
});

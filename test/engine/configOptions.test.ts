/**
 * `checkEngineConfig(doc, options)` from plain JavaScript: a misspelled option was ignored
 * (`requre: ["kafka"]` left the section optional) and a section validator that is no function
 * failed inside the check. Each is named, with the document's own problems, in one ConfigError.
 */
import { describe, expect, it } from 'vitest';

import { checkEngineConfig, type EngineConfigOptions } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const doc = { model: { family: 'binomial', lambda: 0.01 } };
const check = (d: unknown, options: unknown) => () => checkEngineConfig(d, options as EngineConfigOptions);
const kafka = (raw: unknown) => raw;

describe('the options of checkEngineConfig', () => {
  it('refuses a misspelled option with the one meant, and still reads the others', () => {
    const found = problems(check({ ...doc, kafka: {} }, { sections: { kafka }, requre: ['kafka'] }));
    // the kafka section is known (sections was read): only the misspelled option is named
    expect([...found.keys()]).toEqual(['checkEngineConfig: requre']);
    expect(found.get('checkEngineConfig: requre')).toMatch(/^unknown option; did you mean "require"\?/);
  });

  it('names options of the wrong kind with the problems of the document, all at once', () => {
    const found = problems(
      check({ model: { family: 'binomial', lambda: -1 } }, { sections: { kafka: 'yes' }, require: 'kafka' }),
    );
    expect(Object.fromEntries(found)).toEqual({
      'checkEngineConfig: require': 'must be a list of strings, got "kafka"',
      'checkEngineConfig: sections.kafka': 'must be a validator function (raw, path) => section, got "yes"',
      'model.lambda': expect.any(String),
    });
    expect(Object.fromEntries(problems(check(doc, null)))).toEqual({
      checkEngineConfig: 'options must be an object, got null',
    });
  });

  it('takes options given right', () => {
    expect(check({ ...doc, kafka: {} }, { sections: { kafka }, require: ['kafka'] })).not.toThrow();
    expect(Object.fromEntries(problems(check(doc, { sections: { kafka }, require: ['kafka'] })))).toEqual({
      kafka: 'is required',
    });
  });
});

/**
 * A configuration built in code can hold what JSON cannot (NaN, Infinity, undefined): a problem
 * shows such a value as it is (it said `got null`, JSON's spelling of NaN and Infinity).
 */
import { describe, expect, it } from 'vitest';

import { checkKafkaConfig } from '../../connectors/kafka/config.js';
import { checkEngineConfig } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

describe('a value JSON cannot write', () => {
  it('is shown as it is in the engine configuration’s problems', () => {
    const found = problems(() =>
      checkEngineConfig({
        model: { family: 'binomial', lambda: NaN, l1Ratio: Infinity, rates: { schedule: NaN } },
        refit: { window: NaN, enabled: Number.NaN },
      }),
    );
    expect(found.get('model.lambda')).toBe('must be a finite number, got NaN');
    expect(found.get('model.l1Ratio')).toBe('must be a finite number, got Infinity');
    expect(found.get('model.rates.schedule')).toBe('must be "adagrad" or "constant", got NaN');
    expect(found.get('refit.window')).toMatch(/got NaN$/);
    expect(found.get('refit.enabled')).toBe('must be true or false, got NaN');
  });

  it('is shown as it is in the kafka section’s problems', () => {
    const found = problems(() =>
      checkKafkaConfig({ brokers: ['h:1'], topics: ['t'], partitions: NaN, groupId: undefined, prefix: 7 }),
    );
    expect(found.get('kafka.partitions')).toBe('must be a whole number >= 1, got NaN');
    expect(found.get('kafka.prefix')).toMatch(/got 7$/);
  });
});

describe('kafka.brokers and kafka.topics', () => {
  it('may be one comma-separated string, as L1S_KAFKA_BROKERS is (connectors/kafka/README.md)', () => {
    const config = checkKafkaConfig({ brokers: 'h1:9092, h2:9092', topics: 'a,b' });
    expect(config.brokers).toEqual(['h1:9092', 'h2:9092']);
    expect(config.topics).toEqual(['a', 'b']);
  });
});

describe('a model section that is not an object', () => {
  it('is named as such, null included (it read as a missing family)', () => {
    for (const model of [null, 'binomial', 7, ['binomial']]) {
      const found = problems(() => checkEngineConfig({ model }));
      expect(found.get('model')).toBe('must be an object with at least "family"');
      expect(found.has('model.family')).toBe(false);
    }
    expect(problems(() => checkEngineConfig({})).get('model.family')).toBe(
      'is required: "gaussian" or "binomial"',
    );
  });
});

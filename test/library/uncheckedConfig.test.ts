/**
 * `new Engine(config, ...)` from JavaScript, with a configuration `checkEngineConfig` did not
 * return: it is checked as `checkEngineConfig` checks one, every problem in one ConfigError (it
 * was a bare TypeError from deep inside), and a checked configuration is taken as it is.
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { checkKafkaConfig } from '../../connectors/kafka/config.js';
import { Engine, checkEngineConfig, type EngineConfig } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';
import { batchOf, keepingSink } from './helpers.js';

/** What plain JavaScript can pass where the types say `EngineConfig`. */
const unchecked = (config: unknown) => config as EngineConfig;
const ports = () => ({ source: { batches$: from([batchOf(0, 300)]) }, sink: keepingSink() });

describe('new Engine with a configuration checkEngineConfig did not return', () => {
  it('refuses a document checkEngineConfig refuses with the same problems, all of them', () => {
    for (const doc of [undefined, null, 7, {}, { model: null, refit: { window: 1, serve: 'x' } }]) {
      const found = problems(() => new Engine(unchecked(doc), ports()));
      expect(found).toEqual(problems(() => checkEngineConfig(doc)));
    }
    const found = problems(() => new Engine(unchecked({ model: null, refit: { window: 1 } }), ports()));
    expect([...found.keys()]).toEqual(['model', 'refit.window']);
  });

  it('runs a document checkEngineConfig accepts, as checked by it', async () => {
    const engine = new Engine(unchecked({ model: { family: 'binomial' }, refit: { threads: 0 } }), ports());
    expect(engine.config).toEqual(
      checkEngineConfig({ model: { family: 'binomial' }, refit: { threads: 0 } }),
    );
    expect((await engine.run()).learned).toBe(300);
  });

  it('checks an EngineConfig changed by hand, naming its own paths', () => {
    const config = checkEngineConfig({ model: { family: 'binomial', keyBy: 'c' }, refit: { threads: 0 } });
    const found = problems(
      () =>
        new Engine(
          unchecked({
            ...config,
            batchSize: 0,
            keys: { ...config.keys, maxLiveModels: -1 },
            checkpoints: { ...config.checkpoints, everyEvents: 'often' },
            refit: { ...config.refit, window: 1 },
            extensions: {},
            extra: 1,
          }),
          ports(),
        ),
    );
    expect([...found.keys()].sort()).toEqual([
      'batchSize',
      'checkpoints.everyEvents',
      'extensions',
      'extra',
      'keys.maxLiveModels',
      'refit.window',
    ]);
    expect(found.get('keys.maxLiveModels')).toMatch(/^must be a whole number >= 1.*got -1$/);
  });

  it('accepts an EngineConfig copied by hand as it was, extensions kept', () => {
    const config = checkEngineConfig(
      {
        model: {
          family: 'gaussian',
          learner: 'truncated-gradient',
          keyBy: 'campaign',
          maxLiveModels: 7,
          key: 'k',
          penaltyFactors: JSON.parse('{"__proto__": 0, "x": 2}') as unknown,
          truncatedGradient: { theta: 'Infinity' },
        },
        refit: { threads: 0, tolerance: 1e-6, everySeconds: 'Infinity', serve: 'refit' },
        snapshots: { everyEvents: 500 },
        scores: { top: 2 },
        drift: { enabled: false, support: { enter: 0.2 } },
        replay: { input: 'in.jsonl', out: 'out', batchSize: 64, readerThreads: 1 },
        state: { dir: 'st', continue: true, everyEvents: 99 },
        limits: { maxRecordBytes: 4096 },
        http: { port: 9000, host: '127.0.0.1' },
        kafka: { brokers: ['h:1'], topics: ['t'] },
      },
      { sections: { kafka: (raw, path) => checkKafkaConfig(raw, path) } },
    );
    const engine = new Engine({ ...config }, ports());
    expect(engine.config).not.toBe(config);
    expect(engine.config).toEqual(config);
    expect(engine.config.extensions.get('kafka')).toBe(config.extensions.get('kafka'));
  });

  it('takes a configuration checkEngineConfig returned as it is', () => {
    const config = checkEngineConfig({ model: { family: 'binomial' }, refit: { threads: 0 } });
    expect(new Engine(config, ports()).config).toBe(config);
  });
});

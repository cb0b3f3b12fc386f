/**
 * `new Engine(config, ports)` from JavaScript with ports the types would refuse: every problem
 * named in one ConfigError (`ports.sink`, `ports.source.batches$`, …), with the configuration's
 * own problems, instead of a bare TypeError from deep inside (it was "Cannot read properties of
 * undefined (reading 'sink')").
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import {
  Engine,
  InlineRefitRunner,
  MemoryStateStore,
  type EngineConfig,
  type EnginePorts,
} from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';
import { batchOf, keepingSink, MapStore } from './helpers.js';

const config = { model: { family: 'binomial' }, refit: { threads: 0 } } as unknown as EngineConfig;
/** What plain JavaScript can pass where the types say `EnginePorts`. */
const unchecked = (ports: unknown) => ports as EnginePorts;
const source = () => ({ batches$: from([batchOf(0, 300)]) });

describe('new Engine with ports that cannot be used', () => {
  it('names a missing or non-object ports argument, and each missing port', () => {
    for (const ports of [undefined, null, 3]) {
      const found = problems(() => new Engine(config, unchecked(ports)));
      expect([...found.keys()]).toEqual(['ports']);
      expect(found.get('ports')).toMatch(/^required: \{ source, sink \}/);
    }
    const found = problems(() => new Engine(config, unchecked({})));
    expect([...found.keys()]).toEqual(['ports.source', 'ports.sink']);
    expect(found.get('ports.source')).toMatch(/^required: an EventSource/);
    expect(found.get('ports.sink')).toMatch(/^required: an OutputSink/);
  });

  it('names every missing method, and optional ones that are not functions, of every port at once', () => {
    const { flush: _flush, alert: _alert, ...sink } = keepingSink();
    const found = problems(
      () =>
        new Engine(
          config,
          unchecked({
            source: { batches$: [batchOf(0, 10)], commit: 'yes' },
            sink: { ...sink, discard: 1 },
            store: { get: () => undefined, put: () => undefined },
            runner: {},
          }),
        ),
    );
    expect(found).toEqual(
      new Map([
        ['ports.source.commit', 'must be a function when given'],
        ['ports.sink', expect.stringMatching(/^has no method alert, flush: it must be an OutputSink/)],
        ['ports.sink.discard', 'must be a function when given'],
        ['ports.store', expect.stringMatching(/^has no method delete, keys: it must be a StateStore/)],
        ['ports.runner', expect.stringMatching(/^has no method run, close: it must be a RefitRunner/)],
      ]),
    );
    // batches$ is checked once the source is an object with usable methods
    const notObservable = problems(
      () => new Engine(config, unchecked({ source: { batches$: [] }, sink: keepingSink() })),
    );
    expect([...notObservable.keys()]).toEqual(['ports.source.batches$']);
  });

  it('names a misspelled port or option (a store under `stor` went unused: the states stayed in memory)', () => {
    const found = problems(
      () =>
        new Engine(
          config,
          unchecked({ source: source(), sink: keepingSink(), stor: new MemoryStateStore() }),
          {
            stopp: from([1]),
            partsize: 512,
          } as object,
        ),
    );
    expect([...found.keys()]).toEqual(['ports.stor', 'options.stopp', 'options.partsize']);
    expect(found.get('ports.stor')).toMatch(/^unknown port; did you mean "store"\?/);
    expect(found.get('options.stopp')).toMatch(/^unknown option; did you mean "stop"\?/);
    expect(found.get('options.partsize')).toMatch(/^unknown option; did you mean "partSize"\?/);
    expect([
      ...problems(() => new Engine(config, { source: source(), sink: keepingSink() }, null as never)).keys(),
    ]).toEqual(['options']);
  });

  it('names options of the wrong kind (rewindOnAssign: "yes" was read as false), all at once', () => {
    const found = problems(
      () =>
        new Engine(config, { source: source(), sink: keepingSink() }, {
          rewindOnAssign: 'yes',
          dropQueuedOnStop: 1,
          partSize: 'x',
          clock: 5,
        } as object),
    );
    expect(Object.fromEntries(found)).toEqual({
      'options.clock': 'must be a function, got 5',
      'options.dropQueuedOnStop': 'must be true or false, got 1',
      'options.rewindOnAssign': 'must be true or false, got "yes"',
      'options.partSize': 'must be a number >= 1 (records decoded and learned at a time), got "x"',
    });
    expect(
      () =>
        new Engine(
          config,
          { source: source(), sink: keepingSink() },
          {
            rewindOnAssign: true,
            dropQueuedOnStop: false,
            partSize: 256,
            clock: () => new Date(0),
          },
        ),
    ).not.toThrow();
  });

  it('names a misspelled option and the other options of the wrong kind together (the typo hid the others)', () => {
    const found = problems(
      () =>
        new Engine(config, { source: source(), sink: keepingSink() }, {
          partSize: -1,
          bogus: 1,
        } as object),
    );
    expect([...found.keys()].sort()).toEqual(['options.bogus', 'options.partSize']);
    expect(found.get('options.partSize')).toBe(
      'must be a number >= 1 (records decoded and learned at a time), got -1',
    );
  });

  it("reports the configuration's problems and the ports' together", () => {
    const found = problems(
      () =>
        new Engine({ refit: { window: 1 } } as unknown as EngineConfig, unchecked({ sink: keepingSink() })),
    );
    expect([...found.keys()]).toEqual(['model.family', 'refit.window', 'ports.source']);
  });

  it('runs with usable ports, the optional ones given or not', async () => {
    for (const extra of [
      {},
      { store: new MemoryStateStore(), runner: new InlineRefitRunner() },
      { store: new MapStore() },
    ]) {
      const engine = new Engine(config, { source: source(), sink: keepingSink(), ...extra });
      expect((await engine.run()).learned).toBe(300);
    }
  });
});

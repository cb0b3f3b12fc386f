/**
 * `state.dir` in a configuration is read by the command line (replay --state, run); an Engine of the
 * library keeps state only in the store it is given as a port. A state.dir with no store was
 * accepted silently, and nothing outlived the run (found by a library trial): it is a warning now.
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, MemoryStateStore, checkEngineConfig } from '../../src/index.js';
import { readByCommandLine } from '../../src/internal.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial' },
  refit: { enabled: false },
  state: { dir: 'my-state' },
});

describe('state.dir given to an Engine without a state store', () => {
  it('is a warning of the run that says which store to pass', async () => {
    const stats = await new Engine(config, {
      source: { batches$: from([batchOf(0, 50)]) },
      sink: keepingSink(),
    }).run();
    expect(stats.warnings).toEqual([
      'state.dir is "my-state" but this Engine was given no state store, so nothing was kept there: pass new DirectoryStateStore("my-state") (l1stream/file) as ports.store',
    ]);
  });

  it('with a store: no warning', async () => {
    const stats = await new Engine(config, {
      source: { batches$: from([batchOf(0, 50)]) },
      sink: keepingSink(),
      store: new MemoryStateStore(),
    }).run();
    expect(stats.warnings).toEqual([]);
  });
});

describe('entries the command line reads, given to an Engine of the library', () => {
  it('are warnings that say which port does the work (replay.exclude learned the field without a word)', async () => {
    const stats = await new Engine(
      checkEngineConfig({
        model: { family: 'binomial' },
        refit: { enabled: false },
        replay: { input: 'events.jsonl', out: 'out', exclude: ['id'] },
        http: { port: 9464 },
      }),
      { source: { batches$: from([batchOf(0, 50)]) }, sink: keepingSink() },
    ).run();
    expect(stats.warnings).toEqual([
      'replay.input is "events.jsonl", replay.out is "out", but an Engine reads only ports.source and writes only ports.sink (the command line builds them from these): pass jsonlSource(input) or csvSource(input, await readCsvHeader(input)) and FileOutputSink.open(out) (l1stream/file)',
      'replay.exclude is ["id"], but an Engine learns every field of its events (the command line leaves these out as it reads): drop the fields in your source',
      'http.port is 9464, but an Engine serves no HTTP (l1stream run does): serve an EngineMetrics (its observer) with an OpsServer',
    ]);
  });

  it('are not warned of when the command line reads them (replay, run)', async () => {
    const config = checkEngineConfig({
      model: { family: 'binomial' },
      refit: { enabled: false },
      replay: { input: 'events.jsonl', exclude: ['id'] },
      http: { port: 0 },
    });
    const stats = await new Engine(readByCommandLine(config), {
      source: { batches$: from([batchOf(0, 50)]) },
      sink: keepingSink(),
    }).run();
    expect(stats.warnings).toEqual([]);
  });
});

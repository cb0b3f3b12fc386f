/**
 * A `--config` file whose section is not an object (`"model": null`) is named as such, as
 * checkEngineConfig names it, by replay and run: replay said `--family is required` and replaced
 * other such sections by the flags' (`"replay": "x"` went unreported).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-config-sections-'));
const input = join(dir, 'in.jsonl');
writeFileSync(input, '{"label":1,"features":{"x":1}}\n{"label":0,"features":{"x":0}}\n');
let files = 0;
const config = (doc: unknown): string => {
  const path = join(dir, `config-${files++}.json`);
  writeFileSync(path, JSON.stringify(doc));
  return path;
};
const replay = (doc: unknown, ...flags: string[]) =>
  runCli(['replay', '--input', input, '--out', join(dir, 'out'), '--config', config(doc), ...flags]);
const modelProblem = '  model: must be an object with at least "family"\n';

describe('a --config section that is not an object', () => {
  it('replay names "model": null as not an object, with or without --family', async () => {
    for (const flags of [[], ['--family', 'binomial']]) {
      expect(await replay({ model: null }, ...flags)).toEqual({
        code: 2,
        stdout: '',
        stderr: `l1stream: invalid configuration:\n${modelProblem}`,
      });
    }
  });

  it('replay names every other such section, not replacing it by the flags', async () => {
    const r = await replay({ model: { family: 'binomial' }, replay: 'x', refit: 3 }, '--refit-every', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'l1stream: invalid configuration:\n  refit: must be an object\n  replay: must be an object\n',
    );
  });

  it('replay still reads "drift": null as the defaults (checkEngineConfig does), flags beside it', async () => {
    const r = await replay({ model: { family: 'binomial' }, drift: null }, '--no-drift');
    expect(r.stderr).toMatch(/^replay: 2 events learned/);
    expect(r.code).toBe(0);
  });

  it('run names "model": null, and "snapshots": null beside kafka.snapshotEvery', async () => {
    const kafka = { brokers: ['127.0.0.1:1'], topics: ['t'], snapshotEvery: 5 };
    const r = await runCli(['run', '--config', config({ model: null, snapshots: null, kafka })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(modelProblem);
    expect(r.stderr).toContain('  snapshots: must be an object\n');
  });
});

describe('kafka.snapshotEvery, the older name of snapshots.everyEvents', () => {
  it('a bad value is named where the file has it, kafka.snapshotEvery, not snapshots.everyEvents', async () => {
    const kafka = { brokers: ['127.0.0.1:1'], topics: ['t'], snapshotEvery: '10000' };
    const r = await runCli(['run', '--config', config({ model: { family: 'binomial' }, kafka })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('\n  kafka.snapshotEvery: must be a whole number >= 1');
    expect(r.stderr).not.toContain('snapshots.everyEvents');
    // set in the snapshots section, the value there is the one checked, and named
    const both = {
      model: { family: 'binomial' },
      snapshots: { everyEvents: 0 },
      kafka: { ...kafka, snapshotEvery: 5 },
    };
    const s = await runCli(['run', '--config', config(both)]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('\n  snapshots.everyEvents: must be a whole number >= 1');
  });

  it('set to another value beside snapshots.everyEvents, either older name is refused (the newer used to win silently)', async () => {
    const kafka = { brokers: ['127.0.0.1:1'], topics: ['t'], snapshotEvery: 100 };
    const snapshots = { everyEvents: 500 };
    const k = await runCli(['run', '--config', config({ model: { family: 'binomial' }, kafka, snapshots })]);
    expect(k.code).toBe(2);
    expect(k.stderr).toContain(
      '\n  kafka.snapshotEvery: is the older name of snapshots.everyEvents, which the file sets to another value (100 and 500): keep snapshots.everyEvents only\n',
    );
    const replayDoc = { model: { family: 'binomial' }, replay: { input, snapshotEvery: 100 }, snapshots };
    const r = await runCli(['replay', '--config', config(replayDoc), '--out', join(dir, 'legacy-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '\n  replay.snapshotEvery: is the older name of snapshots.everyEvents, which the file sets to another value (100 and 500): keep snapshots.everyEvents only\n',
    );
    // the same value twice says one thing: accepted
    const same = { ...replayDoc, snapshots: { everyEvents: 100 } };
    const ok = await runCli(['replay', '--config', config(same), '--out', join(dir, 'legacy-same')]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('the older top-level "input" beside replay.input naming another file is refused (the newer was learned silently)', async () => {
    const other = join(dir, 'other.jsonl');
    const both = { model: { family: 'binomial' }, input, replay: { input: other } };
    const r = await runCli(['replay', '--config', config(both), '--out', join(dir, 'input-both')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `\n  input: is the older name of replay.input, which the file sets to another file (${JSON.stringify(input)} and ${JSON.stringify(other)}): keep replay.input only\n`,
    );
    // the same file spelled another way
    const spelled = {
      model: { family: 'binomial' },
      input,
      replay: { input: join(dir, '.', basename(input)) },
    };
    const ok = await runCli(['replay', '--config', config(spelled), '--out', join(dir, 'input-same')]);
    expect(ok.code, ok.stderr).toBe(0);
    // --input overrides the file's input under either name (it was refused as a conflict)
    const older = { model: { family: 'binomial' }, input: other };
    const flag = await runCli([
      'replay',
      '--config',
      config(older),
      '--input',
      input,
      '--out',
      join(dir, 'input-flag'),
    ]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'input-flag', 'summary.json'), 'utf8'))).toMatchObject({
      input,
    });
  });
});

describe('an "http" section without a port', () => {
  it('run refuses it (it would serve nothing, silently); "port": null is no server, as documented', async () => {
    const out = join(dir, 'http-out');
    const doc = { model: { family: 'binomial' }, replay: { input, out }, http: { host: '127.0.0.1' } };
    const r = await runCli(['run', '--config', config(doc)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  http.port: is required in an "http" section');
    const off = await runCli(['run', '--config', config({ ...doc, http: { port: null } })]);
    expect(off.code).toBe(0);
  });
});

describe('an "http" section in replay --config', () => {
  it('replay refuses it, naming run: replay serves no endpoints, so it would be ignored silently', async () => {
    const r = await replay({ model: { family: 'binomial' }, http: { port: 0 } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'l1stream: invalid configuration:\n  http: replay serves no HTTP endpoints: remove the section, or use \'l1stream run --config FILE\', which serves them for files in and out too ("replay": {"input", "out"})\n',
    );
  });
});

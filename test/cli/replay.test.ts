import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks, rng } from '../../examples/ad-clicks/generate.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { runCli } from '../helpers/cli.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'l1s-replay-'));
}

const readJsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** `l1stream replay` of a binomial stream with snapshots every `every` events. */
function replayBinomial(input: string, out: string, every: number): ReturnType<typeof runCli> {
  return runCli([
    'replay',
    '--input',
    input,
    '--family',
    'binomial',
    '--out',
    out,
    '--snapshot-every',
    String(every),
  ]);
}

/**
 * The outputs of a deterministic binomial replay (inline refits every `refitEvery` events, clock
 * cadences off) with `flags`, timing fields removed: models, alerts, scores, dead letters.
 */
async function deterministicOutputs(
  input: string,
  out: string,
  drift: Record<string, unknown>,
  refitEvery: number,
  flags: readonly string[],
): Promise<string[]> {
  const config = `${out}.json`;
  writeFileSync(
    config,
    JSON.stringify({ refit: { everySeconds: 'Infinity' }, snapshots: { everySeconds: 'Infinity' }, drift }),
  );
  const r = await runCli([
    'replay',
    '--input',
    input,
    '--family',
    'binomial',
    '--out',
    out,
    '--config',
    config,
    '--refit-threads',
    '0',
    '--refit-every',
    String(refitEvery),
    ...flags,
  ]);
  expect(r.code).toBe(0);
  return ['models.jsonl', 'alerts.jsonl', 'scores.jsonl', 'dead-letters.jsonl'].map((f) =>
    readFileSync(join(out, f), 'utf8').replace(/"(createdAt|refitMs|solveMs)":("[^"]*"|[\d.e-]+)/g, ''),
  );
}

describe('l1stream replay', () => {
  it('writes snapshots, summary, and rejects bad lines with reasons while the run goes on', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const lines = Array.from(adClicks(5, 3000), (e) => JSON.stringify(e));
    const bad = [
      'this is not json',
      JSON.stringify({ features: { site: 'news' } }).replace('}}', '}, "label": "yes"}'),
      JSON.stringify({ label: 1 }),
      '{"label": 1, "features": {"user_age": NaN}}',
      JSON.stringify({ label: 2, features: { premium: true } }),
    ];
    // Bad lines in the middle of good ones; one unlabelled event is scored, not learned.
    // A string in the numeric field user_age is learned as the one-hot user_age=old, not rejected.
    const typeChange = JSON.stringify({ label: 1, features: { user_age: 'old' } });
    lines.splice(1500, 0, ...bad, typeChange, JSON.stringify({ features: { site: 'news' } }));
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await replayBinomial(input, out, 1000);
    expect(r.stderr).toMatch(/3,001 events learned, 1 scored, 5 rejected/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary.events).toBe(3001);
    expect(summary.rejected).toBe(5);
    expect(summary.scored).toBe(1);
    expect(typeof summary.progressiveLoss).toBe('number');
    expect(summary.eventsPerSecond as number).toBeGreaterThan(0);
    // Each stage writes its rejections in order; decoding runs before featurization.
    const dead = readJsonl(join(out, 'dead-letters.jsonl')).sort(
      (a, b) => (a.line as number) - (b.line as number),
    );
    expect(dead.map((d) => d.line)).toEqual([1501, 1502, 1503, 1504, 1505]);
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(/cannot decode/),
      expect.stringMatching(/"label" must be a number/),
      expect.stringMatching(/"features" is missing/),
      expect.stringMatching(/cannot decode/),
      expect.stringMatching(/must be 0 or 1/),
    ]);
    expect(dead[0].value).toBe('this is not json');
    const models = readJsonl(join(out, 'models.jsonl')) as unknown as ModelSnapshot[];
    // A snapshot right after each 1000th learned event (inside a batch of 1024 records), and at the end.
    expect(models.map((m) => m.offset)).toEqual([1000, 2000, 3000, 3001]);
    expect(models.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    expect(models[0].lambda).toBeGreaterThan(0);
    expect(summary.lambda).toBe(models[0].lambda);
    for (const m of models) {
      expect(m).toMatchObject({
        key: 'default',
        source: 'online',
        family: 'binomial',
        learner: 'ftrl',
        // λ "auto": chosen once on the first labelled events, then the same in every snapshot
        lambda: models[0].lambda,
        l1Ratio: 1,
      });
      expect(Object.values(m.coefficients).every((v) => v !== 0 && Number.isFinite(v))).toBe(true);
      expect(Number.isNaN(Date.parse(m.createdAt))).toBe(false);
    }
    // A young model's support still moves (drift is tested end to end below); whatever is raised is
    // a well-formed DESIGN §4 alert, counted in the summary.
    const alerts = readJsonl(join(out, 'alerts.jsonl'));
    expect(summary.alerts).toBe(alerts.length);
    for (const a of alerts) {
      expect(a).toMatchObject({
        key: 'default',
        type: expect.stringMatching(/^(support-drift|sign-flip|input-drift|loss-drift)$/),
      });
      expect(['info', 'warning', 'critical']).toContain(a.severity);
    }
  });

  it('alerts.jsonl reports a planted change by name: a field that stops arriving and a base-rate shift', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    // 150k stationary ad-click events, then 100k in which the upstream stops sending "premium" and
    // the click rate rises (a label flip of a fifth of the non-clicks).
    const flip = rng(11);
    const lines: string[] = [];
    let i = 0;
    for (const e of adClicks(9, 250_000)) {
      if (i++ >= 150_000) {
        delete (e.features as Record<string, unknown>).premium;
        if (e.label === 0 && flip() < 0.2) (e as { label: number }).label = 1;
      }
      lines.push(JSON.stringify(e));
    }
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await replayBinomial(input, out, 25000);
    expect(r.code).toBe(0);
    const alerts = readJsonl(join(out, 'alerts.jsonl')) as unknown as Array<{
      type: string;
      offset: number;
      message: string;
      details: Record<string, unknown>;
    }>;
    const before = alerts.filter((a) => a.offset <= 150_000);
    expect(before.filter((a) => a.type === 'input-drift' || a.type === 'loss-drift')).toEqual([]);
    const input$ = alerts.filter((a) => a.type === 'input-drift' && a.offset > 150_000);
    expect(input$.length).toBeGreaterThanOrEqual(1);
    expect(input$[0].message).toContain('premium');
    const loss = alerts.filter((a) => a.type === 'loss-drift' && a.offset > 150_000);
    expect(loss.length).toBeGreaterThanOrEqual(1);
    expect(loss[0].offset).toBeLessThan(170_000);
    // stderr carries the same alerts as readable lines, with their severity, type, key and event
    for (const a of [input$[0], loss[0]]) {
      const { severity, type, key, offset, message } = a as unknown as Record<string, string>;
      expect(r.stderr).toContain(
        `replay: alert ${severity} ${type} (key ${JSON.stringify(key)}, event ${offset}): ${message}\n`,
      );
    }
  }, 120_000);

  it('the shipped config/replay.json runs; a bad drift section names each field and the fix', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${Array.from(adClicks(3, 2000), (e) => JSON.stringify(e)).join('\n')}\n`);
    const ok = await runCli([
      'replay',
      '--config',
      'config/replay.json',
      '--input',
      input,
      '--out',
      join(dir, 'ok'),
    ]);
    expect(ok.stderr).toMatch(/2,000 events learned/);
    expect(ok.code).toBe(0);
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        model: { family: 'binomial' },
        drift: { loss: { adwin: { delta: 2 } }, support: { bogus: 1 } },
      }),
    );
    const r = await runCli(['replay', '--config', bad, '--input', input, '--out', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/drift\.loss\.adwin\.delta: must be a number in \(0, 1\), got 2/);
    expect(r.stderr).toMatch(/drift\.support\.bogus: unknown setting/);
  });

  it('--reader-threads 1 (a reader worker) and 0 (one thread) write the same outputs; 2 is refused', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const lines = Array.from(adClicks(9, 4000), (e) => JSON.stringify(e));
    lines.splice(
      2000,
      0,
      'not json',
      '{"label":1,"features":{"__proto__":1}}',
      '',
      '{"label":"1","features":{}}',
    );
    writeFileSync(input, `${lines.join('\r\n')}\n`);
    const outputs = (threads: string) =>
      deterministicOutputs(input, join(dir, `out${threads}`), {}, 1000, ['--reader-threads', threads]);
    const [one, two] = [await outputs('0'), await outputs('1')];
    expect(two).toEqual(one);
    expect(one[3].split('\n').filter((l) => l !== '').length).toBeGreaterThanOrEqual(2);
    // hashed features: the reader thread hashes the names for the learning thread
    const hashed = (threads: string) =>
      deterministicOutputs(input, join(dir, `hashed${threads}`), {}, 1000, [
        ...['--reader-threads', threads, '--hash-bits', '10'],
      ]);
    const [hashedOne, hashedTwo] = [await hashed('0'), await hashed('1')];
    expect(hashedTwo).toEqual(hashedOne);
    expect(hashedOne).not.toEqual(one);
    const bad = await runCli(['replay', '--input', input, '--family', 'binomial', '--reader-threads', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--reader-threads must be 0 .* or 1/);
  }, 60_000);

  it('keyed hashed models, each with the columns of the buckets it has seen, learn as an unkeyed hashed model on the same events, with 0 and 1 reader threads', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const lines = Array.from(adClicks(4, 4000), (e) => JSON.stringify({ ...e, key: 'k1' }));
    writeFileSync(input, `${lines.join('\n')}\n`);
    const models = async (out: string, flags: readonly string[]) => {
      const argv = ['replay', '--input', input, '--family', 'binomial', '--out', join(dir, out)];
      const r = await runCli([
        ...argv,
        '--hash-bits',
        '8',
        '--no-refit',
        '--snapshot-every',
        '1000',
        ...flags,
      ]);
      expect(r.code).toBe(0);
      return readJsonl(join(dir, out, 'models.jsonl')) as unknown as ModelSnapshot[];
    };
    const unkeyed = await models('unkeyed', []);
    expect(unkeyed.length).toBe(4);
    // 256 buckets: names share them
    expect(unkeyed[3].metrics!.hashCollisions).toBeGreaterThan(5);
    for (const threads of ['0', '1']) {
      const keyed = await models(`keyed${threads}`, ['--key-by', 'key', '--reader-threads', threads]);
      expect(keyed.map((m) => [m.key, m.version])).toEqual(unkeyed.map((m) => ['k1', m.version]));
      for (let v = 0; v < unkeyed.length; v++) {
        const [a, b] = [unkeyed[v], keyed[v]];
        for (const metric of ['hashCollisions', 'features', 'nonZero', 'events'])
          expect(b.metrics![metric], metric).toBe(a.metrics![metric]);
        expect(b.metrics!.progressiveLoss).toBeCloseTo(a.metrics!.progressiveLoss as number, 12);
        expect(b.intercept).toBeCloseTo(a.intercept, 10);
        expect(Object.keys(b.coefficients).sort()).toEqual(Object.keys(a.coefficients).sort());
        for (const [name, beta] of Object.entries(a.coefficients))
          expect(b.coefficients[name], name).toBeCloseTo(beta, 10);
      }
    }
  }, 60_000);

  it('a feature named "" (a valid JSON key) is named "" in alert messages, not left blank', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const lines = Array.from(adClicks(13, 6000), (e, i) => {
      if (i < 3000) e.features[''] = 1 + (i % 3);
      return JSON.stringify(e);
    });
    writeFileSync(input, `${lines.join('\n')}\n`);
    const [, alerts] = await deterministicOutputs(
      input,
      join(dir, 'out'),
      { inputSequential: { warmupEvents: 1000, armEvents: 1000 } },
      2000,
      [],
    );
    expect(alerts).toMatch(/"type":"input-drift".*stopped arriving: \\"\\"/);
  });

  it('--drift-threads 1 (the sequential input test on a worker) and 0 write the same outputs; 2 is refused; --no-drift the same but no alerts', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    // `noise3` stops and `device` loses a level half-way: input-drift alerts to compare
    const lines = Array.from(adClicks(13, 6000), (e, i) => {
      if (i >= 3000) {
        delete e.features.noise3;
        if (e.features.device === 'tablet') e.features.device = 'mobile';
      }
      return JSON.stringify(e);
    });
    writeFileSync(input, `${lines.join('\n')}\n`);
    const outputs = (threads: string) =>
      deterministicOutputs(
        input,
        join(dir, `out${threads}`),
        { inputSequential: { warmupEvents: 1000, armEvents: 1000 } },
        2000,
        ['--drift-threads', threads],
      );
    const [inline, worker] = [await outputs('0'), await outputs('1')];
    expect(worker).toEqual(inline);
    expect(inline[1]).toMatch(/"type":"input-drift".*stopped arriving: noise3/);
    // (a level that goes while its field goes on is one change of the field, with what it went to)
    expect(inline[1]).toMatch(
      /"type":"input-drift".*levels of field device changed: [^"]*device=tablet stopped arriving/,
    );
    // --no-drift: the same models and scores, no alerts
    const quiet = await deterministicOutputs(input, join(dir, 'outQuiet'), {}, 2000, ['--no-drift']);
    expect(quiet[1]).toBe('');
    expect([quiet[0], quiet[2], quiet[3]]).toEqual([inline[0], inline[2], inline[3]]);
    const bad = await runCli(['replay', '--input', input, '--family', 'binomial', '--drift-threads', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--drift-threads must be a whole number in \[0, 1\], got 2/);
  }, 60_000);

  it('an unknown flag is a usage error with exit code 2', async () => {
    const r = await runCli(['replay', '--input', 'x.jsonl', '--family', 'binomial', '--lamda', '0.1']);
    expect(r.code).toBe(2);
    // the flag it probably meant, the usage line, and where every option is listed: not the whole help
    expect(r.stderr).toBe(
      "l1stream: unknown option --lamda; did you mean --lambda?\nusage: l1stream replay --input FILE.jsonl|FILE.csv --family gaussian|binomial [options]\n'l1stream replay --help' lists every option.\n",
    );
  });

  it('bad option values name the option and the fix, exit code 2', async () => {
    const r = await runCli(['replay', '--input', 'x.jsonl', '--family', 'poisson', '--lambda=-1']);
    expect(r.code).toBe(2);
    // every problem at once, each with its path
    // each named by the flag that gave it
    expect(r.stderr).toMatch(/--lambda: must be >= 0, got -1/);
    expect(r.stderr).toMatch(/--family: must be "gaussian" or "binomial", got "poisson"/);
    const s = await runCli(['replay', '--input', 'x.jsonl', '--family', 'poisson']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^l1stream: --family must be "gaussian" or "binomial", got "poisson"\n/);
  });

  it('a bad config file names every problem by path', async () => {
    const dir = tmp();
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'binomial', learner: 'sgd', lambda: 'big', ftrl: { alpha: 0 } },
        extra: 1,
      }),
    );
    const r = await runCli(['replay', '--input', 'x.jsonl', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/extra: unknown section/);
    expect(r.stderr).toMatch(/model\.learner: must be one of ftrl, fobos, truncated-gradient/);
    expect(r.stderr).toMatch(/model\.lambda: must be a number >= 0 or "auto", got "big"/);
    expect(r.stderr).toMatch(/model\.ftrl\.alpha: must be > 0/);
  });

  it('a missing input file is one line that names it, exit code 2 (a file-system problem)', async () => {
    const r = await runCli([
      'replay',
      '--input',
      '/nonexistent/e.jsonl',
      '--family',
      'gaussian',
      '--out',
      tmp(),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'l1stream: --input /nonexistent/e.jsonl: no such file or directory; check the path\n',
    );
  });

  it('unknown command: exit 2 with the list of commands', async () => {
    const r = await runCli(['replai']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "replai"/);
  });

  it('help COMMAND is COMMAND --help; help alone the list of commands', async () => {
    for (const name of ['run', 'fit', 'replay']) {
      const [a, b] = await Promise.all([runCli(['help', name]), runCli([name, '--help'])]);
      expect(a.code).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout).toMatch(new RegExp(`^usage: l1stream ${name} `));
    }
    const list = await runCli(['help']);
    expect(list.stdout).toMatch(/^usage: l1stream <command>/);
    const typo = await runCli(['help', 'replai']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown command "replai"; did you mean "replay"\?/);
  });
});

describe('replay --help', () => {
  it('names every section of --config that replay reads, limits included', async () => {
    const r = await runCli(['replay', '--help']);
    expect(r.code).toBe(0);
    const config = /--config FILE\s+JSON configuration \(sections ([^)]*)\)/.exec(
      r.stdout.replace(/\s+/g, ' '),
    );
    expect(config).not.toBeNull();
    const sections = config![1]!.split(/,\s*/);
    for (const section of ['model', 'refit', 'snapshots', 'scores', 'drift', 'replay', 'state', 'limits'])
      expect(sections).toContain(section);
  });

  it("run --help names limits among the sections of 'replay --config' it reads", async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    const sections = /the sections of 'replay --config' \(([^)]*)\)/.exec(r.stdout.replace(/\s+/g, ' '));
    expect(sections).not.toBeNull();
    expect(sections![1]!.split(/,\s*/)).toContain('limits');
  });
});

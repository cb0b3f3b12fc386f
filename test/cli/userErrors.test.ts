import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { pathProblem, reportError } from '../../src/cli/io.js';
import { closest, unknownKeyMessage } from '../../src/config/unknownKey.js';
import { reasonClass } from '../../src/engine/engine.js';
import { runCli } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-user-'));

function csv(dir: string): string {
  const p = join(dir, 'train.csv');
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${(i % 7) * 2 + ((i * 3) % 5)}`);
  writeFileSync(p, `a,b,y\n${rows.join('\n')}\n`);
  return p;
}

function events(dir: string, n: number, extra: string[] = []): string {
  const p = join(dir, 'events.jsonl');
  const lines = Array.from(adClicks(5, n), (e) => JSON.stringify(e));
  writeFileSync(p, `${[...lines.slice(0, n / 2), ...extra, ...lines.slice(n / 2)].join('\n')}\n`);
  return p;
}

/** One line on stderr, no stack, no usage text. */
function oneLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/internal error|\n\s+at |usage:/);
}

describe('item 6: file-system problems are one line and exit 2, reported before any work', () => {
  it('fit --output into a missing directory', async () => {
    const dir = tmp();
    const out = join(dir, 'missing', 'model.json');
    const r = await runCli(['fit', '--input', csv(dir), '--target', 'y', '--lambda', '0.1', '--output', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      `--output ${out}: the directory ${join(dir, 'missing')} does not exist; create it (mkdir -p ${join(dir, 'missing')}) or choose another path`,
    );
    oneLine(r.stderr);
    expect(r.stdout).toBe('');
  });

  it('path --plot into a missing directory, --output that is a directory', async () => {
    const dir = tmp();
    const plot = join(dir, 'nope', 'path.svg');
    const r = await runCli(['path', '--input', csv(dir), '--target', 'y', '--plot', plot]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(`--plot ${plot}: the directory ${join(dir, 'nope')} does not exist`);
    oneLine(r.stderr);
    // refused before the path is printed
    expect(r.stdout).toBe('');
    const d = await runCli(['path', '--input', csv(dir), '--target', 'y', '--output', dir]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(`--output ${dir} is a directory; give a file path`);
    oneLine(d.stderr);
  });

  it('replay --out an existing file; score --output under a file', async () => {
    const dir = tmp();
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    const input = events(dir, 200);
    const r = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(`--out ${file} exists and is not a directory; give a directory path`);
    oneLine(r.stderr);
    expect(readFileSync(file, 'utf8')).toBe('x');
    const model = join(dir, 'model.json');
    expect(
      (await runCli(['fit', '--input', csv(dir), '--target', 'y', '--lambda', '0.1', '--output', model]))
        .code,
    ).toBe(0);
    const s = await runCli([
      'score',
      '--model',
      model,
      '--input',
      input,
      '--output',
      join(file, 'scores.jsonl'),
    ]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(
      /--output .*afile\/scores\.jsonl: a part of the path is a file, not a directory/,
    );
    oneLine(s.stderr);
  });

  it('run (files) with replay.out an existing file', async () => {
    const dir = tmp();
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({ model: { family: 'binomial' }, replay: { input: events(dir, 200), out: file } }),
    );
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(`replay.out ${file} exists and is not a directory`);
    oneLine(r.stderr);
  });

  it('the demo with --out an existing file', async () => {
    const dir = tmp();
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    const err = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/ad-clicks/demo.ts', '--events', '100', '--out', file],
      { cwd: root },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(`demo: --out ${file} exists and is not a directory`);
    oneLine((err as { stderr: string }).stderr);
  }, 60_000);

  it('the examples: --help prints the usage, a bad option is one line and the usage (exit 2), not a stack trace', async () => {
    const example = (script: string, args: readonly string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const help = await example('examples/ad-clicks/demo.ts', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run demo -- \[--events N \(200000\)\]/);
    for (const [script, args, said] of [
      ['examples/ad-clicks/demo.ts', ['--evnts', '5'], "demo: Unknown option '--evnts'"],
      [
        'examples/ad-clicks/demo.ts',
        ['--events', 'abc'],
        'demo: --events must be a whole number ≥ 1, got "abc"',
      ],
      [
        'examples/churn/run.ts',
        ['--refit-thread', '1'],
        "examples/churn/run.ts: Unknown option '--refit-thread'",
      ],
      ['examples/campaign-scoring/run.ts', ['--seed', '1.5'], '--seed must be a whole number, got "1.5"'],
    ] as const) {
      const r = await example(script, args);
      expect(r.code, `${script} ${args.join(' ')}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toContain(said);
      expect(lines[1]).toMatch(/^usage: /);
      expect(lines).toHaveLength(2);
    }
  }, 60_000);

  it('permission denied and any file-system error no command anticipated: one line naming the path', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(pathProblem('--output', '/srv/m.json', denied, 'write')).toBe(
      '--output /srv/m.json: permission denied; choose a path you can write',
    );
    let stderr = '';
    const io = {
      stdout: new Writable({ write: (_c, _e, cb) => cb() }),
      stderr: new Writable({
        write(c: Buffer, _e, cb) {
          stderr += c.toString();
          cb();
        },
      }),
      interactive: false,
    };
    const raw = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y'"), {
      code: 'ENOENT',
      syscall: 'open',
      path: '/x/y',
    });
    expect(reportError(raw, io)).toBe(2);
    expect(stderr).toBe('l1stream: /x/y: no such file or directory; check the path\n');
  });
});

describe('item 7: configuration and flags report every problem at once, with suggestions', () => {
  it('unknown keys in every section name the key they probably meant', async () => {
    const dir = tmp();
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'binomial', lamda: 0.1 },
        replay: { outt: 'somewhere' },
        snapshot: {},
        refit: { windw: 100, every: 1000 },
        drift: { loss: { adwin: { delat: 0.1 } } },
      }),
    );
    const r = await runCli(['replay', '--input', events(dir, 200), '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/replay\.outt: unknown setting; did you mean "out"\?/);
    expect(r.stderr).toMatch(/model\.lamda: unknown setting; did you mean "lambda"\?/);
    expect(r.stderr).toMatch(/snapshot: unknown section; did you mean "snapshots"\?/);
    expect(r.stderr).toMatch(/refit\.windw: unknown setting; did you mean "window"\?/);
    // a beginning of two settings names both
    expect(r.stderr).toMatch(/refit\.every: unknown setting; did you mean "everyEvents" or "everySeconds"\?/);
    expect(r.stderr).toMatch(/drift\.loss\.adwin\.delat: unknown setting; did you mean "delta"\?/);
    // nothing was written to the default directory or anywhere else
    expect(existsSync(join(dir, 'somewhere'))).toBe(false);
  });

  it('a missing model.family (or kafka section) is reported with the other problems, not before them', async () => {
    const dir = tmp();
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({ model: { lambda: -1 }, refit: { window: 1 }, scores: { topp: 3 } }),
    );
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kafka: add a "kafka" section/);
    expect(r.stderr).toMatch(/model\.family: is required: "gaussian" or "binomial"/);
    expect(r.stderr).toMatch(/model\.lambda: must be >= 0/);
    expect(r.stderr).toMatch(/refit\.window: must be a whole number >= 2, got 1/);
    expect(r.stderr).toMatch(/scores\.topp: unknown setting; did you mean "top"\?/);
  });

  it('run with a "kafka" section refuses an input file, an output or a state directory, which it would ignore', async () => {
    const dir = tmp();
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'binomial', lamda: 1 },
        replay: { input: join(dir, 'events.jsonl'), out: join(dir, 'out'), exclude: ['id'] },
        state: { dir: join(dir, 'state') },
        kafka: { brokers: ['127.0.0.1:1'], topics: ['events'] },
      }),
    );
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /replay\.input: run reads Kafka \(the "kafka" section\) or a file \(replay\.input\), not both/,
    );
    expect(r.stderr).toMatch(
      /replay\.out: with the "kafka" section the outputs go to the topics <prefix>\.models/,
    );
    expect(r.stderr).toMatch(/replay\.exclude: leaves fields out of the events of a file \(replay\.input\)/);
    expect(r.stderr).toMatch(
      /state\.dir: with the "kafka" section the model states are checkpointed to the topic <prefix>\.state/,
    );
    // with the file's other problems
    expect(r.stderr).toMatch(/model\.lamda: unknown setting/);
    expect(readdirSync(dir)).toEqual(['c.json']);
  });

  it('negative numbers as flag values reach our own checks', async () => {
    const dir = tmp();
    const f = await runCli(['fit', '--input', csv(dir), '--target', 'y', '--lambda', '-1']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/^l1stream: --lambda must be >= 0, got -1\n/);
    expect(f.stderr).not.toMatch(/ambiguous/);
    const replayLambda: [string, RegExp][] = [
      ['-0.5', /--lambda must be >= 0, got -0\.5/],
      ['big', /--lambda must be a number >= 0 or "auto", got "big"/],
    ];
    for (const [lambda, message] of replayLambda) {
      const r = await runCli([
        'replay',
        '--input',
        events(dir, 200),
        '--family',
        'binomial',
        '--lambda',
        lambda,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const p = await runCli(['path', '--input', csv(dir), '--target', 'y', '--l1-ratio', '-.5']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/--l1-ratio must be > 0, got -\.5/);
  });

  it('suggestions: case and small typos, nothing for unrelated names', () => {
    expect(closest('Lambda', ['lambda', 'l1Ratio'])).toBe('lambda');
    expect(closest('l1ratio', ['lambda', 'l1Ratio'])).toBe('l1Ratio');
    expect(closest('delat', ['delta', 'clock'])).toBe('delta');
    expect(closest('colour', ['lambda', 'l1Ratio'])).toBeUndefined();
    expect(unknownKeyMessage('xyz', ['a', 'b'])).toBe('unknown setting (known: a, b)');
    expect(unknownKeyMessage('every', ['everyEvents', 'everySeconds', 'window'])).toBe(
      'unknown setting; did you mean "everyEvents" or "everySeconds"? (known: everyEvents, everySeconds, window)',
    );
    // one or two letters begin too many names to guess from
    expect(unknownKeyMessage('ev', ['everyEvents', 'everySeconds'])).toBe(
      'unknown setting (known: everyEvents, everySeconds)',
    );
  });
});

describe('item 8: one schema', () => {
  it('rejectedByReason keys are whole words: every line that is not JSON counts as one reason', async () => {
    const dir = tmp();
    const input = events(dir, 400, [
      'not json at all {',
      '{"label":1,"features":{"age":NaN}}',
      `{"label":1,"features":{"${'x'.repeat(300)}":[1]}}`,
    ]);
    const out = join(dir, 'o');
    const r = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      rejectedByReason: Record<string, number>;
    };
    expect(summary.rejectedByReason['cannot decode: not valid JSON']).toBe(2);
    for (const reason of Object.keys(summary.rejectedByReason)) {
      expect(reason).not.toMatch(/\.\.\.|NaN/);
      expect(reason.length).toBeLessThanOrEqual(202);
    }
    // a reason too long to count whole is cut between words
    const long = reasonClass(`feature ${'word '.repeat(60)}is bad`);
    expect(long.endsWith(' …')).toBe(true);
    expect(
      long
        .slice(0, -2)
        .split(' ')
        .every((w) => w === 'word' || w === 'feature'),
    ).toBe(true);
  });

  it('with hashing, summary.json and the last snapshot agree on features and nonZero, far below 2^hashBits', async () => {
    const dir = tmp();
    const out = join(dir, 'o');
    const r = await runCli([
      'replay',
      '--input',
      events(dir, 3000),
      '--family',
      'binomial',
      '--hash-bits',
      '18',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      features: number;
      nonZero: number;
    };
    const last = JSON.parse(readFileSync(join(out, 'models.jsonl'), 'utf8').trim().split('\n').at(-1)!) as {
      source: string;
      coefficients: object;
      metrics: { features: number; nonZero: number };
    };
    expect(last.source).toBe('online');
    expect(summary.features).toBe(last.metrics.features);
    expect(summary.nonZero).toBe(last.metrics.nonZero);
    expect(last.metrics.nonZero).toBe(Object.keys(last.coefficients).length);
    // the ad-click stream has about 520 distinct features: named columns, not the table's 262,144
    expect(summary.features).toBeGreaterThan(400);
    expect(summary.features).toBeLessThan(1000);
  });
});

describe('item 9: user-facing text points to the repository’s own docs, never to DESIGN', () => {
  it('README, docs, bench results and every --help', async () => {
    const texts = new Map<string, string>();
    for (const file of ['README.md', 'docs/conventions.md', 'docs/outputs.md', 'connectors/kafka/README.md'])
      texts.set(file, readFileSync(join(root, file), 'utf8'));
    for (const file of readdirSync(join(root, 'bench/results')).filter((f) => f.endsWith('.md')))
      texts.set(`bench/results/${file}`, readFileSync(join(root, 'bench/results', file), 'utf8'));
    for (const command of ['replay', 'run', 'score', 'fit', 'path'])
      texts.set(`${command} --help`, (await runCli([command, '--help'])).stdout);
    texts.set('--help', (await runCli(['--help'])).stdout);
    for (const [where, text] of texts) expect(text, where).not.toMatch(/DESIGN/);
    const readme = texts.get('README.md')!;
    expect(readme).toMatch(/\(docs\/conventions\.md\)/);
    expect(readme).toMatch(/\(docs\/outputs\.md\)/);
    // the conventions users need are there: the objective and λ's scale, standardization, names, formats, delivery
    const conventions = texts.get('docs/conventions.md')!;
    for (const heading of [
      '## The objective and the scale of λ',
      '## Events',
      '## Model snapshots',
      '## Alerts',
      '## Delivery',
    ])
      expect(conventions).toContain(heading);
    expect(conventions).toMatch(/\*\*Standardization\*\*/);
  });
});

describe('item 6: inputs that cannot be read are one line and exit 2 in every command', () => {
  it('fit, path, replay and score with a missing input or a directory', async () => {
    const dir = tmp();
    const missing = join(dir, 'none.csv');
    const model = join(dir, 'model.json');
    expect(
      (await runCli(['fit', '--input', csv(dir), '--target', 'y', '--lambda', '0.1', '--output', model]))
        .code,
    ).toBe(0);
    const runs: Array<[string[], string]> = [
      [
        ['fit', '--input', missing, '--target', 'y'],
        `--input ${missing}: no such file or directory; check the path`,
      ],
      [['path', '--input', dir, '--target', 'y'], `--input ${dir} is a directory; give a file`],
      [
        ['replay', '--input', dir, '--family', 'binomial', '--out', join(dir, 'o')],
        `--input ${dir} is a directory; give a file`,
      ],
      [['score', '--model', missing, '--input', missing], `--model ${missing}: no such file or directory`],
      [['score', '--model', model, '--input', missing], `--input ${missing}: no such file or directory`],
    ];
    for (const [argv, message] of runs) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(message);
      oneLine(r.stderr);
    }
  });
});

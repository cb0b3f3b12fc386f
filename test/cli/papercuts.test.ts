import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-papercuts-'));

/** `n` churn-like events: a number, a text field and a boolean, with a label (seeded). */
function churn(n: number): Array<{ label: number; features: Record<string, number | string | boolean> }> {
  let s = 11;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => {
    const plan = r() < 0.5 ? 'basic' : 'pro';
    const discount = r() < 0.3;
    const tenure = Math.floor(r() * 60);
    const eta = 0.5 - 0.04 * tenure + (plan === 'pro' ? -0.5 : 0.3) + (discount ? -0.4 : 0);
    const label = r() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    return { label, features: { tenure, plan, has_discount: discount } };
  });
}

const jsonl = (events: readonly object[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

/** The same file name in two directories, one with a byte-order mark: fit names its model by the file. */
function withAndWithoutBom(name: string, text: string): [string, string] {
  const dir = tmp();
  mkdirSync(join(dir, 'plain'));
  mkdirSync(join(dir, 'bom'));
  writeFileSync(join(dir, 'plain', name), text);
  writeFileSync(join(dir, 'bom', name), `\uFEFF${text}`);
  return [join(dir, 'plain', name), join(dir, 'bom', name)];
}

const withoutTimes = (json: string) => json.replace(/"createdAt": ?"[^"]*"/g, '');

describe('a byte-order mark is read past by every command, as by replay', () => {
  it('fit and path on JSON lines and CSV, score on events and on a model file', async () => {
    const events = churn(300);
    const csv = `tenure,plan,has_discount,churn\n${events
      .map((e) => `${e.features.tenure},${e.features.plan},${e.features.has_discount ? 1 : 0},${e.label}`)
      .join('\n')}\n`;
    for (const [name, text, target] of [
      ['churn.jsonl', jsonl(events), 'label'],
      ['churn.csv', csv, 'churn'],
    ] as const) {
      const [plain, bom] = withAndWithoutBom(name, text);
      for (const command of [
        ['fit', '--lambda', '0.01'],
        ['path', '--nlambda', '20'],
      ]) {
        const args = [...command, '--target', target, '--family', 'binomial'];
        const a = await runCli([...args, '--input', plain]);
        const b = await runCli([...args, '--input', bom]);
        expect(b.stderr, `${command[0]} ${name}`).toBe(a.stderr);
        expect(b.code, `${command[0]} ${name}: ${b.stderr}`).toBe(0);
        expect(withoutTimes(b.stdout), `${command[0]} ${name}`).toBe(withoutTimes(a.stdout));
      }
    }
    const [plainEvents, bomEvents] = withAndWithoutBom('events.jsonl', jsonl(events));
    const fit = await runCli(['fit', '--input', plainEvents, '--target', 'label', '--family', 'binomial']);
    const [plainModel, bomModel] = withAndWithoutBom('model.json', fit.stdout);
    const a = await runCli(['score', '--model', plainModel, '--input', plainEvents]);
    const b = await runCli(['score', '--model', bomModel, '--input', bomEvents]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).not.toContain('"error"');
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr);
  });

  it('a --config file with a byte-order mark', async () => {
    const [, bomEvents] = withAndWithoutBom('events.jsonl', jsonl(churn(200)));
    const [, config] = withAndWithoutBom('config.json', JSON.stringify({ model: { family: 'binomial' } }));
    const r = await runCli(['replay', '--input', bomEvents, '--config', config, '--out', join(tmp(), 'o')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/200 events learned, 0 scored, 0 rejected/);
  });
});

describe('a reader that stops early (| head) ends the output quietly', () => {
  it('score | head -3: exit 0, no EPIPE and no stack (the built command line)', async () => {
    const dir = tmp();
    const events = churn(400);
    const input = join(dir, 'events.jsonl');
    // far more output than a pipe holds, so writes go on after the reader has gone
    writeFileSync(input, jsonl(Array.from({ length: 100 }, () => events).flat()));
    const model = join(dir, 'model.json');
    const fit = await runCli([
      'fit',
      '--input',
      input,
      '--target',
      'label',
      '--family',
      'binomial',
      '--lambda',
      '0.01',
      '--output',
      model,
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const child = spawn(process.execPath, ['bin/l1stream.js', 'score', '--model', model, '--input', input], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      // as head -3 does: close the pipe once three lines are in
      if (stdout.split('\n').length > 3) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(stdout.split('\n').length).toBeGreaterThan(3);
    // only the line that names the snapshot used, written before scoring (no EPIPE, no summary)
    expect(stderr).toMatch(/^score: scoring with "events" v1 \(batch, λ 0\.01,[^\n]*\n$/);
    expect(code).toBe(0);
  });
});

/**
 * `run` (the built command line) on a config whose `kafka.brokers` are `brokers`, with `env` added:
 * its exit code and its own lines (kafkajs logs each attempt as JSON; those are left out).
 */
async function runWithBrokers(
  brokers: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; ours: string[] }> {
  const config = join(tmp(), 'kafka.json');
  writeFileSync(
    config,
    JSON.stringify({ model: { family: 'binomial' }, kafka: { brokers, topics: ['events'] } }),
  );
  const child = spawn(process.execPath, ['bin/l1stream.js', 'run', '--config', config], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  return { code, ours: stderr.split('\n').filter((l) => l !== '' && !l.includes('"logger":"kafkajs"')) };
}

describe('run with a Kafka broker that does not answer', () => {
  // nothing listens on port 1: kafkajs retries (about a minute; seconds under vitest's NODE_ENV=test), then the run fails
  it('says so at once, then fails with one line naming kafka.brokers, exit 1, no internal error or stack (the built command line)', async () => {
    const { code, ours } = await runWithBrokers(['127.0.0.1:1']);
    expect(code).toBe(1);
    expect(ours).toEqual([
      // said at once, before kafkajs' retries are spent
      'run: no broker of kafka.brokers answers yet (127.0.0.1:1: ECONNREFUSED): kafkajs retries for about a minute before run stops; check kafka.brokers in the configuration and that the broker is running (Ctrl-C stops now)',
      'l1stream: no Kafka broker of kafka.brokers ["127.0.0.1:1"] answered (Connection error: connect ECONNREFUSED 127.0.0.1:1, ' +
        "after kafkajs' retries): check kafka.brokers in the configuration and that the broker is running",
    ]);
  }, 180_000);

  it("names L1S_KAFKA_BROKERS when the variable replaced the file's brokers, exit 1", async () => {
    const { code, ours } = await runWithBrokers(['127.0.0.1:2'], { L1S_KAFKA_BROKERS: '127.0.0.1:1' });
    expect(code).toBe(1);
    expect(ours).toEqual([
      'run: no broker of L1S_KAFKA_BROKERS answers yet (127.0.0.1:1: ECONNREFUSED): kafkajs retries for about a minute before run stops; check L1S_KAFKA_BROKERS and that the broker is running (Ctrl-C stops now)',
      'l1stream: no Kafka broker of L1S_KAFKA_BROKERS ["127.0.0.1:1"] answered (Connection error: connect ECONNREFUSED 127.0.0.1:1, ' +
        "after kafkajs' retries): check the environment variable L1S_KAFKA_BROKERS (it replaces kafka.brokers) and that the broker is running",
    ]);
  }, 180_000);
});

describe('run over files speaks of its own settings', () => {
  it('SIGINT: says it stopped and how to go on (state.dir, not --state), exit 0; the same command resumes', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, jsonl(churn(300_000)));
    const state = join(dir, 'state');
    const config = join(dir, 'run.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'binomial' },
        replay: { input, out: join(dir, 'out') },
        state: { dir: state, everyEvents: 2000 },
      }),
    );
    const child = spawn(process.execPath, ['bin/l1stream.js', 'run', '--config', config], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // interrupt once a checkpoint is committed (the manifest names a line)
    const poll = setInterval(() => {
      const manifest = join(state, 'l1stream-state.json');
      if (!existsSync(manifest)) return;
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { line: number }).line > 0) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      } catch {
        // written atomically, but it may be absent a moment
      }
    }, 20);
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    clearInterval(poll);
    // a service stopped on request exits 0, as a Kafka run does
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(
      `run: stopped by SIGINT after the batch in hand; the outputs cover the events read so far; the same command goes on from state.dir ${state}\n`,
    );
    const again = await runCli(['run', '--config', config]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      new RegExp(`^run: resuming from state\\.dir ${state} after line [\\d,]+ \\(`),
    );
    expect(again.stderr).not.toMatch(/--state|replay:/);
    // a state directory refused names state.dir too
    const other = join(dir, 'other.json');
    writeFileSync(other, readFileSync(config, 'utf8').replace('"binomial"}', '"binomial","lambda":0.5}'));
    const refused = await runCli(['run', '--config', other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      `l1stream: state.dir ${state} was made with other settings: model.lambda 0.5`,
    );
    expect(refused.stderr).toMatch('give another state.dir directory');
    expect(refused.stderr).not.toMatch(/--state/);
  }, 120_000);
});

describe('flags: typos, repeats and contradictions', () => {
  it('a typo names the flag it probably meant (also --no- switches and commands); no guess when none is close', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['fit', '--input', 'x.csv', '--target', 'y', '--lamda', '1'],
        'unknown option --lamda; did you mean --lambda?',
      ],
      [['replay', '--no-standardise'], 'unknown option --no-standardise; did you mean --no-standardize?'],
      [['score', '--modle', 'm.json'], 'unknown option --modle; did you mean --model?'],
      [['path', '--frobnicate'], 'unknown option --frobnicate\n'],
      [['replya'], 'unknown command "replya"; did you mean "replay"?'],
      // a switch given a value is named as written (parseArgs names --no-refit=3 '--refit')
      [['replay', '--no-refit=3'], '--no-refit is a switch and takes no value (got --no-refit=3)'],
      [['fit', '--input', 'x.csv', '--standardize=1'], '--standardize is a switch and takes no value'],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(`l1stream: ${message}`);
    }
    // the error stays in sight: three lines, not the command's whole help
    const r = await runCli(['replay', '--lamda', '0.1']);
    expect(r.stderr.trim().split('\n')).toHaveLength(3);
  });

  it('-v is --version; a command name that is an Object property is an unknown command', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['-v', '--version']) {
      const r = await runCli([flag]);
      expect([r.code, r.stdout, r.stderr], flag).toEqual([0, `${version}\n`, '']);
    }
    expect((await runCli(['--help'])).stdout).toContain("'l1stream --version' (-v) the version");
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = await runCli([name]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`l1stream: unknown command "${name}"`);
    }
  });

  it('a flag given twice, or a switch given both ways, is refused naming both', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['replay', '--input', 'a.jsonl', '--family', 'binomial', '--input', 'b.jsonl'],
        '--input is given twice (--input a.jsonl, then --input b.jsonl): give it once',
      ],
      [
        ['fit', '--input=a.csv', '--target', 'y', '--input', 'b.csv'],
        '--input is given twice (--input=a.csv, then --input b.csv): give it once',
      ],
      [
        ['replay', '--input', 'a.jsonl', '--standardize', '--no-standardize'],
        '--standardize and --no-standardize contradict each other: give one of them',
      ],
      [
        ['path', '--input', 'a.csv', '--no-standardize', '--no-standardize'],
        '--no-standardize is given twice: give it once',
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(`l1stream: ${message}\n`);
    }
    // a negative value is a value, not a flag: --lambda -1 reaches its own check
    const negative = await runCli(['replay', '--input', 'a.jsonl', '--family', 'binomial', '--lambda', '-1']);
    expect(negative.stderr).toMatch(/--lambda must be >= 0, got -1/);
  });
});

describe('counts read as English', () => {
  it('"1 refit", "1 event learned", not "1 refits"', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, jsonl(churn(2000)));
    // inline refits: exactly one, at the 1,500th event
    const args = ['replay', '--input', input, '--family', 'binomial', '--out', join(dir, 'o')];
    const r = await runCli([
      ...args,
      '--refit-every',
      '1500',
      '--refit-window',
      '1500',
      '--refit-threads',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/; 1 refit; /);
    writeFileSync(input, jsonl(churn(1)));
    const one = await runCli(args);
    expect(one.stderr).toMatch(/^replay: 1 event learned, 0 scored, 0 rejected; .*; 0 refits; /m);
  });
});

describe('replay: a compressed input, and --out reused', () => {
  it('a gzip file is refused before --out is touched, saying to decompress it (not "looks like CSV")', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl.gz');
    writeFileSync(input, gzipSync(jsonl(churn(500))));
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'models.jsonl'), 'earlier\n');
    const r = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `l1stream: --input ${input} is gzip-compressed; replay reads plain JSON lines or CSV: decompress it first (gunzip -k ${input})\n`,
    );
    expect(readFileSync(join(out, 'models.jsonl'), 'utf8')).toBe('earlier\n');
  });

  it("a replay into an --out that holds an earlier run's report.html removes it; --report writes a new one", async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, jsonl(churn(1000)));
    const out = join(dir, 'out');
    const args = ['replay', '--input', input, '--family', 'binomial', '--no-refit', '--out', out];
    expect((await runCli([...args, '--report'])).code).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect((await runCli(args)).code).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect((await runCli([...args, '--report'])).code).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('a replay into an --out that holds outputs of an earlier run says it replaces them; a first run says nothing', async () => {
    const dir = tmp();
    const first = join(dir, 'first.jsonl');
    const second = join(dir, 'second.jsonl');
    writeFileSync(first, jsonl(churn(400)));
    writeFileSync(
      second,
      jsonl([...churn(300), { features: { tenure: 3, plan: 'pro', has_discount: false } }]),
    );
    const out = join(dir, 'out');
    const args = ['replay', '--family', 'binomial', '--no-refit', '--no-progress', '--out', out];
    const a = await runCli([...args, '--input', first]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).not.toContain('replacing');
    const b = await runCli([...args, '--input', second]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain(
      `replay: replacing models.jsonl, summary.json of an earlier run in ${out} (give another --out to keep them)\n`,
    );
    // replaced, not appended to: the second run's one unlabelled event is the only score
    expect(readFileSync(join(out, 'scores.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    const c = await runCli([...args, '--input', second]);
    expect(c.stderr).toContain(
      'replay: replacing models.jsonl, scores.jsonl, summary.json of an earlier run in',
    );
    // the report of an earlier run is named too, as it is removed
    const report = await runCli(['report', '--input', out]);
    expect(report.code, report.stderr).toBe(0);
    const d = await runCli([...args, '--input', second]);
    expect(d.stderr).toContain(
      'replay: replacing models.jsonl, scores.jsonl, summary.json, report.html of an earlier run in',
    );
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  });

  it('a resumed replay says it removes the report of the run it goes on from', async () => {
    const dir = tmp();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, jsonl(churn(300)));
    const out = join(dir, 'out');
    const state = join(dir, 'state');
    const args = [
      'replay',
      '--family',
      'binomial',
      '--no-refit',
      '--no-progress',
      '--out',
      out,
      '--state',
      state,
    ];
    expect((await runCli([...args, '--input', input])).code).toBe(0);
    expect((await runCli(['report', '--input', out])).code).toBe(0);
    appendFileSync(input, jsonl(churn(50)));
    const resumed = await runCli([...args, '--input', input]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `replay: removing report.html of an earlier run in ${out}: it no longer describes the outputs ('l1stream report --input ${out}' writes it again)\n`,
    );
    expect(resumed.stderr).not.toContain('replacing');
  });
});

describe("fit's help says what it does with text cells", () => {
  it('one-hot column=text, empty and NA cells absent: as the help says', async () => {
    const help = await runCli(['fit', '--help']);
    expect(help.stdout).not.toMatch(/all feature columns numeric/);
    expect(help.stdout).toMatch(
      /other text the\s+one-hot column=text, and an empty or\s+NA\/NaN\/null cell absent/,
    );
    const dir = tmp();
    const input = join(dir, 'churn.csv');
    const rows = churn(200).map(
      (e, i) => `${i % 9 === 0 ? (i % 2 ? 'NA' : '') : e.features.tenure},${e.features.plan},${e.label}`,
    );
    writeFileSync(input, `tenure,plan,churn\n${rows.join('\n')}\n`);
    const r = await runCli([
      'fit',
      '--input',
      input,
      '--target',
      'churn',
      '--family',
      'binomial',
      '--lambda',
      '0.001',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const names = Object.keys((JSON.parse(r.stdout) as { coefficients: object }).coefficients);
    expect(names).toContain('tenure');
    expect(names.filter((n) => n.startsWith('plan=')).length).toBeGreaterThan(0);
    expect(names.every((n) => n === 'tenure' || n === 'plan=basic' || n === 'plan=pro')).toBe(true);
    expect(r.stderr).toMatch(/200 text cells were one-hot encoded as column=text/);
    expect(r.stderr).toMatch(/23 empty or missing-value cells .* were left out/);
    // a column of 2 texts is no id
    expect(r.stderr).not.toContain('if it is an id');
  });

  it('an id column whose name starts with "-" is named with --exclude=NAME, which reads back', async () => {
    const dir = tmp();
    const input = join(dir, 'dash.csv');
    const rows = churn(300).map((e, i) => `C${i},${e.features.tenure},${e.label}`);
    writeFileSync(input, `-id,tenure,churn\n${rows.join('\n')}\n`);
    const args = ['fit', '--input', input, '--target', 'churn', '--family', 'binomial', '--lambda', '0.01'];
    const r = await runCli(args);
    expect(r.stderr).toContain('if it is an id, leave it out (--exclude=-id)');
    const left = await runCli([...args, '--exclude=-id']);
    expect(left.code, left.stderr).toBe(0);
    expect(left.stderr).not.toContain('if it is an id');
  });

  it('a text column with a value per row (an id) is named, with the --exclude that leaves it out', async () => {
    const dir = tmp();
    const input = join(dir, 'ids.csv');
    const rows = churn(300).map((e, i) => `C${i},${e.features.tenure},${e.features.plan},${e.label}`);
    writeFileSync(input, `customer id,tenure,plan,churn\n${rows.join('\n')}\n`);
    const args = ['fit', '--input', input, '--target', 'churn', '--family', 'binomial', '--lambda', '0.01'];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `note: column "customer id" has 300 distinct texts in 300 rows, a one-hot column each: if it is an id, leave it out (--exclude 'customer id')\n`,
    );
    const left = await runCli([...args, '--exclude', 'customer id']);
    expect(left.code, left.stderr).toBe(0);
    expect(left.stderr).not.toContain('if it is an id');
  });

  it('a column with no value in any row is named (it has no coefficient)', async () => {
    const dir = tmp();
    const input = join(dir, 'empty.csv');
    const rows = churn(100).map((e) => `${e.features.tenure},,NA,${e.features.plan},${e.label}`);
    writeFileSync(input, `tenure,"notes, free text",score,plan,churn\n${rows.join('\n')}\n`);
    const args = ['fit', '--input', input, '--target', 'churn', '--family', 'binomial', '--lambda', '0.01'];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'note: columns "notes, free text", "score" have no value in any usable row, so the model has no coefficient for them',
    );
    const one = await runCli([...args, '--exclude', 'score']);
    expect(one.stderr).toContain('note: column "notes, free text" has no value in any usable row');
    // a column whose values are only in rows that were skipped (an empty target) has none usable
    const skipped = join(dir, 'skipped.csv');
    writeFileSync(skipped, `x,z,churn\n${rows.map((_, i) => `${i % 5},,${i % 2}`).join('\n')}\n7,3,\n`);
    const s = await runCli([
      'fit',
      '--input',
      skipped,
      '--target',
      'churn',
      '--family',
      'binomial',
      '--lambda',
      '0.01',
    ]);
    expect(s.stderr).toContain('note: column "z" has no value in any usable row');
  });
});

describe('a --state directory the run cannot make', () => {
  it('exits 2 naming the path and the fix, as --out does (not exit 1 with a bare ENOTDIR)', async () => {
    const dir = tmp();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, jsonl(churn(50)));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    // (a file system that refuses new entries: test/cli/robustInput.test.ts)
    const state = join(file, 'state');
    const replay = ['replay', '--input', input, '--family', 'binomial', '--out', join(dir, 'out')];
    const r = await runCli([...replay, '--state', state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `l1stream: --state ${state}: a part of the path is a file, not a directory; choose another path\n`,
    );
  });
});

describe('--input - (standard input by the usual dash)', () => {
  it('is refused with where standard input is, for every command that reads a file', async () => {
    for (const args of [
      ['replay', '--family', 'binomial', '--input', '-'],
      ['fit', '--target', 'y', '--input', '-'],
      ['path', '--target', 'y', '--input', '-'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain(
        '--input -: give a file; standard input is the file /dev/stdin (fit and path read it as CSV, replay and score as JSON lines)',
      );
    }
    const dir = tmp();
    const model = join(dir, 'model.json');
    writeFileSync(model, JSON.stringify({ family: 'binomial', intercept: 0, coefficients: {} }));
    const score = await runCli(['score', '--model', model, '--input', '-']);
    expect(score.code).toBe(2);
    expect(score.stderr).toContain('--input -: give a file; standard input is the file /dev/stdin');
  });
});

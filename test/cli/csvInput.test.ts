import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-csv-input-'));

describe('replay and run read a CSV file as a stream of its rows', () => {
  /** Seeded rows: a label, two numbers, a text column of 3 levels, an empty cell now and then. */
  function rows(
    n: number,
    seed: number,
  ): Array<{ label: number; x0: number; x1: number | null; plan: string }> {
    let s = seed;
    const u = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    return Array.from({ length: n }, () => {
      const x0 = Math.round((u() * 4 - 2) * 1000) / 1000;
      const x1 = u() < 0.1 ? null : Math.round((u() * 2 - 1) * 1000) / 1000;
      const plan = ['basic', 'pro', 'team, annual'][Math.floor(u() * 3)]!;
      const eta = -0.3 + 1.2 * x0 + (plan === 'pro' ? 0.8 : 0);
      return { label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, x0, x1, plan };
    });
  }
  const csvText = (rs: ReturnType<typeof rows>): string =>
    `churned,x0,x1,plan\n${rs.map((r) => `${r.label},${r.x0},${r.x1 ?? ''},"${r.plan}"`).join('\n')}\n`;
  const jsonlText = (rs: ReturnType<typeof rows>): string =>
    rs
      .map((r) =>
        JSON.stringify({
          label: r.label,
          features: { x0: r.x0, ...(r.x1 !== null ? { x1: r.x1 } : {}), plan: r.plan },
        }),
      )
      .join('\n') + '\n';
  /** The output lines without what differs between two runs of the same events (time, file name). */
  const lines = (out: string, file: string): string[] =>
    readFileSync(join(out, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const o = JSON.parse(l) as Record<string, unknown>;
        delete o.createdAt;
        delete o.source;
        if (typeof o.metrics === 'object' && o.metrics !== null) {
          const m = o.metrics as Record<string, unknown>;
          delete m.refitMs;
          delete m.solveMs;
        }
        return JSON.stringify(o);
      });
  const flags = [
    '--family',
    'binomial',
    '--refit-every',
    '1500',
    '--refit-window',
    '1500',
    '--refit-threads',
    '0',
  ];

  it('the same models and alerts as the JSON-lines events fit would make of the rows; --target names the label column', async () => {
    const rs = rows(4000, 11);
    const csv = join(dir, 'stream.csv');
    const jsonl = join(dir, 'stream.jsonl');
    writeFileSync(csv, csvText(rs));
    writeFileSync(jsonl, jsonlText(rs));
    const a = await runCli([
      'replay',
      '--input',
      csv,
      '--target',
      'churned',
      '--out',
      join(dir, 'c1'),
      ...flags,
    ]);
    const b = await runCli(['replay', '--input', jsonl, '--out', join(dir, 'j1'), ...flags]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    for (const file of ['models.jsonl', 'alerts.jsonl'])
      expect(lines(join(dir, 'c1'), file)).toEqual(lines(join(dir, 'j1'), file));
    expect(lines(join(dir, 'c1'), 'models.jsonl').some((l) => l.includes('"plan=team, annual"'))).toBe(true);
  });

  it('batches end at the same events whatever the bytes: a CSV, compact and spaced JSON lines give the same refits and alerts', async () => {
    // 30,000 events: refits every 4,000 (not a multiple of the 1,024-event batches), so each falls
    // where its batch ends; batches that ended at the file's 1 MiB chunks (as they did) put them elsewhere
    const rs = rows(30_000, 5);
    const csv = join(dir, 'long.csv');
    const compact = join(dir, 'long.jsonl');
    const spaced = join(dir, 'long-spaced.jsonl');
    writeFileSync(csv, csvText(rs));
    writeFileSync(compact, jsonlText(rs));
    writeFileSync(
      spaced,
      jsonlText(rs)
        .split('\n')
        .map((l) => (l === '' ? l : JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, ' ')))
        .join('\n'),
    );
    const common = [
      '--family',
      'binomial',
      '--refit-every',
      '4000',
      '--refit-window',
      '4000',
      '--refit-threads',
      '0',
    ];
    const runs = [
      ['c', ['--input', csv, '--target', 'churned']],
      ['j', ['--input', compact]],
      ['s', ['--input', spaced]],
    ] as const;
    for (const [name, input] of runs) {
      const r = await runCli(['replay', ...input, '--out', join(dir, `long-${name}`), ...common]);
      expect(r.code, r.stderr).toBe(0);
    }
    const refits = (name: string) =>
      lines(join(dir, `long-${name}`), 'models.jsonl').filter((l) => l.includes('"window"'));
    expect(refits('c').length).toBe(7);
    for (const file of ['models.jsonl', 'alerts.jsonl']) {
      expect(lines(join(dir, 'long-j'), file)).toEqual(lines(join(dir, 'long-c'), file));
      expect(lines(join(dir, 'long-s'), file)).toEqual(lines(join(dir, 'long-c'), file));
    }
  });

  it('bad rows go to the dead letters with their CSV line and reason, and the stream goes on', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      [
        'churned,x0,x1,plan',
        '1,0.5,0.1,a', // 2
        '0,0.2,0.3', // 3: a field short
        'yes,0.1,0.2,b', // 4
        '', // 5: blank
        '1,0.4,0.2,"multi', // 6-7: a quoted cell over two lines
        'line"',
        ',0.3,0.3,a', // 8: no label, scored
        '2,0.1,0.1,a', // 9
        '0,Infinity,0.1,a', // 10
        '1,"0.5",NA,"x ""q"" y"', // 11
        '0,0.1,0.2,"open', // 12: a quote nothing closes
      ].join('\n') + '\n',
    );
    const out = join(dir, 'bad');
    // batches of 2: the two-line row is joined across batches
    const r = await runCli([
      'replay',
      '--input',
      file,
      '--target',
      'churned',
      '--out',
      out,
      '--batch-size',
      '2',
      ...flags,
    ]);
    expect(r.code).toBe(0);
    const dead = readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; stage: string; reason: string });
    expect(dead.map((d) => [d.line, d.stage])).toEqual([
      [3, 'decode'],
      [4, 'validate'],
      [9, 'validate'],
      [10, 'validate'],
      [12, 'decode'],
    ]);
    expect(dead[0]!.reason).toBe('cannot decode: the row has 3 fields, the header has 4');
    expect(dead[1]!.reason).toMatch(/^column "churned": "yes" is not a number/);
    expect(dead[2]!.reason).toMatch(
      /^column "churned": a binomial label must be 0 or 1 \(or true or false\), got 2/,
    );
    expect(dead[4]!.reason).toMatch(/unterminated quoted field/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
    expect([summary.records, summary.events, summary.scored, summary.rejected]).toEqual([9, 3, 1, 5]);
    const scores = readFileSync(join(out, 'scores.jsonl'), 'utf8').trim().split('\n');
    expect(scores.map((l) => (JSON.parse(l) as { offset: string }).offset)).toEqual(['8']);
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8');
    expect(models).toContain('"plan=multi\\nline"');
    expect(models).toContain('"plan=x \\"q\\" y"');
  });

  it('resumes with --state after the rows its checkpoint covers: the same models as one run', async () => {
    const rs = rows(5000, 12);
    const whole = join(dir, 'whole.csv');
    writeFileSync(whole, csvText(rs));
    const grown = join(dir, 'grown.csv');
    // the first 2,500 rows, then the file grows (a log appended to)
    writeFileSync(grown, csvText(rs.slice(0, 2500)));
    const state = join(dir, 'grown-state');
    const common = ['--target', 'churned', ...flags, '--snapshot-every', '1000'];
    const resumed = (target = 'churned') =>
      runCli([
        'replay',
        '--input',
        grown,
        '--state',
        state,
        '--out',
        join(dir, 'g'),
        ...common.slice(2),
        '--target',
        target,
      ]);
    const first = await resumed();
    expect(first.code).toBe(0);
    writeFileSync(grown, csvText(rs));
    const second = await resumed();
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/resum/);
    // the same rows with another label column are other events: refused
    const other = await resumed('x0');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('replay.target');
    const once = await runCli(['replay', '--input', whole, '--out', join(dir, 'w'), ...common]);
    expect(once.code).toBe(0);
    const last = (out: string) => {
      const ls = readFileSync(join(out, 'models.jsonl'), 'utf8').trim().split('\n');
      const m = JSON.parse(
        ls.filter((l) => (JSON.parse(l) as { source: string }).source === 'online').at(-1)!,
      ) as Record<string, unknown>;
      return [m.offset, m.intercept, m.coefficients];
    };
    expect(last(join(dir, 'g'))).toEqual(last(join(dir, 'w')));
  });

  it('without --target, a column named "label"; else the error names the columns, before any output', async () => {
    const replay = (input: string, out: string, ...extra: string[]) =>
      runCli(['replay', '--input', input, '--family', 'gaussian', '--out', out, ...extra]);
    const file = join(dir, 'nolabel.csv');
    writeFileSync(file, 'y,x\n1,2\n0,3\n');
    const out = join(dir, 'nolabel');
    const r = await replay(file, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `--input ${file} is a CSV file: name its label column with --target (it has no column "label"); its columns are: y, x`,
    );
    const typo = await replay(file, out, '--target', 'yy');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('the label column "yy" is not in the header');
    expect(typo.stderr).toContain('(did you mean "y"?)');
    expect(existsSync(out)).toBe(false);
    const semi = join(dir, 'semi.csv');
    writeFileSync(semi, 'y;x\n1;2\n');
    const separated = await replay(semi, out, '--target', 'y');
    expect(separated.code).toBe(1);
    expect(separated.stderr).toContain('the file looks separated by semicolons');
    // fit, path and score say it too (once)
    for (const argv of [
      ['fit', '--input', semi, '--target', 'y', '--lambda', '0.1'],
      ['path', '--input', semi, '--target', 'y'],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv[0]).toBe(1);
      expect(r.stderr.match(/the file looks separated by semicolons/g), argv[0]).toHaveLength(1);
    }
    expect(separated.stderr.match(/looks separated/g)).toHaveLength(1);
    const labelled = join(dir, 'labelled.csv');
    writeFileSync(labelled, 'x,label\n2,1\n3,0\n');
    const ok = await replay(labelled, join(dir, 'labelled'));
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('2 events learned');
    const jsonl = join(dir, 'events.jsonl');
    writeFileSync(jsonl, '{"label": 1, "features": {"x": 2}}\n');
    const wrong = await replay(jsonl, out, '--target', 'y');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--target names the label column of a CSV input');
  });

  it('run (files) reads it too, its label column named by replay.target', async () => {
    const file = join(dir, 'run.csv');
    writeFileSync(file, 'y,x\n1,2\n0,3\n1,2.5\n');
    const out = join(dir, 'run-out');
    const config = join(dir, 'run.json');
    writeFileSync(
      config,
      JSON.stringify({ model: { family: 'binomial' }, replay: { input: file, out, target: 'y' } }),
    );
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({
      events: 3,
      rejected: 0,
    });
  });
});

describe('score reads a CSV as fit reads it', () => {
  it('each data row scored as the event fit makes of it: numbers by column, text one-hot, empty cells absent; --target its label', async () => {
    const rows = [
      'churned,tenure,plan,discount,note',
      '1,3,pro,true,',
      '0,40,basic,false,NA',
      '1,"5",pro,TRUE,x',
      'bad,row',
      '0,12,,false,',
    ];
    const file = join(dir, 'churn.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const coefficients = { tenure: -0.05, 'plan=pro': 0.8, discount: -0.4 };
    const m = join(dir, 'churn-model.json');
    writeFileSync(m, JSON.stringify({ family: 'binomial', intercept: 0.2, coefficients }));
    const r = await runCli(['score', '--model', m, '--input', file, '--target', 'churned']);
    expect(r.code).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; prediction?: number; error?: string });
    const p = (margin: number) => 1 / (1 + Math.exp(-margin));
    expect(out.map((o) => o.line)).toEqual([2, 3, 4, 5, 6]);
    expect(out[0]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 3 + 0.8 - 0.4), 14);
    expect(out[1]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 40), 14);
    expect(out[2]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 5 + 0.8 - 0.4), 14);
    expect(out[3]!.error).toBe('line 5 has 2 fields, the header has 5');
    expect(out[4]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 12), 14);
    // the labels count in the summary line: 4 labelled rows
    expect(r.stderr).toMatch(/4 events scored .*, 1 rejected.*log loss/);
    // a target that is not a column is named with the header's columns
    const typo = await runCli(['score', '--model', m, '--input', file, '--target', 'churn']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toBe(
      `l1stream: the target column "churn" is not in the header of ${file}; its columns are: churned, tenure, plan, discount, note\n`,
    );
    // --target with JSON lines: refused, events carry their own label
    const events = join(dir, 'e.jsonl');
    writeFileSync(events, `${JSON.stringify({ features: { tenure: 1 } })}\n`);
    const jsonl = await runCli(['score', '--model', m, '--input', events, '--target', 'y']);
    expect(jsonl.code).toBe(2);
    expect(jsonl.stderr).toMatch(/--target names the label column of a CSV input/);
  });
});

describe('score reads a CSV that is not all UTF-8 as fit does', () => {
  it('a row with bytes that are not UTF-8 is an error line, not scored with U+FFFD; a header so is refused', async () => {
    const m = join(dir, 'city-model.json');
    writeFileSync(m, JSON.stringify({ family: 'gaussian', intercept: 1, coefficients: { 'city=Köln': 4 } }));
    const file = join(dir, 'latin1.csv');
    // Köln in Latin-1 on line 2, in UTF-8 on line 3
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('city\nK'), Buffer.from([0xf6]), Buffer.from('ln\nKöln\n')]),
    );
    const r = await runCli(['score', '--model', m, '--input', file]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; prediction?: number; error?: string });
    expect(out.map((o) => o.line)).toEqual([2, 3]);
    expect(out[0]!.error).toMatch(/^line 2: not valid UTF-8 at byte 1 \(0xF6\)/);
    expect(out[1]!.prediction).toBe(5);
    const header = join(dir, 'latin1-header.csv');
    writeFileSync(header, Buffer.concat([Buffer.from('st'), Buffer.from([0xe4]), Buffer.from('dt\nx\n')]));
    const refused = await runCli(['score', '--model', m, '--input', header]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /latin1-header\.csv line 1: the header row is not valid UTF-8 at byte \d+ \(0x[0-9A-F]{2}\): .* Write the file as UTF-8/,
    );
  });
});

describe('a CSV stream with rows that break the format loses those rows only', () => {
  const run = (file: string, out: string, ...extra: string[]) =>
    runCli(['replay', '--input', file, '--family', 'gaussian', '--out', out, '--no-progress', ...extra]);
  const deadLetters = (out: string) =>
    readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { line: number; reason: string });
  const summary = (out: string) =>
    JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
  const good = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `tv,${(from + i) % 17},${(from + i) % 5}`);

  it('a quote inside an unquoted field: that row, named by its line (not the 1,989 rows after it)', async () => {
    const rows = ['kind,x,label', ...good(2000)];
    rows[10] = 'tv,5" screen,3';
    const file = join(dir, 'stray.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const out = join(dir, 'stray');
    const r = await run(file, out);
    expect(r.code).toBe(0);
    expect(deadLetters(out).map((d) => d.line)).toEqual([11]);
    expect(deadLetters(out)[0]!.reason).toMatch(/a quote \("\) inside a field that does not start with one/);
    expect(summary(out).events).toBe(1999);
  });

  it('a quote that nothing closes: its line, within --max-record-bytes or at the end of the file; the rows after it are read', async () => {
    const rows = ['kind,x,label', ...good(5), 'tv,"open,3', ...good(50, 5), 'tv,2,"also open'];
    const file = join(dir, 'open.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const out = join(dir, 'open');
    const r = await run(file, out, '--max-record-bytes', '200');
    expect(r.code).toBe(0);
    expect(deadLetters(out).map((d) => d.line)).toEqual([7, 58]);
    expect(deadLetters(out)[0]!.reason).toMatch(/an unterminated quoted field/);
    expect(summary(out).events).toBe(55);
  });

  it('a quote left open that the next row’s quoted field would close: that line only, in replay and in fit', async () => {
    // RFC 4180 reads lines 3 and 4 as one row with a stray quote, which cost the valid line 4
    const rows = ['kind,x,label', ...good(1), 'tv,"open,3', '"radio",2,4', ...good(3, 1)];
    const file = join(dir, 'closedNext.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const out = join(dir, 'closedNext');
    const r = await run(file, out);
    expect(r.code, r.stderr).toBe(0);
    expect(deadLetters(out).map((d) => d.line)).toEqual([3]);
    expect(deadLetters(out)[0]!.reason).toMatch(/an unterminated quoted field/);
    expect(summary(out).events).toBe(5);
    const fitted = await runCli(['fit', '--input', file, '--target', 'label', '--lambda', '0.1']);
    expect(fitted.code, fitted.stderr).toBe(0);
    expect(JSON.parse(fitted.stdout)).toMatchObject({ metrics: { events: 5, rejected: 1 } });
    expect(fitted.stderr).toMatch(/line 3: an unterminated quoted field/);
  });

  it('a quoted cell over many lines is one row up to --max-record-bytes (its bytes, not 3 per character)', async () => {
    const cell = Array.from({ length: 8 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const rows = ['kind,x,label', `"${cell}",1,2`, ...good(5)];
    const file = join(dir, 'long.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const out = join(dir, 'long');
    const r = await run(file, out, '--max-record-bytes', '1000');
    expect(r.code).toBe(0);
    expect(deadLetters(out)).toEqual([]);
    expect(summary(out).events).toBe(6);
  });

  it('a line that is not UTF-8 inside a quoted cell: that row, with the reason; and a CRLF inside a quoted cell is kept, as fit keeps it', async () => {
    const file = join(dir, 'latin.csv');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('kind,x,label\r\n1,"first\r\ncaf'),
        Buffer.from([0xe9]),
        Buffer.from('\r\nend",2\r\n"a\r\nb",4,6\r\n3,"b",6\r\n4,"c",8\r\n"a\r\nb",5,yes\r\n'),
      ]),
    );
    const out = join(dir, 'latin');
    const r = await run(file, out);
    expect(r.code).toBe(0);
    const dead = deadLetters(out);
    expect(dead.map((d) => d.line)).toEqual([4, 10]);
    expect(dead[0]!.reason).toMatch(/not valid UTF-8/);
    expect(summary(out).events).toBe(3);
    // the row as read: its quoted cell's CRLF kept (fit's cell "a\r\nb"), the row's own CRLF not
    expect((dead[1] as unknown as { value: string }).value).toBe('"a\r\nb",5,yes');
  });

  it('resumed after rows were appended to a row left open at the end: the rows after it are learned', async () => {
    const file = join(dir, 'partial.csv');
    writeFileSync(file, 'x,note,label\n1,a,2\n2,"partial\n');
    const state = join(dir, 'partial-state');
    const out = join(dir, 'partial');
    const first = await run(file, out, '--state', state);
    expect(first.code).toBe(0);
    writeFileSync(file, 'x,note,label\n1,a,2\n2,"partial\nrest",4\n3,b,6\n4,c,8\n5,d,10\n');
    const second = await run(file, out, '--state', state);
    expect(second.code).toBe(0);
    expect(deadLetters(out).map((d) => d.line)).toEqual([3, 4]);
    // (this run's: the 3 rows after the broken one)
    expect(summary(out).events).toBe(3);
  });

  it('the header: after blank lines, a byte-order mark; refused with lines ending in CR alone, not UTF-8, or gzip; a header alone', async () => {
    const blank = join(dir, 'blankfirst.csv');
    writeFileSync(blank, '\uFEFF\n\nx,label\n1,2\n2,4\n');
    const r = await run(blank, join(dir, 'blankfirst'));
    expect(r.code).toBe(0);
    expect(summary(join(dir, 'blankfirst')).events).toBe(2);
    const cr = join(dir, 'cr.csv');
    writeFileSync(cr, 'x,label\r1,2\r2,4\r');
    const c = await run(cr, join(dir, 'cr'));
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('end with a carriage return alone');
    // fit, path and score refuse it alike (they read it, rows replay would not)
    for (const argv of [
      ['fit', '--input', cr, '--target', 'label', '--lambda', '0.1'],
      ['path', '--input', cr, '--target', 'label'],
      ['score', '--model', join(dir, 'blankfirst', 'models.jsonl'), '--input', cr],
    ]) {
      const refused = await runCli(argv);
      expect(refused.code, argv[0]).toBe(1);
      expect(refused.stderr, argv[0]).toContain(
        `the lines of ${cr} end with a carriage return alone (CR, as classic Mac OS wrote them): convert them to LF or CRLF first`,
      );
    }
    const latin = join(dir, 'latin-header.csv');
    writeFileSync(
      latin,
      Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(',label\n1,2\n')]),
    );
    const l = await run(latin, join(dir, 'latin-header'));
    expect(l.code).toBe(1);
    expect(l.stderr).toContain('is not valid UTF-8');
    const gz = join(dir, 'rows.csv');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    const g = await run(gz, join(dir, 'gz'));
    expect(g.code).toBe(2);
    expect(g.stderr).toContain('is gzip-compressed');
    const only = join(dir, 'only.csv');
    writeFileSync(only, 'x,label\n');
    const o = await run(only, join(dir, 'only'));
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('has no rows after its header');
  });

  it('--state made with the default label column goes on with --target label', async () => {
    const file = join(dir, 'res.csv');
    writeFileSync(file, 'x,label\n1,2\n2,4\n');
    const state = join(dir, 'res-state');
    expect((await run(file, join(dir, 'res'), '--state', state)).code).toBe(0);
    writeFileSync(file, 'x,label\n1,2\n2,4\n3,6\n');
    const again = await run(file, join(dir, 'res'), '--state', state, '--target', 'label');
    expect(again.code).toBe(0);
    expect(summary(join(dir, 'res')).events).toBe(1);
  });
});

describe('a CSV key column', () => {
  it('keys the models by its cells as written: 007 is not 7, NA is a key, ids past 2^53 keep their digits', async () => {
    const keys = ['007', '7', '12345678901234567890', '12345678901234567891', 'NA'];
    const file = join(dir, 'keyed.csv');
    const rows = Array.from(
      { length: 200 },
      (_, i) => `${keys[i % keys.length]},${i % 7},${(i % 7) + (i % 3)}`,
    );
    writeFileSync(file, `cust,x,y\n${rows.join('\n')}\n`);
    const out = join(dir, 'keyed');
    const r = await runCli([
      'replay',
      '--input',
      file,
      '--target',
      'y',
      '--family',
      'gaussian',
      '--key-by',
      'cust',
      '--no-refit',
      '--no-progress',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; coefficients: Record<string, number> });
    expect([...new Set(models.map((m) => m.key))].sort()).toEqual([...keys].sort());
    // (the key field is left out of its models' features)
    expect(models.every((m) => !('cust' in m.coefficients))).toBe(true);
    // score reads the key column alike: each row by its own key's model
    const scored = await runCli([
      'score',
      '--model',
      join(out, 'models.jsonl'),
      '--input',
      file,
      '--key-by',
      'cust',
    ]);
    expect(scored.code, scored.stderr).toBe(0);
    const lines = scored.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key?: string; model?: { key: string }; error?: string });
    expect(lines.filter((l) => l.error !== undefined)).toEqual([]);
    expect(lines.slice(0, 5).map((l) => l.key)).toEqual(keys);
  });
});

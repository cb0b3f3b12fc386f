import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-input-'));

/** A seeded uniform(0, 1) stream (LCG), so every run sees the same events. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const readJsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

interface Summary {
  records: number;
  events: number;
  scored: number;
  rejected: number;
  rejectRate: number | null;
  warnings: string[];
}

function replayAs(family: string, input: string, out: string, ...more: string[]) {
  return runCli(['replay', '--input', input, '--family', family, '--out', out, '--no-refit', ...more]);
}

const replay = (input: string, out: string, ...more: string[]) => replayAs('gaussian', input, out, ...more);

/** y = 2·x0 + noise; x0 numeric except in the lines `odd` picks, which carry `odd(i)` instead. */
function typedLines(n: number, odd: (i: number) => unknown): string[] {
  const u = uniform(7);
  return Array.from({ length: n }, (_, i) => {
    const x0 = 2 * u() - 1;
    const y = 2 * x0 + 0.05 * (u() - 0.5);
    const special = odd(i);
    return JSON.stringify({ label: y, features: { x0: special === undefined ? x0 : special, x1: u() } });
  });
}

describe('a field whose type changes does not kill the stream (issue 11, item 1)', () => {
  it('a first event with "x0": "high" then 5,000 numeric x0: all 5,001 learned, x0 and x0=high side by side', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${typedLines(5001, (i) => (i === 0 ? 'high' : undefined)).join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await replay(input, out);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    expect(summary).toMatchObject({ records: 5001, events: 5001, rejected: 0, warnings: [] });
    expect(summary).toMatchObject({ features: 3 }); // x0=high, x1, x0
    const last = readJsonl(join(out, 'models.jsonl')).at(-1) as { coefficients: Record<string, number> };
    // the slope of y on x0 is 2
    expect(last.coefficients.x0).toBeGreaterThan(1.5);
    expect(last.coefficients.x0).toBeLessThan(2.5);
  });

  it('"NaN", "" and "null" strings in a numeric field are missing values, not rejections or one-hots', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const marks = ['NaN', '', 'null'];
    writeFileSync(input, `${typedLines(3000, (i) => (i % 4 === 0 ? marks[i % 3] : undefined)).join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await replay(input, out, '--lambda', '0');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary & {
      features: number;
    };
    expect(summary).toMatchObject({ events: 3000, rejected: 0 });
    expect(summary.features).toBe(2); // x0 and x1, no x0=NaN
    const last = readJsonl(join(out, 'models.jsonl')).at(-1) as { coefficients: Record<string, number> };
    expect(Object.keys(last.coefficients).sort()).toEqual(['x0', 'x1']);
  });

  it('a high reject rate is said loudly: a log line during the run, a warning at the end and in summary.json', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    // every third record is not an event
    const lines = typedLines(3000, () => undefined).map((l, i) => (i % 3 === 1 ? `{"label": oops` : l));
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await replay(input, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/replay: warning: 33\.\d% of the last 1000 or more records were rejected/);
    expect(r.stderr.match(/of the last 1000 or more records were rejected/g)).toHaveLength(1); // rate-limited
    expect(r.stderr).toMatch(/replay: warning: 33\.3% of the records were rejected \(1000 of 3000\)/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    expect(summary.rejectRate).toBeCloseTo(1 / 3, 12);
    expect(summary.warnings).toEqual([expect.stringMatching(/^33\.3% of the records were rejected/)]);
  });
  it('fit on JSONL events learns a field whose type changes, like replay', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(
      input,
      `${typedLines(500, (i) => (i === 0 ? 'high' : i % 10 === 5 ? 'NaN' : undefined)).join('\n')}\n`,
    );
    const r = await runCli(['fit', '--input', input, '--target', 'label', '--lambda', '0.001']);
    expect(r.code, r.stderr).toBe(0);
    const model = JSON.parse(r.stdout) as { coefficients: Record<string, number> };
    expect(model.coefficients.x0).toBeGreaterThan(1.5);
    expect(Object.keys(model.coefficients)).not.toContain('x0=NaN');
  });
});

describe('exact names beyond model.maxFeatures are left out, counted and said (issue 11, item 3)', () => {
  it('--max-features 50 over 1,000 events with a name of their own each: 951 feature values left out', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const u = uniform(3);
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ label: u() < 0.5 ? 0 : 1, features: { x0: u(), [`id${i}`]: 1 } }),
    );
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await replayAs('binomial', input, out, '--max-features', '50');
    expect(r.code, r.stderr).toBe(0);
    // 1,001 names (x0 and id0..id999); the first 50 get columns, each later name is one value left out
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary & {
      droppedFeatures: number;
      features: number;
    };
    expect(summary).toMatchObject({ events: 1000, rejected: 0, features: 50, droppedFeatures: 951 });
    expect(
      r.stderr.match(/replay: warning: model "default" has 50 columns, its model.maxFeatures/g),
    ).toHaveLength(1);
    expect(r.stderr).toMatch(
      /replay: warning: 951 feature values were left out because a model reached model.maxFeatures/,
    );
    const last = readJsonl(join(out, 'models.jsonl')).at(-1) as { metrics: { droppedFeatures: number } };
    expect(last.metrics.droppedFeatures).toBe(951);
  });
});

describe('replay exits non-zero when it learned nothing (issue 11, item 4)', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'an empty file',
      '',
      /replay: error: nothing learned: .*events\.jsonl has no events \(it is empty or blank\)/,
    ],
    [
      'a CSV passed as JSONL',
      'x0,x1,y\n0.5,1,2\n0.25,0,1\n',
      /replay: error: nothing learned: all 3 records .* were rejected .*looks like CSV \(first line: "x0,x1,y"\): replay reads JSON lines/,
    ],
    [
      'a long CSV passed as JSONL (its first 1,000 records rejected: it stops early, and still says so)',
      // 3 MB: more than the reader's chunks ahead of the early stop
      `x0,x1,y\n${`0.5,1,${'2'.repeat(40)}\n`.repeat(70_000)}`,
      /replay: error: nothing learned: the first [\d,]+ records .* were all rejected, so it stopped there;.*looks like CSV \(first line: "x0,x1,y"\): replay reads JSON lines.*or a CSV file named \.csv/,
    ],
    [
      'every event rejected',
      `${JSON.stringify({ label: 'yes', features: { a: 1 } })}\n${JSON.stringify({ label: 1 })}\n`,
      /replay: error: nothing learned: all 2 records of .* were rejected \(see dead-letters\.jsonl\)$/m,
    ],
    [
      'no event with a label',
      `${JSON.stringify({ features: { a: 1 } })}\n`,
      /replay: error: nothing learned: none of the 1 events of .* has a "label"/,
    ],
  ];
  for (const [what, text, message] of cases) {
    it(`${what}: exit 1 and why`, async () => {
      const dir = tmp();
      const input = join(dir, 'events.jsonl');
      writeFileSync(input, text);
      const r = await replay(input, join(dir, 'out'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    });
  }

  it('fit on a CSV named .jsonl says it looks like CSV', async () => {
    const dir = tmp();
    const input = join(dir, 'data.jsonl');
    writeFileSync(input, 'x0,x1,y\n0.5,1,2\n');
    const r = await runCli(['fit', '--input', input, '--target', 'label', '--lambda', '0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /data\.jsonl has no labelled events \(2 lines that are not valid events\): this looks like CSV; give the file a \.csv name/,
    );
  });
});

describe('a record over maxRecordBytes is dead-lettered and the run goes on (issue 11, item 3)', () => {
  it('a 3 MiB line between good ones: dead-lettered with its size and the flag, every other line learned', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const lines = typedLines(2000, () => undefined);
    const huge = JSON.stringify({ label: 1, features: { blob: 'x'.repeat(3 << 20) } });
    lines.splice(700, 0, huge);
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await replay(input, out);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    expect(summary).toMatchObject({ records: 2001, events: 2000, rejected: 1 });
    const [letter] = readJsonl(join(out, 'dead-letters.jsonl'));
    expect(letter.line).toBe(701);
    expect(letter.reason).toBe(
      `record is ${Buffer.byteLength(huge)} bytes, over the limit of 1048576 bytes: raise limits.maxRecordBytes in the configuration (replay, fit, path, score: --max-record-bytes)`,
    );
    expect((letter.value as string).length).toBeLessThanOrEqual(256);
    // raised, the same line is an event
    const raised = await replay(input, join(dir, 'raised'), '--max-record-bytes', String(4 << 20));
    expect(raised.code, raised.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'raised', 'summary.json'), 'utf8'))).toMatchObject({
      events: 2001,
      rejected: 0,
    });
  });
});

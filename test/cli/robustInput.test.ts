import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-robust-'));

/** 400 labelled events (x, z, a one-hot c) of a family, as JSON lines. */
function eventLines(family: 'gaussian' | 'binomial'): string[] {
  const rng = new Rng(3);
  return Array.from({ length: 400 }, () => {
    const x = 4 * rng.next() - 2;
    const z = 4 * rng.next() - 2;
    const eta = 1.2 * x - 0.5 * z + 0.3;
    const label =
      family === 'gaussian' ? eta + 0.5 * rng.normal() : rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    return JSON.stringify({ label, features: { x, z, c: rng.next() < 0.4 ? 'a' : 'b' } });
  });
}

const write = (path: string, lines: readonly string[]) => (
  writeFileSync(path, `${lines.join('\n')}\n`),
  path
);
const jsonl = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

describe('an output directory that cannot be created fails at once, naming it (Node’s recursive mkdir loops under /proc)', () => {
  /** The built command, stopped after 30 s (a hang would otherwise stop the test run). */
  const built = (args: string[]) =>
    promisify(execFile)(process.execPath, ['bin/l1stream.js', ...args], { cwd: root, timeout: 30_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number | null; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );

  it.runIf(existsSync('/proc/self'))(
    'replay --out /proc/..., --state /proc/..., and run with replay.out under /proc',
    async () => {
      const dir = tmp();
      const input = write(join(dir, 'events.jsonl'), eventLines('binomial'));
      const replay = ['replay', '--input', input, '--family', 'binomial'];
      const a = await built([...replay, '--out', '/proc/l1s-out']);
      expect(a).toEqual({
        code: 2,
        stderr:
          'l1stream: --out /proc/l1s-out: cannot create /proc/l1s-out: the file system refuses new entries in /proc; choose another path\n',
      });
      const b = await built([...replay, '--out', '/proc/l1s-out/deeper']);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/^l1stream: --out \/proc\/l1s-out\/deeper: cannot create \/proc\/l1s-out: /);
      const c = await built([...replay, '--state', '/proc/l1s-state', '--out', join(dir, 'o')]);
      expect(c.code).toBe(2); // as for --out (it was 1 before 2026-12-03)
      expect(c.stderr).toBe(
        'l1stream: --state /proc/l1s-state: cannot create /proc/l1s-state: the file system refuses new entries in /proc; choose another path\n',
      );
      const config = join(dir, 'run.json');
      writeFileSync(
        config,
        JSON.stringify({ model: { family: 'binomial' }, replay: { input, out: '/proc/l1s-run/out' } }),
      );
      const d = await built(['run', '--config', config]);
      expect(d.code).toBe(2);
      expect(d.stderr).toMatch(
        /^l1stream: replay\.out \/proc\/l1s-run\/out: cannot create \/proc\/l1s-run: [^\n]*\n$/,
      );
    },
    120_000,
  );
});

describe('an output file under /proc is refused before any work, in one line naming the flag', () => {
  it.runIf(existsSync('/proc/self'))('fit, path, score and report', async () => {
    const dir = tmp();
    const input = write(join(dir, 'events.jsonl'), eventLines('gaussian'));
    const csv = write(join(dir, 'data.csv'), ['y,x', '1,2', '0,3', '1,1', '1,2,3']); // (a row skipped: a warning)
    const out = join(dir, 'o');
    expect((await runCli(['replay', '--input', input, '--family', 'gaussian', '--out', out])).code).toBe(0);
    const refused = (flag: string, path: string) => ({
      code: 2,
      stdout: '',
      stderr: `l1stream: ${flag} ${path}: cannot create ${path}: the file system refuses new entries in /proc; choose another path\n`,
    });
    const fit = ['fit', '--input', csv, '--target', 'y', '--lambda', '0.1'];
    expect(await runCli([...fit, '--output', '/proc/l1s-fit.json'])).toEqual(
      refused('--output', '/proc/l1s-fit.json'),
    );
    expect(await runCli([...fit, '--dead-letters', '/proc/l1s-dl.jsonl'])).toEqual(
      refused('--dead-letters', '/proc/l1s-dl.jsonl'),
    );
    const path = ['path', '--input', csv, '--target', 'y', '--plot', '/proc/l1s-path.svg'];
    expect(await runCli(path)).toEqual(refused('--plot', '/proc/l1s-path.svg'));
    const score = ['score', '--model', join(out, 'models.jsonl'), '--input', input];
    expect(await runCli([...score, '--output', '/proc/l1s-scores.jsonl'])).toEqual(
      refused('--output', '/proc/l1s-scores.jsonl'),
    );
    expect(await runCli(['report', '--input', out, '--output', '/proc/l1s-report.html'])).toEqual(
      refused('--output', '/proc/l1s-report.html'),
    );
  });
});

describe('score takes labelled events: labels do not change a score, and the summary gives the loss on them', () => {
  for (const family of ['binomial', 'gaussian'] as const) {
    it(`${family}: the training file scores as it would without labels; unusable labels are left out of the loss only`, async () => {
      const dir = tmp();
      const lines = eventLines(family);
      // two labels the family cannot use: a string, and (binomial) a 7 / (gaussian) a boolean is fine, so a string again
      lines[10] = lines[10]!.replace(/"label":[^,]+/, '"label":"yes"');
      if (family === 'binomial') lines[20] = lines[20]!.replace(/"label":[^,]+/, '"label":7');
      const input = write(join(dir, 'train.jsonl'), lines);
      const out = join(dir, 'o');
      expect((await runCli(['replay', '--input', input, '--family', family, '--out', out])).code).toBe(0);
      const model = join(out, 'models.jsonl');
      const r = await runCli(['score', '--model', model, '--input', input]);
      expect(r.code, r.stderr).toBe(0);
      const unlabelled = write(
        join(dir, 'unlabelled.jsonl'),
        lines.map((l) => l.replace(/"label":[^,]+,/, '')),
      );
      const u = await runCli(['score', '--model', model, '--input', unlabelled]);
      // every line scored, as the same events without their labels
      expect(r.stdout).toBe(u.stdout);
      const scores = jsonl<{ line: number; prediction: number; error?: string }>(r.stdout);
      expect(scores.filter((s) => s.error !== undefined)).toEqual([]);
      expect(scores).toHaveLength(400);
      // the summary's loss: the mean loss of those predictions over the usable labels
      const unusable = family === 'binomial' ? [11, 21] : [11];
      let sum = 0;
      let n = 0;
      for (const s of scores) {
        if (unusable.includes(s.line)) continue;
        const y = (JSON.parse(lines[s.line - 1]!) as { label: number }).label;
        sum +=
          family === 'binomial'
            ? -Math.log(y === 1 ? s.prediction : 1 - s.prediction)
            : (y - s.prediction) ** 2;
        n++;
      }
      const m =
        /; (\d+) labelled: (?:log loss|MSE) ([0-9.]+)(?:, AUC [0-9.]+)?; (\d) labels? left out: not usable for (\w+)\n$/.exec(
          r.stderr,
        );
      expect(m, r.stderr).not.toBeNull();
      expect(Number(m![1])).toBe(n);
      expect(Number(m![2])).toBeCloseTo(sum / n, 4);
      expect(Number(m![3])).toBe(unusable.length);
      expect(m![4]).toBe(family);
      expect(u.stderr).not.toMatch(/labelled|left out/);
    });
  }
});

describe('fit and path skip lines that are not valid events, as replay dead-letters them', () => {
  const bad = [
    'not json',
    '{"label":2,"features":{"x":1}}',
    '{"label":1,"features":{"x":[1]}}',
    '{"label":1}',
    '{"label":"1","features":{"x":1}}',
  ];
  /** The training lines with the bad ones spread through them, and the same without. */
  function files(dir: string) {
    const good = eventLines('binomial');
    const mixed = good.flatMap((l, i) => (i % 80 === 40 ? [bad[i / 80 - 0.5]!, l] : [l]));
    expect(mixed).toHaveLength(405);
    return { input: write(join(dir, 'train.jsonl'), mixed), clean: write(join(dir, 'clean.jsonl'), good) };
  }
  const model = (stdout: string) => {
    const m = JSON.parse(stdout) as { createdAt?: string; metrics: Record<string, unknown> };
    delete m.createdAt;
    return m;
  };

  it('fit: the model of the valid lines, the skipped ones in --dead-letters with replay’s reasons, counted on stderr and in metrics', async () => {
    const dir = tmp();
    const { input, clean } = files(dir);
    const letters = join(dir, 'dead.jsonl');
    const args = ['--target', 'label', '--family', 'binomial', '--lambda', '0.01', '--key', 'k'];
    const r = await runCli(['fit', '--input', input, ...args, '--dead-letters', letters]);
    expect(r.code, r.stderr).toBe(0);
    // the first letter's reason is the JSON parser's message, as in replay's dead letters
    const first = (JSON.parse(readFileSync(letters, 'utf8').split('\n')[0]!) as { reason: string }).reason;
    expect(first).toMatch(/^cannot decode: .*not json/);
    expect(r.stderr).toBe(
      `l1stream: warning: skipped 5 lines that are not valid events (the first, line 41: ${first}); all of them are in ${letters}\n`,
    );
    const c = await runCli(['fit', '--input', clean, ...args]);
    const withBad = model(r.stdout);
    expect(withBad.metrics.rejected).toBe(5);
    delete withBad.metrics.rejected;
    expect(withBad).toEqual(model(c.stdout));
    // the same records replay writes to dead-letters.jsonl
    const out = join(dir, 'o');
    expect((await runCli(['replay', '--input', input, '--family', 'binomial', '--out', out])).code).toBe(0);
    expect(readFileSync(letters, 'utf8')).toBe(readFileSync(join(out, 'dead-letters.jsonl'), 'utf8'));
    expect(jsonl<{ line: number }>(readFileSync(letters, 'utf8')).map((l) => l.line)).toEqual([
      41, 122, 203, 284, 365,
    ]);
    // without --dead-letters: the count and where to find them
    const q = await runCli(['fit', '--input', input, ...args]);
    expect(q.code).toBe(0);
    expect(q.stderr).toMatch(/^l1stream: warning: skipped 5 lines .*; --dead-letters FILE lists them\n$/);
  });

  it('path: the same skipping; no valid line at all is an error naming the file', async () => {
    const dir = tmp();
    const { input, clean } = files(dir);
    const args = ['--target', 'label', '--family', 'binomial', '--nlambda', '5'];
    const r = await runCli(['path', '--input', input, ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^l1stream: warning: skipped 5 lines that are not valid events/);
    const c = await runCli(['path', '--input', clean, ...args, '--key', 'train']);
    const strip = (s: string) =>
      jsonl<{ createdAt?: string; metrics: Record<string, unknown> }>(s).map((m) => {
        delete m.createdAt;
        delete m.metrics.rejected;
        return m;
      });
    expect(strip(r.stdout)).toEqual(strip(c.stdout));
    const none = write(join(dir, 'none.jsonl'), bad);
    const letters = join(dir, 'none-dead.jsonl');
    const e = await runCli([
      'fit',
      '--input',
      none,
      '--target',
      'label',
      '--family',
      'binomial',
      '--dead-letters',
      letters,
    ]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(
      /\nl1stream: none\.jsonl has no labelled events \(5 lines that are not valid events\)\n$/,
    );
    expect(jsonl(readFileSync(letters, 'utf8'))).toHaveLength(5);
  });
});

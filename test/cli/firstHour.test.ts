import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { runCli } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-first-'));

function events(dir: string, n: number): string {
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${Array.from(adClicks(3, n), (e) => JSON.stringify(e)).join('\n')}\n`);
  return input;
}

describe('replay on bad paths, reused state and signals', () => {
  it("a missing input leaves an earlier run's outputs untouched; --out that is a file is a usage error", async () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const first = await runCli([
      'replay',
      '--input',
      events(dir, 2000),
      '--family',
      'binomial',
      '--out',
      out,
    ]);
    expect(first.code).toBe(0);
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8');
    expect(models.length).toBeGreaterThan(0);
    const missing = await runCli([
      'replay',
      '--input',
      join(dir, 'nope.jsonl'),
      '--family',
      'binomial',
      '--out',
      out,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--input .*nope\.jsonl: no such file or directory; check the path/);
    expect(readFileSync(join(out, 'models.jsonl'), 'utf8')).toBe(models);
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    const bad = await runCli([
      'replay',
      '--input',
      join(dir, 'events.jsonl'),
      '--family',
      'binomial',
      '--out',
      file,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--out .*afile exists and is not a directory; give a directory path/);
    expect(bad.stderr).not.toMatch(/internal error/);
  });

  it('--state DIR holding something else than a state directory is refused; serving refits without refits is a configuration error', async () => {
    const dir = tmp();
    const input = events(dir, 3000);
    const state = join(dir, 'state');
    mkdirSync(state);
    writeFileSync(join(state, `${Buffer.from('c1').toString('hex')}.state`), 'old');
    const r = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--key-by',
      'site',
      '--state',
      state,
      '--out',
      join(dir, 'o'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not an l1stream state directory/);
    const s = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--no-refit',
      '--serve',
      'refit',
      '--out',
      join(dir, 'o'),
    ]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--serve "refit" needs refits/);
  });

  it('SIGINT stops a replay cleanly: the batch in hand is finished, final snapshots and summary written, exit 130', async () => {
    const dir = tmp();
    const input = events(dir, 400_000);
    const out = join(dir, 'out');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./src/cli/main.ts').then((m) => m.main(['replay', '--input', ${JSON.stringify(input)}, '--family', 'binomial', '--out', ${JSON.stringify(out)}, '--progress'])).then((c) => { process.exitCode = c; })`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      // interrupt once it has learned something
      if (/replay: [\d,]+ events \(/.test(stderr) && child.exitCode === null && !child.killed)
        child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted by SIGINT/);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      events: number;
      interrupted: string;
    };
    expect(summary.interrupted).toBe('SIGINT');
    expect(summary.events).toBeGreaterThan(0);
    expect(summary.events).toBeLessThan(400_000);
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { offset: number; source: string });
    expect(models.filter((m) => m.source === 'online').at(-1)!.offset).toBe(summary.events);
  }, 60_000);
});

describe('names are data', () => {
  it('features named __proto__, constructor and toString reach models.jsonl and fit output', async () => {
    const dir = tmp();
    const input = join(dir, 'names.jsonl');
    let s = 1;
    const u = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const a = u() * 2 - 1;
      const b = u() * 2 - 1;
      const c = u() * 2 - 1;
      // JSON text, so "__proto__" is an own key of the parsed object
      lines.push(
        `{"label": ${3 * a - 2 * b + c + 0.1 * (u() - 0.5)}, "features": {"__proto__": ${a}, "constructor": ${b}, "toString": ${c}}}`,
      );
    }
    writeFileSync(input, `${lines.join('\n')}\n`);
    const r = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'gaussian',
      '--lambda',
      '0.001',
      '--out',
      join(dir, 'o'),
    ]);
    expect(r.code).toBe(0);
    const last = readFileSync(join(dir, 'o', 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .at(-1)!;
    const names = Object.keys(JSON.parse(last).coefficients as object).sort();
    expect(names).toEqual(['__proto__', 'constructor', 'toString']);
    const fit = await runCli(['fit', '--input', input, '--target', 'label', '--lambda', '0.001']);
    expect(fit.code).toBe(0);
    expect(Object.keys(JSON.parse(fit.stdout).coefficients as object).sort()).toEqual([
      '__proto__',
      'constructor',
      'toString',
    ]);
  });
});

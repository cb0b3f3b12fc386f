import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { lazyLogger } from '../../src/cli/logger.js';
import { formatCount } from '../../src/cli/progress.js';
import { runCli } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'l1s-startup-'));
}

/** A JSONL file of `n` ad-click events. */
function events(dir: string, n: number): string {
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${Array.from(adClicks(14, n), (e) => JSON.stringify(e)).join('\n')}\n`);
  return input;
}

/**
 * A --require hook printing, at exit, the packages and built-in modules the process loaded that
 * only Kafka runs, Avro, the schema registry or the metrics server use (CommonJS packages are in
 * require.cache however they were imported; built-ins in process.moduleLoadList).
 */
const probe = `
process.on('exit', () => {
  const packages = Object.keys(require.cache)
    .map((f) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(f)?.[1])
    .filter((p) => ['kafkajs', 'avsc', 'lru-cache', 'prom-client'].includes(p));
  const builtins = process.moduleLoadList.filter((m) => m === 'NativeModule http');
  process.stdout.write('LOADED ' + JSON.stringify([...new Set(packages), ...builtins]) + '\\n');
});
`;

const loaded = (stdout: string): string[] =>
  JSON.parse(/^LOADED (.*)$/m.exec(stdout)?.[1] ?? 'null') as string[];

describe('CLI start-up (issue 14)', () => {
  it('replay on a file loads no Kafka, Avro, registry or metrics-server module', async () => {
    const dir = tmp();
    const input = events(dir, 3000);
    const hook = join(dir, 'probe.cjs');
    writeFileSync(hook, probe);
    const args = ['--input', input, '--family', 'binomial', '--out', join(dir, 'o'), '--refit-every', '1000'];
    // from source (tsx), with refits in the worker thread on the way
    const src = await run(
      process.execPath,
      ['--require', hook, '--import', 'tsx', 'test/cli/replayChild.mts', ...args],
      { cwd: root },
    );
    expect(src.stderr).toMatch(/3,000 events learned, 0 scored, 0 rejected; .* [1-9] refits?/);
    expect(loaded(src.stdout)).toEqual([]);
    // the built command (npm run build): bin/l1stream.js and its bundle
    const bin = await run(process.execPath, ['--require', hook, 'bin/l1stream.js', 'replay', ...args], {
      cwd: root,
    });
    expect(bin.stderr).toMatch(/3,000 events learned, 0 scored, 0 rejected; .* [1-9] refits?/);
    expect(loaded(bin.stdout)).toEqual([]);
  }, 60_000);

  it('the built command (bin/l1stream.js, bundled) writes what the source does, refits included', async () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run `npm run build` first').toBe(true);
    const dir = tmp();
    const input = events(dir, 4000);
    const argv = (out: string) => [
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--out',
      out,
      '--refit-every',
      '1000',
      '--snapshot-every',
      '1000',
      // inline refits: with a worker, the window a refit takes depends on when it starts
      '--refit-threads',
      '0',
    ];
    const fromSource = await runCli(argv(join(dir, 'src')));
    expect(fromSource.code).toBe(0);
    const built = await run(process.execPath, ['bin/l1stream.js', ...argv(join(dir, 'bin'))], { cwd: root });
    expect(built.stderr).toMatch(/4,000 events learned, 0 scored, 0 rejected; .* [1-9] refits?/);
    // only the records' content is compared (not when they were written)
    const models = (out: string) =>
      readFileSync(join(dir, out, 'models.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const {
            createdAt: _c,
            offset: _o,
            version: _v,
            metrics: _m,
            ...rest
          } = JSON.parse(l) as Record<string, unknown>;
          return rest;
        })
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    expect(models('bin')).toEqual(models('src'));
    // alerts and dead letters as written, but for the wall-clock time of each alert
    const text = (out: string, file: string) =>
      readFileSync(join(dir, out, file), 'utf8').replace(/"createdAt":"[^"]*"/g, '"createdAt":""');
    for (const file of ['alerts.jsonl', 'dead-letters.jsonl'])
      expect(text('bin', file)).toBe(text('src', file));
    expect(text('bin', 'alerts.jsonl')).toContain('"source":"refit"');
  }, 60_000);

  it('the bundle finds the shipped Avro schemas from dist/cli (shippedSchema resolves from its chunk)', () => {
    const dir = join(root, 'dist/cli');
    const chunks = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => join(dir, f))
      .filter((f) => readFileSync(f, 'utf8').includes('schemas/${name}.avsc'));
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) {
      const list = /const candidates = \[([^\]]*)\]/.exec(readFileSync(chunk, 'utf8'))?.[1] ?? '';
      const candidates = [...list.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
      expect(candidates.length).toBeGreaterThan(0);
      for (const name of ['event', 'model', 'alert']) {
        const found = candidates
          .map((c) => new URL(c.replace('${name}', name), pathToFileURL(chunk)))
          .filter((url) => existsSync(url));
        expect(found.length, `${name}.avsc from ${chunk}`).toBeGreaterThan(0);
      }
    }
  });

  it("every worker the bundle starts is beside it (new URL('./X.js', import.meta.url) resolves from dist/cli)", () => {
    const dir = join(root, 'dist/cli');
    const workers = new Set<string>();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.js')))
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(
        /new URL\(["'`]\.\/([\w-]+\.js)["'`], import\.meta\.url\)/g,
      ))
        workers.add(m[1]);
    // the refit worker, the JSONL reader's, the Kafka engine's (kafka.engineThread "worker"), the
    // sequential input-drift test's (drift.threads 1) and the cross-validation's folds (fit, path --cv)
    expect([...workers].sort()).toEqual([
      'cvWorker.js',
      'engineWorker.js',
      'jsonlReaderWorker.js',
      'refitWorker.js',
      'sequentialWorker.js',
    ]);
    for (const w of workers) expect(existsSync(join(dir, w)), `dist/cli/${w}`).toBe(true);
  });

  it('--version from the built command', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = await run(process.execPath, ['bin/l1stream.js', '--version'], { cwd: root });
    expect(r.stdout).toBe(`${version}\n`);
  });

  it("formatCount is Math.round(n).toLocaleString('en-US')", () => {
    const values = [0, -0, 0.4, -0.4, 0.5, -0.5, 1, 999, 1000, -1000, 999_999.5, 1_234_567, -98_765_432.1];
    for (let k = 0; k <= 22; k++) values.push(10 ** k, 10 ** k - 1, -(10 ** k) + 1, 1.7 * 10 ** k);
    values.push(
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER + 2,
      NaN,
      Infinity,
      -Infinity,
      1e21,
      1.5e300,
    );
    for (const n of values) expect(formatCount(n), String(n)).toBe(Math.round(n).toLocaleString('en-US'));
  });

  it("the replay's logger writes pino's lines, loading pino only for a line at its level", () => {
    const capture = () => {
      const lines: Record<string, unknown>[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _enc, cb) {
          const { time: _t, ...rest } = JSON.parse(chunk.toString()) as Record<string, unknown>;
          lines.push(rest);
          cb();
        },
      });
      return { lines, stream };
    };
    for (const level of ['trace', 'info', 'warn', 'error', 'silent']) {
      const a = capture();
      const b = capture();
      const lazy = lazyLogger('l1stream', level, a.stream);
      const eager = pino({ name: 'l1stream', level }, b.stream);
      for (const log of [lazy, eager]) {
        log.info!({ n: 1 }, 'an info line');
        log.warn({ n: 2 }, 'a warning');
        log.error!({ n: 3 }, 'an error');
      }
      expect(a.lines, level).toEqual(b.lines);
    }
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    expect(() => lazyLogger('l1stream', 'loud', sink)).toThrow(
      (() => {
        try {
          pino({ level: 'loud' }, sink);
        } catch (err) {
          return (err as Error).message;
        }
        return 'pino accepted it';
      })(),
    );
  });
});

/**
 * The engine bundled into an app by esbuild (as a library user does): its worker scripts are not
 * beside the bundle, and a run that needs one fails at once with an error naming the file it
 * looked for (it used to fail every refit silently, and hang forever with `drift.threads` 1);
 * with the workers bundled beside it, or pointed at with `workerFiles`, the same run succeeds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** A small own pipeline: mode "refit" runs a refit thread, "drift" the sequential-drift thread. */
const app = `
import { from } from 'rxjs';
import { Engine, checkEngineConfig } from './src/index.ts';
const [mode, refitFile, driftFile] = process.argv.slice(2);
const records = [];
for (let i = 0; i < 4000; i++) {
  const x = ((i * 7919) % 1000) / 500 - 1;
  const event = { label: (i * 31) % 100 < 50 + 40 * x ? 1 : 0, features: { x, c: 'k' + (i % 3) } };
  records.push({ value: JSON.stringify(event), position: { source: 'app', offset: String(i) } });
}
const sink = { model() {}, score() {}, alert() {}, deadLetter() {}, flush: async () => {}, close: async () => {} };
const config = checkEngineConfig({
  model: { family: 'binomial' },
  refit: { everyEvents: 2000, window: 2000, threads: mode === 'refit' ? 1 : 0 },
  drift: { threads: mode === 'drift' ? 1 : 0 },
});
const workerFiles = { ...(refitFile ? { refit: refitFile } : {}), ...(driftFile ? { sequentialDrift: driftFile } : {}) };
const stats = await new Engine(config, { source: { batches$: from([{ records }]) }, sink }, { workerFiles }).run();
console.log(JSON.stringify({ learned: stats.learned, refits: stats.refits, warnings: stats.warnings }));
`;

let dir = '';

async function bundle(entry: { contents: string } | string, outfile: string): Promise<void> {
  await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: root, sourcefile: 'app.mjs', loader: 'ts' } }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
  });
}

/** Runs the bundled app (killed after 60 s: a hang fails the test instead of stalling it). */
function runApp(bundleDir: string, ...args: string[]) {
  return runAppWith({}, bundleDir, ...args);
}

function runAppWith(env: NodeJS.ProcessEnv, bundleDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(bundleDir, 'app.mjs'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'l1s-bundle-'));
  await bundle({ contents: app }, join(dir, 'alone', 'app.mjs'));
  await bundle({ contents: app }, join(dir, 'beside', 'app.mjs'));
  await bundle(join(root, 'src/refit/refitWorker.ts'), join(dir, 'beside', 'refitWorker.js'));
  await bundle(join(root, 'src/drift/sequentialWorker.ts'), join(dir, 'beside', 'sequentialWorker.js'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an app that bundles the engine', () => {
  it.each([
    ['refit', 'refitWorker.js', 'refit.threads 0'],
    ['drift', 'sequentialWorker.js', 'drift.threads 0'],
  ])('fails a %s run at once, naming the worker script it looked for', (mode, file, inline) => {
    const r = runApp(join(dir, 'alone'), mode);
    expect(r.signal).toBeNull(); // not killed: it did not hang
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${join(dir, 'alone', file)} does not exist`);
    expect(r.stderr).toContain(inline);
    expect(r.stderr).toContain('L1S_WORKER');
  });

  it.each(['refit', 'drift'])('runs a %s run with the workers bundled beside the app', (mode) => {
    const r = runApp(join(dir, 'beside'), mode);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { learned: number; refits: { completed: number; failed: number } };
    expect(out.learned).toBe(4000);
    expect(out.refits).toMatchObject({ completed: 1, failed: 0 });
  });

  it('a worker script that cannot load (copied without its modules) fails a drift run, and is a warning of a refit run', () => {
    const broken = join(dir, 'broken.js');
    writeFileSync(broken, "import './modules-left-behind.js';\n");
    const drift = runApp(join(dir, 'alone'), 'drift', '', broken);
    expect(drift.signal).toBeNull(); // not killed: it did not hang
    expect(drift.status).not.toBe(0);
    expect(drift.stderr).toContain(
      `sequential input-drift worker exited: the run cannot go on (its script: ${broken}`,
    );
    const refit = runApp(join(dir, 'alone'), 'refit', broken);
    expect(refit.status).toBe(0);
    const out = JSON.parse(refit.stdout) as { warnings: string[] };
    expect(out.warnings).toEqual([expect.stringMatching(/^every refit failed \(1\).*modules-left-behind/)]);
  });

  it("a worker script that is not l1stream's (empty, or busy with its own work) fails a drift run, and is a warning of a refit run; nothing hangs", () => {
    const empty = join(dir, 'empty.js');
    writeFileSync(empty, '');
    const idle = join(dir, 'idle.js');
    writeFileSync(idle, 'setInterval(() => {}, 1000);\n');
    // (the time a worker has to start: 30 s by default)
    const env = { L1STREAM_WORKER_START_MS: '1500' };
    for (const script of [empty, idle]) {
      const drift = runAppWith(env, join(dir, 'alone'), 'drift', '', script);
      expect(drift.signal).toBeNull(); // not killed: it did not hang
      expect(drift.status).not.toBe(0);
      expect(drift.stderr).toContain(
        `sequential input-drift worker did not start within 1.5 s: the run cannot go on (its script: ${script}`,
      );
      expect(drift.stderr).toContain('L1S_WORKER');
      const refit = runAppWith(env, join(dir, 'alone'), 'refit', script);
      expect(refit.signal).toBeNull();
      expect(refit.status).toBe(0);
      const out = JSON.parse(refit.stdout) as { warnings: string[] };
      const why = script === empty ? 'exited \\(code 0\\) without answering' : 'did not start within 1\\.5 s';
      expect(out.warnings).toEqual([
        expect.stringMatching(
          new RegExp(`^every refit failed \\(1\\).*the refit worker ${why}: its script ${script}`),
        ),
      ]);
    }
  });

  it('runs with workerFiles pointing at the worker scripts elsewhere', () => {
    const beside = join(dir, 'beside');
    for (const mode of ['refit', 'drift']) {
      const r = runApp(
        join(dir, 'alone'),
        mode,
        join(beside, 'refitWorker.js'),
        join(beside, 'sequentialWorker.js'),
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ learned: 4000, refits: { failed: 0 } });
    }
  });
});

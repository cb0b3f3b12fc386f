import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync, existsSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { main } from '../../src/cli/main.js';
import { shutdownExit } from '../../src/cli/run.js';
import { shutdownDeadline } from '../../src/ops/shutdown.js';
import { gaussianEvents } from '../engine/helpers.js';
import { parseExposition, valueOf } from './promText.js';

/** `n` events as JSON lines. */
function eventLines(n: number): string {
  return (
    gaussianEvents(5, n)
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n'
  );
}

/**
 * A files-mode `run` configuration over `n` events, with the HTTP endpoints on `port`. With
 * `fifo`, the input is a named pipe that the test feeds (`feed`), so the run cannot finish before
 * the test has asked what it needs of the endpoints, however fast the machine.
 */
function setup(
  n: number,
  port: number,
  refitThreads = 0,
  fifo = false,
): { config: string; out: string; input: string } {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-ops-run-'));
  const input = join(dir, 'events.jsonl');
  if (fifo) {
    const made = spawnSync('mkfifo', [input]);
    if (made.status !== 0) throw new Error(`mkfifo failed: ${String(made.stderr)}`);
  } else {
    writeFileSync(input, eventLines(n));
  }
  const out = join(dir, 'out');
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: { family: 'gaussian' },
      refit: { threads: refitThreads, everyEvents: 5000 },
      replay: { input, out, batchSize: 256 },
      http: { port, host: '127.0.0.1' },
    }),
  );
  return { config, out, input };
}

/** Feeds a named pipe: `write` some lines, `end` to close it (errors once the reader is gone are expected). */
function feed(fifo: string): { write: (text: string) => void; end: () => void } {
  const pipe: WriteStream = createWriteStream(fifo);
  pipe.on('error', () => {});
  return { write: (text) => void pipe.write(text), end: () => pipe.end() };
}

/** Runs the CLI in-process; `url` resolves with the logged metrics URL. */
function runWithHttp(argv: string[]) {
  let stderr = '';
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((r) => (found = r));
  const io = {
    stdout: new Writable({ write: (_c, _e, cb) => cb() }),
    stderr: new Writable({
      write(chunk: Buffer, _enc, cb) {
        stderr += chunk.toString();
        const m = /"url":"([^"]+)"/.exec(stderr);
        if (m) found(m[1]);
        cb();
      },
    }),
    interactive: false,
  };
  const code = main(argv, io);
  return { code, url, stderr: () => stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('l1stream run with http.port (files mode)', () => {
  it('serves /metrics, /healthz and /readyz while it runs, logs the URL, and stops the server at the end', async () => {
    const { config, out, input } = setup(0, 0, 0, true);
    const run = runWithHttp(['run', '--config', config]);
    const lines = eventLines(40_000);
    const half = lines.indexOf('\n', lines.length >> 1) + 1;
    const pipe = feed(input);
    pipe.write(lines.slice(0, half));
    const url = await run.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const base = url.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // ready once replay has built the engine (a file source has no partition assignments)
    let ready = await fetch(`${base}/readyz`);
    for (let i = 0; i < 200 && ready.status !== 200; i++) {
      expect(await ready.text()).toBe('not ready: the engine is starting\n');
      await new Promise((r) => setTimeout(r, 5));
      ready = await fetch(`${base}/readyz`);
    }
    expect(ready.status).toBe(200);
    const samples = parseExposition(await (await fetch(url)).text());
    expect(valueOf(samples, 'l1stream_ready')).toBe(1);
    // the rest of the input is not written yet: the run is still going
    expect(valueOf(samples, 'l1stream_events_learned_total')).toBeLessThan(40_000);
    pipe.write(lines.slice(half));
    pipe.end();
    expect(await run.code).toBe(0);
    expect(run.stderr()).toMatch(/"msg":"l1stream run: serving metrics and health"/);
    expect(run.stderr()).toMatch(/run: 40,000 events learned/);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('fails before reading anything when the port is taken: one line, exit 1', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const { config, out } = setup(100, port);
      const run = runWithHttp(['run', '--config', config]);
      expect(await run.code).toBe(1);
      expect(run.stderr()).toBe(
        `l1stream: http.port ${port} is already in use on 127.0.0.1: set another http.port in the configuration, or stop what holds it\n`,
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('exits with code 1 when stopping takes longer than --shutdown-timeout', async () => {
    const exit = vi.spyOn(shutdownExit, 'exit').mockImplementation(() => undefined);
    // refits in a worker: stopping waits for the worker thread to end, which takes longer than a
    // timer of 0 ms (the rest of a stop can finish without leaving the event loop's current turn)
    const { config, input } = setup(0, 0, 1, true);
    const run = runWithHttp(['run', '--config', config, '--shutdown-timeout', '0']);
    const pipe = feed(input);
    pipe.write(eventLines(12_000)); // past the first refit (every 5,000): its worker is running
    const url = await run.url;
    // once a refit has started (its worker is running), ask the run to stop: a bound of 0 s
    // expires before the stop is through
    let refits = 0;
    for (let i = 0; i < 3000 && refits === 0; i++) {
      const samples = parseExposition(await (await fetch(url)).text());
      refits = valueOf(samples, 'l1stream_refits_started_total') ?? 0;
      if (refits === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(refits).toBeGreaterThan(0);
    // The stop needs I/O (the worker's end, the outputs' writes): it cannot end within the turn the
    // signal arrives in, while the deadline is armed in a microtask of it. Its 0 ms timer, faked,
    // is run there (a real one raced the stop, and lost in 3 of 10 runs on 2026-12-03).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      process.emit('SIGTERM', 'SIGTERM');
      for (let turn = 0; turn < 20 && exit.mock.calls.length === 0; turn++) {
        await Promise.resolve();
        vi.advanceTimersByTime(1);
      }
    } finally {
      vi.useRealTimers();
    }
    pipe.end(); // (the input has no end before the stop)
    expect(await run.code).toBe(0); // (the real exit is the mocked one)
    expect(exit).toHaveBeenCalledWith(1);
    expect(run.stderr()).toMatch(/run: shutdown took longer than 0 ms: exiting\n/);
  });

  it('--shutdown-timeout must be a number', async () => {
    const { config } = setup(10, 0);
    const run = runWithHttp(['run', '--config', config, '--shutdown-timeout', 'soon']);
    expect(await run.code).toBe(2);
    expect(run.stderr()).toMatch(/--shutdown-timeout must be a number, got "soon"/);
  });
});

describe('shutdownDeadline', () => {
  it('calls expire once the bound passes after arm(), never after dispose()', () => {
    vi.useFakeTimers();
    const expire = vi.fn();
    const d = shutdownDeadline(30_000, expire);
    vi.advanceTimersByTime(60_000);
    expect(expire).not.toHaveBeenCalled(); // not armed
    d.arm();
    d.arm(); // once
    vi.advanceTimersByTime(29_999);
    expect(expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expire).toHaveBeenCalledTimes(1);
    const e2 = vi.fn();
    const d2 = shutdownDeadline(1000, e2);
    d2.arm();
    d2.dispose();
    vi.advanceTimersByTime(5000);
    expect(e2).not.toHaveBeenCalled();
  });

  it('a bound past setTimeout’s range (--shutdown-timeout 3000000) is no bound, not one of 1 ms', async () => {
    vi.useRealTimers();
    const expire = vi.fn();
    const d = shutdownDeadline(3_000_000 * 1000, expire);
    d.arm();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(expire).not.toHaveBeenCalled();
    d.dispose();
  });
});

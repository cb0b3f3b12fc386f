/**
 * `run` over files names every problem of its paths and its metrics port at once, before it
 * serves anything or makes a directory: each used to stop a run of its own (the port, then the
 * input, then state.dir, then replay.out), after the server had started and state.dir was made.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-run-paths-'));
const blocker = join(dir, 'a-file');
writeFileSync(blocker, 'not a directory\n');
const input = join(dir, 'in.jsonl');
writeFileSync(input, '{"label":1,"features":{"x":1}}\n{"label":0,"features":{"x":0}}\n');
let configs = 0;
const run = (doc: unknown) => {
  const path = join(dir, `config-${configs++}.json`);
  writeFileSync(path, JSON.stringify(doc));
  return runCli(['run', '--config', path]);
};

const held: Server = createServer();
const heldPort = new Promise<number>((resolve) =>
  held.listen(0, '127.0.0.1', () => resolve((held.address() as { port: number }).port)),
);
afterAll(() => held.close());

describe('run over files with several bad paths', () => {
  it('names the held port, the missing input, state.dir and replay.out in one error, making nothing', async () => {
    const port = await heldPort;
    const r = await run({
      model: { family: 'binomial' },
      replay: { input: join(dir, 'missing.jsonl'), out: join(blocker, 'out') },
      state: { dir: join(blocker, 'state') },
      http: { port, host: '127.0.0.1' },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'l1stream: invalid configuration:\n' +
        `  http.port ${port} is already in use on 127.0.0.1: set another http.port in the configuration, or stop what holds it\n` +
        `  replay.input ${join(dir, 'missing.jsonl')}: no such file or directory; check the path\n` +
        `  state.dir ${join(blocker, 'state')}: a part of the path is a file, not a directory; choose another path\n` +
        `  replay.out ${join(blocker, 'out')}: a part of the path is a file, not a directory; choose another path\n`,
    );
  });

  it('with a free port: the paths alone, nothing served or made (state.dir is not created)', async () => {
    const state = join(dir, 'state-not-made');
    const r = await run({
      model: { family: 'binomial' },
      replay: { input, out: blocker },
      state: { dir: state },
      http: { port: 0, host: '127.0.0.1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `l1stream: replay.out ${blocker} exists and is not a directory; give a directory path\n`,
    );
    expect(existsSync(state)).toBe(false);
  });
});

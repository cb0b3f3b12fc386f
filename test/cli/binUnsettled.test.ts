/**
 * bin/l1stream.js: a command whose work waits on something that never comes (a defect: a reader
 * that waited for room no one would make) let Node exit with code 0 and no word, as if it had
 * finished. It now exits 1 saying so. The bin runs here over a stand-in `main` that never settles.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe('the command line when its work never finishes', () => {
  it('exits 1 with one line, not 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-bin-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    copyFileSync(join(root, 'bin', 'l1stream.js'), join(dir, 'bin', 'l1stream.js'));
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
    const hold = 'export const holdSignalsUntilExit = () => {};\n';
    writeFileSync(
      join(dir, 'dist', 'cli', 'main.js'),
      `${hold}export const main = () => new Promise(() => {});\n`,
    );
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'l1stream.js')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'l1stream: internal error: the command stopped before it finished (it waited on something that never came); its outputs are incomplete\n',
    );
    // a command that finishes keeps its own exit code
    writeFileSync(join(dir, 'dist', 'cli', 'main.js'), `${hold}export const main = async () => 3;\n`);
    expect(spawnSync(process.execPath, [join(dir, 'bin', 'l1stream.js')]).status).toBe(3);
  });
});

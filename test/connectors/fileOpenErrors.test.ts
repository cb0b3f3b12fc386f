/**
 * The file connectors a library user opens directly (FileOutputSink, JsonlWriter,
 * DirectoryStateStore) fail at open, on a path they cannot write, with an error naming the path
 * and what to do (the command line's wording, `pathProblem`), not Node's bare ENOENT or ENOTDIR.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DirectoryStateStore, FileOutputSink, JsonlWriter } from '../../connectors/file/index.js';
import { ConnectorError } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-open-'));
const file = join(dir, 'a-file');
writeFileSync(file, 'x');

/** The error `open` threw (or its promise rejected with). */
async function refusal(open: () => unknown): Promise<ConnectorError> {
  try {
    await open();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    return err as ConnectorError;
  }
  throw new Error('opened');
}

describe('a file connector opened on a path it cannot write', () => {
  it('FileOutputSink.open names the output directory and the fix', async () => {
    const under = join(file, 'out');
    expect((await refusal(() => FileOutputSink.open(under))).message).toBe(
      `the output directory ${under}: a part of the path is a file, not a directory; choose another path`,
    );
    expect((await refusal(() => FileOutputSink.open(file))).message).toBe(
      `the output directory ${file} exists and is not a directory; give a directory path`,
    );
    const refused = await refusal(() => FileOutputSink.open('/proc/l1s-sink/out'));
    expect(refused.message).toBe(
      'the output directory /proc/l1s-sink/out: cannot create /proc/l1s-sink: the file system refuses new entries in /proc; choose another path',
    );
    expect(refused.code).toBe('L1S_FILE');
    expect((refused.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('JsonlWriter names its file, and the directory to create', async () => {
    const missing = join(dir, 'missing');
    const path = join(missing, 'scores.jsonl');
    expect((await refusal(() => new JsonlWriter(path))).message).toBe(
      `${path}: the directory ${missing} does not exist; create it (mkdir -p ${missing}) or choose another path`,
    );
    expect((await refusal(() => new JsonlWriter(dir))).message).toBe(
      `${dir} is a directory; give a file path`,
    );
  });

  it('DirectoryStateStore names the state directory and the fix', async () => {
    const under = join(file, 'state');
    const refused = await refusal(() => new DirectoryStateStore(under));
    expect(refused.message).toBe(
      `the state directory ${under}: a part of the path is a file, not a directory; choose another path`,
    );
    expect(refused.code).toBe('L1S_STATE_DIR');
  });
});

/**
 * An existing output file this user may not write is refused before any work (`checkOutputFile`):
 * the permission as the file system answers it, mocked here since root, whom the tests may run
 * as, passes every permission check (test/cli/newUserFindings.test.ts runs the real case as an
 * unprivileged user where it can).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, vi } from 'vitest';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    access: async (path: string, mode?: number) => {
      if (String(path).endsWith('locked.jsonl'))
        throw Object.assign(new Error(`EACCES: permission denied, access '${path}'`), { code: 'EACCES' });
      return actual.access(path, mode);
    },
  };
});

const { checkOutputFile, PathError } = await import('../../src/cli/io.js');

describe('checkOutputFile: an existing file', () => {
  it('that may not be written: a PathError naming the flag, the path and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-access-'));
    const locked = join(dir, 'locked.jsonl');
    writeFileSync(locked, '');
    const err = await checkOutputFile('output', locked).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathError);
    expect((err as Error).message).toBe(`--output ${locked}: permission denied; choose a path you can write`);
    // one that may be written is replaced, as documented
    const open = join(dir, 'open.jsonl');
    writeFileSync(open, '');
    await expect(checkOutputFile('output', open)).resolves.toBeUndefined();
  });
});

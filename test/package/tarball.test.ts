/**
 * What `npm pack` ships (the built dist/, `npm run build`): the license, the docs the README links,
 * the library, its connectors and the command line, and not the project's own benchmarks, tests and
 * examples; rxjs is the application's (a peer dependency), so an `Observable` is one type.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';

import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface PackageJson {
  readonly dependencies: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
}

/** The paths `npm pack` would put in the tarball (no scripts run: dist/ as built). */
async function packedFiles(): Promise<Set<string>> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    maxBuffer: 64 << 20,
  });
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return new Set(pack.files.map((f) => f.path));
}

/** Relative links (no URL, no anchor) of a markdown file, as paths from the package root. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const links: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split('#')[0]!;
    if (target === '' || /^[a-z]+:/i.test(target)) continue;
    links.push(normalize(join(dirname(file), target)));
  }
  return links;
}

describe('the npm tarball', () => {
  let files: Set<string>;
  beforeAll(async () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run `npm run build` first').toBe(true);
    files = await packedFiles();
  }, 60_000);

  it('has the Apache-2.0 text package.json names', () => {
    expect(files.has('LICENSE')).toBe(true);
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).toMatchObject({
      license: 'Apache-2.0',
    });
  });

  it('ships the library, its connectors and the command line, not dist/bench, dist/test or dist/examples', () => {
    for (const path of [
      'bin/l1stream.js',
      'dist/cli/main.js',
      'dist/src/index.d.ts',
      'dist/connectors/file/index.d.ts',
      'dist/connectors/kafka/index.d.ts',
    ])
      expect(files.has(path), path).toBe(true);
    expect([...files].filter((f) => /^dist\/(bench|test|examples)\//.test(f))).toEqual([]);
  });

  it('ships what the README and the docs link, except the repository’s benchmark results and examples', () => {
    const pages = [
      'README.md',
      'docs/conventions.md',
      'docs/outputs.md',
      'docs/memory.md',
      'docs/drift.md',
      'connectors/kafka/README.md',
    ];
    for (const page of pages) expect(files.has(page), page).toBe(true);
    const missing = pages
      .flatMap((page) => relativeLinks(page).map((link) => `${page} → ${link}`))
      .filter((l) => !/→ (bench|examples)\//.test(l))
      .filter((l) => !files.has(l.split(' → ')[1]!));
    expect(missing).toEqual([]);
  });

  it('cites no internal document: the shipped .d.ts files, schemas and docs, and the sources, point to the docs', () => {
    const shipped = [...files].filter((f) => /\.(d\.ts|avsc|md)$/.test(f));
    expect(shipped.length).toBeGreaterThan(100);
    expect(shipped).toContain('connectors/kafka/schemas/event.avsc');
    const sources = ['src', 'connectors'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(dir, f)),
    );
    const citing = [...shipped, ...sources].filter((f) =>
      /\bDESIGN\b/.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(citing).toEqual([]);
  });

  it('source maps carry their sources: a debugger shows the TypeScript, which the package does not ship', () => {
    const maps = [...files].filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(100);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      sources.forEach((source, i) => {
        const shipped = files.has(normalize(join(dirname(map), source)));
        if (!shipped && typeof sourcesContent?.[i] !== 'string') missing.push(`${map}: ${source}`);
      });
    }
    expect(missing.slice(0, 5)).toEqual([]);
  });

  it('takes rxjs from the application (a peer dependency, 7.8 or later 7.x)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
    expect(pkg.dependencies.rxjs).toBeUndefined();
    expect(pkg.peerDependencies?.rxjs).toBe('^7.8.0');
    expect(pkg.devDependencies.rxjs).toMatch(/^\^7\.8\./);
  });
});

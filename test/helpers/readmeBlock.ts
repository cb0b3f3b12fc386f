import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import ts from 'typescript';
import { vi } from 'vitest';

import { appCompilerOptions } from './appCompiler.js';

const root = resolve(import.meta.dirname, '../..');
/** A new file name per block: an imported module runs once. */
let blocks = 0;

/** The first `ts` code block of README.md after `marker`, as written there. */
export function readmeBlock(marker: string): string {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${JSON.stringify(marker)}`);
  return /```ts\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
}

/**
 * Type-checks `code` as an application would (strict, the package name mapped to src), then runs
 * it with the package name pointing at the sources; returns the diagnostics and what it logged.
 */
export async function compileAndRun(code: string): Promise<{ problems: string[]; logged: unknown[][] }> {
  const file = resolve(root, 'test/engine', `.readme-block-${process.pid}-${++blocks}.tmp.ts`);
  const options: ts.CompilerOptions = {
    ...appCompilerOptions(),
    paths: { l1stream: [resolve(root, 'src/index.ts')] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    resolve(name) === file ? ts.createSourceFile(name, code, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const problems = ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length > 0) return { problems, logged: [] };
  writeFileSync(file, code.replace("from 'l1stream'", "from '../../src/index.js'"));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await import(pathToFileURL(file).href);
    return { problems, logged: log.mock.calls };
  } finally {
    log.mockRestore();
    rmSync(file, { force: true });
  }
}

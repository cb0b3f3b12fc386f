/**
 * The package as an application installs it: `l1stream`, `l1stream/file` and `l1stream/kafka`
 * resolved through package.json's `exports` (the built dist/, `npm run build`), types included,
 * and the README's "State in a directory" code block type-checked and run there as written: a
 * second file of events goes on from the models the first left in the state directory.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { appCompilerOptions } from '../helpers/appCompiler.js';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The README's code block under `heading`. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(`${heading}\n`)[1]!;
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

/** An application directory with this package and rxjs installed (links), as npm lays them out. */
function application(): string {
  const app = mkdtempSync(join(tmpdir(), 'l1s-app-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'l1stream'), 'dir');
  symlinkSync(join(root, 'node_modules', 'rxjs'), join(app, 'node_modules', 'rxjs'), 'dir');
  return app;
}

/** Type errors of `files` (name → code) compiled in `app` as an application would (strict, NodeNext). */
function typeErrors(
  app: string,
  files: ReadonlyMap<string, string>,
  more: ts.CompilerOptions = {},
): string[] {
  const options: ts.CompilerOptions = {
    ...appCompilerOptions(),
    typeRoots: [join(root, 'node_modules/@types')],
    ...more,
  };
  for (const [name, code] of files) writeFileSync(join(app, name), code);
  const program = ts.createProgram(
    [...files.keys()].map((name) => join(app, name)),
    options,
  );
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** A day of binomial events over three campaigns, one JSON line each. */
function eventFile(path: string, count: number, seed: number): void {
  const lines = Array.from({ length: count }, (_, i) => {
    const x = ((i * 37 + seed) % 19) / 9 - 1;
    return JSON.stringify({ label: (i * 7 + seed) % 5 < 2 ? 1 : 0, features: { campaign: `c${i % 3}`, x } });
  });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('the package through its exports map', () => {
  it('its declarations type-check in an application that checks them under the strictest options', () => {
    // skipLibCheck false reads every .d.ts the entry points reach; exactOptionalPropertyTypes
    // refused a class whose field is `T | undefined` implementing an interface's optional `T`
    expect(existsSync(join(root, 'dist/connectors/file/index.d.ts')), 'run `npm run build` first').toBe(true);
    const app = application();
    try {
      const code = [
        "export * as core from 'l1stream';",
        "export * as file from 'l1stream/file';",
        "export * as kafka from 'l1stream/kafka';",
        '',
      ].join('\n');
      const strictest = {
        skipLibCheck: false,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
      };
      expect(typeErrors(app, new Map([['all.ts', code]]), strictest)).toEqual([]);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 60_000);

  it("README's state-directory example type-checks and runs in an application: Tuesday's models go on from Monday's", async () => {
    expect(existsSync(join(root, 'dist/connectors/file/index.js')), 'run `npm run build` first').toBe(true);
    const app = application();
    try {
      await exportsWork(app);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The README block and the Kafka connector's parts, type-checked and run in `app`. */
async function exportsWork(app: string): Promise<void> {
  const code = readmeBlock('#### State in a directory, files in and out (`l1stream/file`, `l1stream/kafka`)');
  expect(code).toContain("from 'l1stream/file'");
  const kafka = [
    "import { KafkaSink, KafkaSource, KafkaStateStore, kafkaPorts } from 'l1stream/kafka';",
    'export const parts = [KafkaSink, KafkaSource, KafkaStateStore, kafkaPorts].map((p) => p.name);',
    '',
  ].join('\n');
  const files = new Map([
    ['main.ts', code],
    ['kafka.ts', kafka],
  ]);
  expect(typeErrors(app, files)).toEqual([]);

  // run as JavaScript, as the application's build would emit it
  for (const [name, source] of files) {
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(app, name.replace(/\.ts$/, '.mjs')), js.outputText);
  }
  eventFile(join(app, 'monday.jsonl'), 900, 0);
  eventFile(join(app, 'tuesday.jsonl'), 600, 1);
  const main = await run(process.execPath, ['main.mjs'], { cwd: app });
  expect(main.stdout.trim()).toBe('600 3');
  const snapshots = readFileSync(join(app, 'out/models.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { key: string; offset: number; version: number });
  const last = new Map(snapshots.map((s) => [s.key, s]));
  // each campaign had 300 events on Monday and 200 on Tuesday: its model learned both days
  for (const key of ['c0', 'c1', 'c2']) expect(last.get(key)?.offset, key).toBe(500);
  // and its versions go on from Monday's: each once, rising
  for (const key of ['c0', 'c1', 'c2']) {
    const versions = snapshots.filter((s) => s.key === key).map((s) => s.version);
    expect(versions, key).toEqual([...new Set(versions)].sort((a, b) => a - b));
  }
  expect(readdirSync(join(app, 'state')).filter((f) => f.endsWith('.state'))).toHaveLength(3);

  const kafkaRun = await run(
    process.execPath,
    ['--input-type=module', '-e', "import('./kafka.mjs').then((m) => console.log(m.parts.join(',')))"],
    { cwd: app },
  );
  expect(kafkaRun.stdout.trim()).toBe('KafkaSink,KafkaSource,KafkaStateStore,kafkaPorts');
}

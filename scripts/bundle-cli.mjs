#!/usr/bin/env node
// Bundles the command line (src/cli/main.ts) and its workers (refits, the JSONL reader, the Kafka
// engine of kafka.engineThread "worker") into
// dist/cli/ with esbuild, so `bin/l1stream.js` starts by reading a few files instead of resolving
// and compiling ~120 modules and rxjs's 340 CommonJS files (issue 14: start-up was ~0.4 s of CPU).
//   npm run build             # tsc (dist/src: the library, its .d.ts), then this script
// rxjs is bundled from its ES-module build, so only the operators used are kept. The other
// dependencies stay external: each is loaded only by the commands that use it (kafkajs, avsc and
// lru-cache by Kafka runs, prom-client by `run` with "http", pino on the first log line).
// Dynamic imports become chunks of their own (each command, the Kafka connector), loaded on
// demand. Entries and chunks share one directory: the refit runner starts its worker from
// `new URL('./refitWorker.js', import.meta.url)`, which resolves beside the chunk holding it.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bundled = new Set(['rxjs']);
const external = Object.keys(pkg.dependencies).filter((name) => !bundled.has(name));

// rxjs's "node" export condition is its CommonJS build (the whole library, not tree-shakeable):
// resolve the bare specifier to its ES-module build instead (the same version, the same code).
const rxjsPackage = createRequire(join(root, 'package.json')).resolve('rxjs/package.json');
const rxjsEsm = {
  name: 'rxjs-esm',
  setup(b) {
    b.onResolve({ filter: /^rxjs$/ }, () => ({ path: join(dirname(rxjsPackage), 'dist/esm/index.js') }));
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    main: 'src/cli/main.ts',
    refitWorker: 'src/refit/refitWorker.ts',
    // `fit` and `path --cv` fit their folds on threads (crossValidateOnThreads: new URL('./cvWorker.js', ...))
    cvWorker: 'src/solve/cvWorker.ts',
    // the sequential input-drift test's worker (drift.threads 1: new URL('./sequentialWorker.js', ...))
    sequentialWorker: 'src/drift/sequentialWorker.ts',
    jsonlReaderWorker: 'connectors/file/jsonlReaderWorker.ts',
    // `run` with kafka.engineThread "worker" (KafkaWorkerEngine: new URL('./engineWorker.js', ...))
    engineWorker: 'connectors/kafka/engineWorker.ts',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: '[name]-[hash]',
  external,
  plugins: [rxjsEsm],
  sourcemap: 'linked',
  logLevel: 'warning',
});

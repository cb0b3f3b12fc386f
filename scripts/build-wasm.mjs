#!/usr/bin/env node
// Compiles the WebAssembly text kernels (src/**/*.wat) into TypeScript modules holding their
// bytes (base64), so the package needs no WebAssembly toolchain at install or run time.
//   npm run build:wasm          # rewrites src/solve/kernels/columnDotsWasm.ts
// test/solve/columnDots.test.ts recompiles the .wat and fails if the committed module differs.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { compileWat, wasmModuleSource } from './wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernels = [
  ['src/solve/kernels/columnDots.wat', 'src/solve/kernels/columnDotsWasm.ts', 'COLUMN_DOTS_WASM'],
];
for (const [wat, out, name] of kernels) {
  const bytes = await compileWat(join(root, wat));
  writeFileSync(join(root, out), wasmModuleSource(wat, name, bytes));
  console.log(`${wat} -> ${out} (${bytes.length} bytes)`);
}

#!/usr/bin/env node
// dist/cli: the command line bundled by scripts/bundle-cli.mjs (npm run build)
import { holdSignalsUntilExit, main } from '../dist/cli/main.js';

// a SIGINT / SIGTERM after replay or run has finished its work lets it exit with its own status
holdSignalsUntilExit();
let settled = false;
main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (err) => {
    settled = true;
    process.stderr.write(`l1stream: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
// Node exits when nothing is left to wait on: a command that has not finished by then waits on
// something that can never come (a defect), and must not end with exit code 0 as if it had done its work
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write(
    'l1stream: internal error: the command stopped before it finished (it waited on something that never came); its outputs are incomplete\n',
  );
  process.exitCode = 1;
});

// `l1stream run` in a child process for tests that signal it: the CLI's own entry, run from
// source with tsx. The arguments after the script are the run's.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(['run', ...process.argv.slice(2)]);

// `l1stream replay` in a child process for the resume tests (they kill it): the CLI's own entry,
// run from source with tsx. The arguments after the script are the replay's.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(['replay', ...process.argv.slice(2)]);

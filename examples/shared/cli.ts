/** `l1stream` from source, for the examples' child processes: `node --import tsx examples/shared/cli.ts run ...`. */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

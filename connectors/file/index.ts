/**
 * l1stream's file connectors (`l1stream/file`): model states in a directory, a JSON-lines or CSV
 * file as an event source, and JSON-lines output files: the engine's ports on a local file system.
 */
export { DirectoryStateStore, type DirectoryStateStoreOptions } from './stateDirectory.js';
export {
  jsonlSource,
  readJsonl,
  JsonlWriter,
  type JsonlSourceOptions,
  type JsonlEventSourceOptions,
} from './jsonl.js';
export { FileOutputSink, outputFiles } from './outputs.js';
export { csvSource, readCsvHeader, type CsvHeader, type CsvEventSourceOptions } from './csv.js';
export { CsvRowDecoder } from '../../src/internal.js';

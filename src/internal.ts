/**
 * Helpers shared by l1stream's own connectors and command line, not part of the public API: the
 * package's exports map does not expose this module, and it may change without notice.
 */
export { unknownKeyMessage, closest, shownValue } from './config/unknownKey.js';
export { optionKeyProblems } from './config/optionKeys.js';
export { optionProblems, optionValueProblems } from './config/optionValues.js';
export { reasonClass } from './engine/engine.js';
export { isErrnoError, pathProblem } from './core/pathProblem.js';
export { IdListedEvent, LineEvent } from './core/lineEvent.js';
export {
  continuedQuote,
  crOnlyProblem,
  openQuote,
  parseCsv,
  QUOTE_BROKEN,
  QUOTE_CLOSED,
} from './solve/csv.js';
export { CsvRowDecoder } from './stream/csvRows.js';
export { ALL_REJECTED_STOP } from './engine/rejectRate.js';
export { readByCommandLine } from './engine/commandLineEntries.js';
export { isBlankLine } from './core/blankLine.js';

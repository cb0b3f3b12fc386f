/** Drift detection: the public API of `src/drift`. */
export type { DriftDetector, ScalarDetector } from './protocol.js';
export { PageHinkley, type PageHinkleyMode, type PageHinkleyOptions } from './pageHinkley.js';
export { Adwin, type AdwinOptions } from './adwin.js';
export { GuardedDetector, type GuardedOptions, type ScalarShift } from './guardedDetector.js';
export {
  SupportDriftDetector,
  jaccardDistance,
  type SupportChange,
  type SupportDriftOptions,
} from './supportDrift.js';
export { SignFlipDetector, type SignFlip, type SignFlipOptions } from './signFlip.js';
export {
  InputSparsityDetector,
  gStatistic,
  type ActiveFeatures,
  type InputSparsityOptions,
  type InputSparsityReport,
  type RateChange,
} from './inputSparsity.js';
export { CountMinSketch } from './countMinSketch.js';
export { relativeWeights } from './materiality.js';
export {
  DEFAULT_DRIFT_CONFIG,
  resolveDriftConfig,
  validateDriftConfig,
  type DriftConfig,
  type DriftConfigInput,
} from './config.js';
export { DriftMonitor, type AlertLogger, type DriftBatch, type DriftMonitorOptions } from './driftMonitor.js';

/** Drift detection: the public API of `src/drift`. */
export type { DriftDetector, ScalarDetector } from './protocol.js';
export {
  PageHinkley,
  type PageHinkleyMode,
  type PageHinkleyOptions,
  type PageHinkleyState,
} from './pageHinkley.js';
export { Adwin, type AdwinOptions, type AdwinState } from './adwin.js';
export {
  GuardedDetector,
  type GuardedDetectorState,
  type GuardedOptions,
  type ScalarShift,
} from './guardedDetector.js';
export {
  SupportDriftDetector,
  jaccardDistance,
  type SupportChange,
  type SupportDriftOptions,
  type SupportDriftState,
} from './supportDrift.js';
export { SignFlipDetector, type SignFlip, type SignFlipOptions, type SignFlipState } from './signFlip.js';
export {
  InputSparsityDetector,
  gStatistic,
  type ActiveFeatures,
  type InputSparsityOptions,
  type InputSparsityReport,
  type InputSparsityState,
  type RateChange,
} from './inputSparsity.js';
export {
  SequentialSparsityDetector,
  bernoulliKl,
  type NamedFeatures,
  type NnzFinding,
  type SequentialFinding,
  type SequentialFindingKind,
  type SequentialSparsityOptions,
  type SequentialSparsityReport,
  type SequentialSparsityState,
} from './sequentialSparsity.js';
export { DeadlineHeap, type DeadlineHeapState } from './deadlineHeap.js';
export { CountMinSketch, type CountMinSketchState } from './countMinSketch.js';
export { relativeWeights, type DriftView, type WeightedCoefficients } from './materiality.js';
export {
  DEFAULT_DRIFT_CONFIG,
  resolveDriftConfig,
  validateDriftConfig,
  type DriftConfig,
  type DriftConfigInput,
} from './config.js';
export {
  DriftMonitor,
  type AlertLogger,
  type DriftBatch,
  type DriftMonitorOptions,
  type DriftMonitorState,
  type RefitMoves,
} from './driftMonitor.js';

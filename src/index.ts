/**
 * l1stream's public API. Connectors and applications import from here only.
 */
export * from './core/errors.js';
export * from './core/event.js';
export * from './core/sparse.js';

export { Featurizer, type FeaturizerOptions, type FeaturizerState } from './features/featurizer.js';
export { OnlineScaler, type OnlineScalerState } from './features/onlineScaler.js';
export { murmur3, Murmur3 } from './features/murmur3.js';
export {
  ExactVocabulary,
  HashedVocabulary,
  featureName,
  type Vocabulary,
  type VocabularyState,
  type HashedVocabularyOptions,
} from './features/vocabulary.js';

export { lossFor, logisticLoss, squaredLoss, sigmoid, softplus, type Loss } from './loss/index.js';

export type { Learner, LearnerState } from './learn/learner.js';
export { Ftrl, defaultFtrl, type FtrlOptions } from './learn/ftrl.js';
export { Fobos, type FobosOptions } from './learn/fobos.js';
export { TruncatedGradient, type TruncatedGradientOptions } from './learn/truncatedGradient.js';
export { ProximalSgd, type ProximalSgdOptions } from './learn/proximalSgd.js';
export { defaultRates, type RateOptions, type RateSchedule } from './learn/rates.js';
export {
  createLearner,
  learnerNames,
  type LearnerName,
  type LearnerHyperparameters,
  type PenalizedLearner,
} from './learn/factory.js';
export {
  softThreshold,
  elasticNetProx,
  repeatedProx,
  repeatedTruncation,
  subgradientStep,
} from './learn/prox.js';
export { lassoObjective } from './learn/objective.js';

export { ProgressiveMetrics, type ProgressiveMetricsState } from './metrics/progressive.js';
export { StreamingAuc, aucOf, type StreamingAucState } from './metrics/auc.js';

export type { ModelSnapshot, SnapshotSource, Alert, AlertType, Severity } from './model/snapshot.js';
export {
  OnlineModel,
  onlineDefaults,
  type OnlineModelOptions,
  type OnlineModelCheckpoint,
  type PendingEventsState,
  type EventOutcome,
} from './model/onlineModel.js';
export { encodeState, decodeState, STATE_FORMAT } from './model/stateCodec.js';

export type {
  RawRecord,
  RawBatch,
  RecordPosition,
  DeadLetter,
  DeadLetterSink,
  EventBatch,
  LearnedBatch,
} from './stream/types.js';
export {
  decodeEvents,
  jsonDecoder,
  type RecordDecoder,
  type EventDecoder,
  type DecodeEventsOptions,
} from './stream/decodeEvents.js';
export { learn, type LearnOptions } from './stream/learn.js';
export { snapshotEvery, type Snapshottable } from './stream/snapshotEvery.js';

export * from './solve/index.js';
export * from './drift/index.js';
export { detectDrift, detectBatchDrift, type DriftInput } from './stream/detectDrift.js';

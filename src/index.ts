/**
 * l1stream's public API. Connectors and applications import from here only.
 */
export * from './core/errors.js';
export * from './core/event.js';
export * from './core/sparse.js';
export { InternTable, MAX_INTERNED_LENGTH } from './core/internTable.js';

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
export { encodeState, decodeState, checkState, STATE_FORMAT } from './model/stateCodec.js';

export type {
  RawRecord,
  RecordHeaders,
  RawBatch,
  DecodedRecords,
  RecordPosition,
  DeadLetter,
  DeadLetterSink,
  EventBatch,
  LearnedBatch,
} from './stream/types.js';
export {
  decodeEvents,
  DEFAULT_MAX_RECORD_BYTES,
  jsonDecoder,
  type RecordDecoder,
  type EventDecoder,
  type DecodeEventsOptions,
} from './stream/decodeEvents.js';
export { JsonEventReader } from './stream/jsonEventReader.js';
export { learn, LearnedBatchBuilder, type LearnOptions, type OnProcessed } from './stream/learn.js';
export type {
  KeyedEvents,
  RoutedBatch,
  BatchOutputs,
  ProcessedBatch,
  RefitDone,
  EngineElement,
} from './stream/engineTypes.js';
export { routeByKey, keyFunction, type KeyOf } from './stream/routeByKey.js';
export { learnByKey, type LearnByKeyOptions } from './stream/learnByKey.js';
export { snapshotEvery } from './stream/snapshotEvery.js';
export {
  refitEvery,
  refitStats,
  type RefitEveryOptions,
  type RefitStats,
  type RefitTarget,
} from './stream/refitEvery.js';
export { detectDrift } from './stream/detectDrift.js';
export { publish } from './stream/publish.js';

export { LiveModel, type LiveModelContext } from './model/liveModel.js';
export { SnapshotScorer, type SnapshotScore } from './model/snapshotScorer.js';
export { ModelRegistry, type ModelRegistryOptions, type RegistryCodec } from './model/registry.js';
export { RefitWindow, type RefitWindowState, type WindowRows } from './refit/window.js';
export {
  solveRefitJob,
  type RefitJob,
  type RefitOutcome,
  type SparseCoefficients,
  type WarmStartSource,
} from './refit/job.js';
export { InlineRefitRunner, WorkerRefitRunner, RefitError, type RefitRunner } from './refit/runner.js';

export {
  checkEngineConfig,
  engineDefaults,
  type EngineConfig,
  type EngineConfigOptions,
  type KeyConfig,
  type RefitConfig,
  type ScoreConfig,
  type ServeSource,
  type SectionValidator,
  type SnapshotConfig,
} from './engine/config.js';
export {
  MemoryStateStore,
  type MemoryStateStoreOptions,
  type AssignmentChange,
  type EventSource,
  type OutputSink,
  type PartitionRef,
  type RestoreStats,
  type StateStore,
} from './engine/ports.js';
export { Checkpointer, type CheckpointStats } from './engine/checkpointer.js';
export { SinkError } from './engine/awaitingSink.js';
export { WorkerMissing } from './core/workerScript.js';
export type { ScoreRecord, Contribution } from './engine/records.js';
export { Engine, type EngineOptions, type EnginePorts, type EngineStats } from './engine/engine.js';
export type { EngineObserver } from './engine/engine.js';
export { EngineMetrics, type EngineMetricsOptions } from './ops/metrics.js';
export { OpsServer, type OpsServerOptions, type MetricsSource } from './ops/httpServer.js';

export * from './solve/index.js';
export * from './drift/index.js';

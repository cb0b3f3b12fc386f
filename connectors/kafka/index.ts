/**
 * l1stream's Kafka connectors: a kafkajs source as an rxjs Observable with at-least-once commits,
 * an idempotent sink for models, scores, alerts and dead letters, JSON and Avro (Confluent wire
 * format, schema registry or schema file) codecs: the engine's ports on Kafka.
 */
export { KafkaSource, type KafkaSourceOptions, type KafkaBatch, type AssignmentHandler } from './source.js';
export { KafkaSink, type KafkaSinkOptions, type ValueEncoder } from './sink.js';
export {
  KafkaDeadLetters,
  deadLetterHeaders,
  cutDeadLetterHeaders,
  DEAD_LETTER_LIMITS,
  type ConnectorLogger,
  type DeadLetterLogOptions,
} from './deadLetters.js';
export {
  ensureTopics,
  checkInputTopics,
  outputTopics,
  outputTopicSpecs,
  MODELS_TOPIC_MAX_MESSAGE_BYTES,
  type OutputTopics,
  type TopicSpec,
} from './topics.js';
export {
  kafkaPorts,
  kafkaEnginePorts,
  kafkaConsumer,
  kafkaEventSource,
  checkAssignmentCoversModels,
  refuseSecondInstance,
  requireInputTopics,
  type KafkaPorts,
  type KafkaEnginePorts,
  type KafkaEngineFacts,
} from './ports.js';
export {
  KafkaStateStore,
  stateRecordKey,
  parseStateRecordKey,
  stateRecords,
  type KafkaStateStoreOptions,
} from './stateStore.js';
export {
  checkKafkaConfig,
  createKafka,
  kafkaDefaults,
  kafkaLogCreator,
  type KafkaLogger,
  type KafkaConfig,
  type KafkaAvroConfig,
  type KafkaFormat,
  type KafkaEngineThread,
} from './config.js';
export { encodeJson, decodeJson } from './codecs/json.js';
export { EngineProgressLog, type ProgressLogOptions } from './progressLog.js';
export { brokersUnreachableError, registryUnreachableError } from './retry.js';
export { probeBrokers, type BrokerProbe } from './brokerProbe.js';
export { frame, unframe, MAGIC_BYTE, HEADER_BYTES, type Framed } from './codecs/wireFormat.js';
export {
  AvroDecoder,
  AvroEncoder,
  shippedSchema,
  readSchemaFile,
  type AvroSchema,
  type AvroFraming,
  type AvroDecoderOptions,
  type AvroEncoderOptions,
  type ShippedSchema,
} from './codecs/avro.js';
export {
  SchemaRegistryClient,
  RegistryUrlError,
  UnknownSchemaError,
  RegistryHttpError,
  type SchemaRegistryClientOptions,
} from './codecs/registryClient.js';
export {
  KafkaWorkerEngine,
  type KafkaWorkerEngineOptions,
  type WorkerEngineStats,
  type WorkerEngineResult,
} from './workerEngine.js';

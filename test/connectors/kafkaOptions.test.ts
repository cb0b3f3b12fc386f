/**
 * KafkaSource, KafkaSink and KafkaStateStore from plain JavaScript: a misspelled option was
 * ignored and its default used (`maxbuffered`, `chunkbytes`, `fromBegining`: the group started
 * from the latest offsets), and a source without topics failed with a TypeError. Each is now a
 * ConfigError naming every problem, with the key meant. No broker: nothing here connects.
 */
import { describe, expect, it } from 'vitest';

import {
  AvroDecoder,
  AvroEncoder,
  createKafka,
  EngineProgressLog,
  KafkaWorkerEngine,
  type KafkaWorkerEngineOptions,
  type ProgressLogOptions,
  SchemaRegistryClient,
  shippedSchema,
  type AvroDecoderOptions,
  type AvroEncoderOptions,
  type SchemaRegistryClientOptions,
  checkKafkaConfig,
  KafkaSink,
  KafkaSource,
  KafkaStateStore,
  outputTopics,
  type KafkaSinkOptions,
  type KafkaSourceOptions,
  type KafkaStateStoreOptions,
} from '../../connectors/kafka/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const kafka = createKafka(checkKafkaConfig({ brokers: ['127.0.0.1:1'], topics: ['events'] }), 'nothing');
const js = <T>(o: object) => o as T;

describe('the options of the Kafka ports', () => {
  it('KafkaSource refuses a misspelled option, and topics or groupId missing or of the wrong kind', () => {
    const found = problems(
      () =>
        new KafkaSource(kafka, js<KafkaSourceOptions>({ topics: ['t'], groupId: 'g', fromBegining: true })),
    );
    expect([...found.keys()]).toEqual(['KafkaSource: fromBegining']);
    expect(found.get('KafkaSource: fromBegining')).toMatch(/^unknown option; did you mean "fromBeginning"\?/);
    expect(
      Object.fromEntries(problems(() => new KafkaSource(kafka, js<KafkaSourceOptions>({ topics: 't' })))),
    ).toEqual({
      'KafkaSource: topics': 'must be a list of strings, got "t"',
      'KafkaSource: groupId': 'required: a string',
    });
    expect(() => new KafkaSource(kafka, { topics: ['t'], groupId: 'g', fromBeginning: true })).not.toThrow();
  });

  it('KafkaSink refuses a misspelled option', () => {
    const topics = outputTopics('l1s');
    const found = problems(() => new KafkaSink(kafka, js<KafkaSinkOptions>({ topics, maxbuffered: 10 })));
    expect([...found.keys()]).toEqual(['KafkaSink: maxbuffered']);
    expect(found.get('KafkaSink: maxbuffered')).toMatch(/^unknown option; did you mean "maxBuffered"\?/);
    expect(() => new KafkaSink(kafka, { topics, maxBuffered: 10 })).not.toThrow();
  });

  it('KafkaStateStore refuses a misspelled option and names what it lacks, all at once', () => {
    const store = { topic: 's', family: 'binomial', learner: 'ftrl', groupId: 'g' };
    const found = problems(
      () => new KafkaStateStore(kafka, js<KafkaStateStoreOptions>({ ...store, chunkbytes: 1024 })),
    );
    expect([...found.keys()]).toEqual(['KafkaStateStore: chunkbytes']);
    expect(found.get('KafkaStateStore: chunkbytes')).toMatch(/^unknown option; did you mean "chunkBytes"\?/);
    expect(
      Object.fromEntries(
        problems(
          () => new KafkaStateStore(kafka, js<KafkaStateStoreOptions>({ topic: 's', family: 'binmial' })),
        ),
      ),
    ).toEqual({
      'KafkaStateStore: family': 'must be "gaussian" or "binomial", got "binmial"',
      'KafkaStateStore: learner': 'required: a string',
      'KafkaStateStore: groupId': 'required: a string',
    });
    expect(() => new KafkaStateStore(kafka, { ...store, chunkBytes: 1024 })).not.toThrow();
  });

  it('AvroDecoder and AvroEncoder refuse a misspelled option and a framing that is none (read as framed, with no registry lookup)', async () => {
    const found = problems(
      () => new AvroDecoder(js<AvroDecoderOptions>({ writerSchema: new Map(), framing: 'row' })),
    );
    expect([...found.keys()]).toEqual(['AvroDecoder: writerSchema']);
    expect(found.get('AvroDecoder: writerSchema')).toMatch(/^unknown option; did you mean "writerSchemas"\?/);
    expect(
      Object.fromEntries(problems(() => new AvroDecoder(js<AvroDecoderOptions>({ framing: 'row' })))),
    ).toEqual({
      'AvroDecoder: framing': 'must be "confluent" or "raw", got "row"',
    });
    await expect(
      AvroEncoder.create(js<AvroEncoderOptions>({ schema: shippedSchema('event'), schemaID: 1 })),
    ).rejects.toThrow(/AvroEncoder\.create: schemaID: unknown option; did you mean "schemaId"\?/);
    expect((await AvroEncoder.create({ schema: shippedSchema('event'), schemaId: 7 })).schemaId).toBe(7);
  });

  it('SchemaRegistryClient refuses a misspelled option and a url that is no string', () => {
    const found = problems(
      () =>
        new SchemaRegistryClient(
          js<SchemaRegistryClientOptions>({ url: 'http://localhost:1', timeoutms: 5 }),
        ),
    );
    expect(found.get('SchemaRegistryClient: timeoutms')).toMatch(
      /^unknown option; did you mean "timeoutMs"\?/,
    );
    expect(
      Object.fromEntries(
        problems(() => new SchemaRegistryClient(js<SchemaRegistryClientOptions>({ url: 5, cacheSize: 0 }))),
      ),
    ).toEqual({
      'SchemaRegistryClient: url': 'must be a string, got 5',
      'SchemaRegistryClient: cacheSize': 'must be a whole number >= 1, got 0',
    });
    expect(() => new SchemaRegistryClient({ url: 'http://localhost:1', timeoutMs: 5 })).not.toThrow();
  });

  it('KafkaWorkerEngine and EngineProgressLog refuse a misspelled option (its default was used)', () => {
    const setup = {
      config: {},
      brokers: ['127.0.0.1:1'],
      clientId: 'c',
      topics: outputTopics('l1s'),
      writerSchemas: null,
    };
    const found = problems(
      () =>
        new KafkaWorkerEngine({} as KafkaSource, js<KafkaWorkerEngineOptions>({ ...setup, partsize: 64 })),
    );
    expect([...found.keys()]).toEqual(['KafkaWorkerEngine: partsize']);
    expect(found.get('KafkaWorkerEngine: partsize')).toMatch(/^unknown option; did you mean "partSize"\?/);
    expect(() => new KafkaWorkerEngine({} as KafkaSource, { ...setup, partSize: 64 })).not.toThrow();
    const logger = { info: () => undefined };
    const log = (options: object) => () =>
      new EngineProgressLog(logger, {} as never, js<ProgressLogOptions>(options));
    expect([...problems(log({ clientId: 'c', everyms: 5 })).keys()]).toEqual(['EngineProgressLog: everyms']);
    expect(log({ clientId: 'c', everyMs: 5 })).not.toThrow();
  });
});

describe('kafka.sessionTimeoutMs and heartbeatIntervalMs', () => {
  const base = { brokers: ['127.0.0.1:9092'], topics: ['events'] };
  it('the smallest session alone is accepted, its heartbeat a third of it (3000 was refused)', () => {
    const config = checkKafkaConfig({ ...base, sessionTimeoutMs: 6000 });
    expect([config.sessionTimeoutMs, config.heartbeatIntervalMs]).toEqual([6000, 2000]);
    expect(checkKafkaConfig(base).heartbeatIntervalMs).toBe(3000);
    expect(checkKafkaConfig({ ...base, sessionTimeoutMs: 60000 }).heartbeatIntervalMs).toBe(3000);
  });

  it('a heartbeat given too long for the session names both values and the fixes', () => {
    expect(() => checkKafkaConfig({ ...base, sessionTimeoutMs: 6000, heartbeatIntervalMs: 3000 })).toThrow(
      'kafka.heartbeatIntervalMs: must be at most a third of sessionTimeoutMs (6000), got 3000: set it to 2000 or less, or sessionTimeoutMs to 9000 or more',
    );
  });
});

/**
 * What `kafkaPorts` and `checkKafkaConfig` refuse at construction, naming every problem at once:
 * engine facts a kafkajs header cannot carry (a `learner` of undefined failed the first
 * checkpoint with kafkajs' `The "string" argument must be of type string`), a `kafka` section
 * not from `checkKafkaConfig`, and an Avro schema file that is missing or invalid. No broker.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkKafkaConfig, createKafka, kafkaPorts, type KafkaConfig } from '../../connectors/kafka/index.js';
import { runCommand } from '../../src/cli/run.js';
import { ConfigError } from '../../src/index.js';

const base = { brokers: ['127.0.0.1:1'], topics: ['events'] };

async function problemsOf(promise: Promise<unknown>): Promise<Map<string, string>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConfigError) return new Map(err.problems.map((p) => [p.path, p.message]));
    throw err;
  }
  throw new Error('accepted');
}

describe('kafkaPorts', () => {
  const config = checkKafkaConfig(base);
  const kafka = createKafka(config, 'nothing');

  it('refuses a learner of undefined at construction, naming the fix', async () => {
    const facts = { keyBy: 'campaign', family: 'binomial', learner: undefined as unknown as string };
    const found = await problemsOf(kafkaPorts(kafka, config, facts));
    expect([...found.keys()]).toEqual(['engine.learner']);
    expect(found.get('engine.learner')).toMatch(/got undefined: pass config\.model\.learner \?\? 'ftrl'/);
  });

  it('names every missing fact at once', async () => {
    const found = await problemsOf(kafkaPorts(kafka, config, {} as never));
    expect([...found.keys()]).toEqual(['engine.family', 'engine.learner', 'engine.keyBy']);
  });

  it('fills the defaults of a section not from checkKafkaConfig, and names what it lacks', async () => {
    const facts = { keyBy: null, family: 'gaussian', learner: 'ftrl' };
    const ports = await kafkaPorts(kafka, base as unknown as KafkaConfig, facts);
    await ports.close();
    const found = await problemsOf(
      kafkaPorts(kafka, { topics: ['events'], partitions: 0 } as unknown as KafkaConfig, {
        ...facts,
        learner: 'sgd',
      }),
    );
    expect([...found.keys()]).toEqual(['kafka.brokers', 'kafka.partitions', 'engine.learner']);
  });
});

describe('kafka.avro.schemaFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-schema-'));
  const broken = join(dir, 'broken.avsc');
  writeFileSync(broken, '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}');
  const avro = (schemaFile: string) => ({ ...base, partitions: 0, format: 'avro', avro: { schemaFile } });

  it('missing or invalid, is reported with the section’s other problems', async () => {
    for (const [file, message] of [
      [join(dir, 'missing.avsc'), /cannot read .*missing\.avsc/],
      [broken, /broken\.avsc is not a valid Avro schema: undefined type name: nope/],
    ] as const) {
      const found = await problemsOf(Promise.resolve().then(() => checkKafkaConfig(avro(file))));
      expect([...found.keys()]).toEqual(['kafka.partitions', 'kafka.avro.schemaFile']);
      expect(found.get('kafka.avro.schemaFile')).toMatch(message);
    }
  });

  it('missing, is reported by run with the file’s other problems', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ model: { family: 'binomial', lambda: -1 }, kafka: avro(join(dir, 'missing.avsc')) }),
    );
    const silent = { stdout: { write: () => true }, stderr: { write: () => true }, interactive: false };
    const found = await problemsOf(runCommand.run(['--config', file], silent as never));
    expect([...found.keys()]).toEqual(['model.lambda', 'kafka.partitions', 'kafka.avro.schemaFile']);
  });
});

describe('an avro section that nothing reads', () => {
  it('names avro.schemaFile without format "avro", and avro.registryUrl when no format is "avro"', async () => {
    const found = await problemsOf(
      Promise.resolve().then(() =>
        checkKafkaConfig({ ...base, avro: { schemaFile: 'nope.avsc', registryUrl: 'http://registry:8081' } }),
      ),
    );
    expect(Object.fromEntries(found)).toEqual({
      'kafka.avro.schemaFile':
        'is the writer schema of Avro input, but kafka.format is "json": set kafka.format to "avro" to read Avro events, or remove avro.schemaFile',
      'kafka.avro.registryUrl':
        'is read only for Avro, but kafka.format and kafka.outputFormat are both "json": set either to "avro", or remove avro.registryUrl',
    });
    // a registry for Avro outputs alone is read
    const outputs = checkKafkaConfig({
      ...base,
      outputFormat: 'avro',
      avro: { registryUrl: 'http://registry:8081' },
    });
    expect(outputs.avro.registryUrl).toBe('http://registry:8081');
  });
});

import type { Admin } from 'kafkajs';

import { ConnectorError } from '../../src/index.js';

/** The output topics of DESIGN §6 for a prefix. */
export interface OutputTopics {
  /** Model snapshots, compacted, keyed by model key. */
  readonly models: string;
  readonly scores: string;
  readonly alerts: string;
  /** Dead letters: original bytes and headers plus reason, stage, topic, partition and offset. */
  readonly dlq: string;
  /** Model states (checkpoints), compacted, keyed by model key and chunk. */
  readonly state: string;
}

export function outputTopics(prefix: string): OutputTopics {
  return {
    models: `${prefix}.models`,
    scores: `${prefix}.scores`,
    alerts: `${prefix}.alerts`,
    dlq: `${prefix}.dlq`,
    state: `${prefix}.state`,
  };
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

/** Specs for the output topics: models compacted, the others deleted by retention. */
export function outputTopicSpecs(
  topics: OutputTopics,
  partitions: number,
  replicationFactor: number,
): TopicSpec[] {
  return [
    { topic: topics.models, partitions, replicationFactor, config: { 'cleanup.policy': 'compact' } },
    { topic: topics.scores, partitions, replicationFactor },
    { topic: topics.alerts, partitions, replicationFactor },
    { topic: topics.dlq, partitions, replicationFactor },
  ];
}

/**
 * Creates the topics that do not exist yet and waits for their leaders. Existing topics are left
 * as they are (their partition count and configs are the operator's choice). Returns the names
 * it created.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor,
        configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  } catch (err) {
    // Another instance may have created them in between: only fail if some are still missing.
    const now = new Set(await admin.listTopics());
    const still = missing.filter((s) => !now.has(s.topic)).map((s) => s.topic);
    if (still.length > 0) {
      throw new ConnectorError(
        'L1S_KAFKA_TOPICS',
        `cannot create topics ${still.join(', ')}: ${(err as Error).message}`,
        {
          retriable: true,
          cause: err,
        },
      );
    }
  }
  return missing.map((s) => s.topic);
}

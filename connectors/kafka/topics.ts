import type { Admin } from 'kafkajs';

import { ConnectorError } from '../../src/index.js';
import { closest } from '../../src/internal.js';

/** The output topics for a prefix (the README's Kafka section). */
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

/**
 * The largest message the models topic takes (its `max.message.bytes` when l1stream creates it): a
 * snapshot is one message, and one of tens of thousands of named coefficients is megabytes of
 * JSON, past a broker's default 1 MiB.
 */
export const MODELS_TOPIC_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Specs for the output topics: models compacted (and room for large snapshots), the others deleted by retention. */
export function outputTopicSpecs(
  topics: OutputTopics,
  partitions: number,
  replicationFactor: number,
): TopicSpec[] {
  return [
    {
      topic: topics.models,
      partitions,
      replicationFactor,
      config: { 'cleanup.policy': 'compact', 'max.message.bytes': String(MODELS_TOPIC_MAX_MESSAGE_BYTES) },
    },
    { topic: topics.scores, partitions, replicationFactor },
    { topic: topics.alerts, partitions, replicationFactor },
    { topic: topics.dlq, partitions, replicationFactor },
  ];
}

/**
 * Creates the topics that do not exist yet and waits for their leaders. Existing topics are left
 * as they are (their partition count and configs are the operator's choice). Returns the names
 * it created. A retriable failure (a broker whose metadata has not caught up with topics just
 * created answers "does not host this topic-partition") is retried for up to `retryMs`.
 */
export async function ensureTopics(
  admin: Pick<Admin, 'listTopics' | 'createTopics'>,
  specs: readonly TopicSpec[],
  retryMs = 30_000,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return [];
  const created = missing.map((s) => s.topic);
  const deadline = Date.now() + retryMs;
  let still = missing;
  for (let attempt = 0; ; attempt++) {
    let failure: unknown;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: still.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
      return created;
    } catch (err) {
      failure = err;
    }
    // Another instance may have created them in between: only fail if some are still missing.
    const now = new Set(await admin.listTopics());
    still = still.filter((s) => !now.has(s.topic));
    if (still.length === 0) return created;
    const retriable = (failure as { retriable?: unknown } | null)?.retriable === true;
    if (!retriable || Date.now() >= deadline) {
      throw new ConnectorError(
        'L1S_KAFKA_TOPICS',
        `cannot create topics ${still.map((s) => s.topic).join(', ')}: ${(failure as Error).message}`,
        { retriable: true, cause: failure },
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt)));
  }
}

/** Topics a message lists at most (a broker may hold thousands). */
const listedTopics = 20;

/**
 * Stops a run whose input topics do not all exist (a misspelled name would otherwise be created
 * empty, or wait forever): names each missing one and lists the topics the broker has, the
 * closest name first. Internal topics (`__consumer_offsets`, ...) are left out of the list.
 */
export async function checkInputTopics(
  admin: Pick<Admin, 'listTopics'>,
  topics: readonly string[],
): Promise<void> {
  const existing = await admin.listTopics();
  const have = new Set(existing);
  const missing = topics.filter((t) => !have.has(t));
  if (missing.length === 0) return;
  const user = existing.filter((t) => !t.startsWith('__')).sort();
  const guesses = missing.map((t) => closest(t, user)).filter((g): g is string => g !== undefined);
  const ordered = [...new Set([...guesses, ...user])];
  const shown = ordered.slice(0, listedTopics).map((t) => `"${t}"`);
  if (ordered.length > listedTopics) shown.push(`and ${ordered.length - listedTopics} more`);
  const names = missing.map((t) => `"${t}"`).join(', ');
  throw new ConnectorError(
    'L1S_KAFKA_TOPIC_MISSING',
    `input topic${missing.length > 1 ? 's' : ''} ${names} (kafka.topics) ${missing.length > 1 ? 'do' : 'does'} not exist` +
      (guesses.length > 0 ? `; did you mean ${guesses.map((g) => `"${g}"`).join(', ')}?` : '.') +
      ` Topics on the broker: ${shown.length > 0 ? shown.join(', ') : 'none'}. ` +
      'Fix kafka.topics, create the topic, or set kafka.createInputTopics to true to have run create it',
  );
}

/**
 * The tools' brokers when `--brokers` is not given: those of `L1S_KAFKA_BROKERS`, which `l1stream run`
 * uses in place of `kafka.brokers`, so that events go to (and outputs come from) the broker `run` reads;
 * else a local broker.
 */
export const defaultBrokers = process.env.L1S_KAFKA_BROKERS?.trim() || '127.0.0.1:9092';

/** How the usage lines name the default. */
export const brokersUsage = '[--brokers HOST:PORT,... (default: $L1S_KAFKA_BROKERS, else 127.0.0.1:9092)]';

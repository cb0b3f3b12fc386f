/** What readiness reads of a Kafka consumer (`KafkaSource.health`). */
export interface ConsumerHealthView {
  /** Null while consuming; otherwise why not, in one line. */
  notConsuming(): string | null;
}

/**
 * Why a run's pipeline is not ready to process, or null when it is: the engine is built, has
 * restored the models of its first partition assignment (`engine.ready`), and its Kafka consumer,
 * if any, is consuming (a fetch completed in the last 10 s; no crash, stop or disconnect since).
 * `OpsServer.notReady` adds a failure and a stop to it; `/readyz` and the `l1stream_ready` gauge
 * both read that.
 */
export function pipelineNotReady(
  engine: { readonly ready: boolean } | null,
  consumer: ConsumerHealthView | null = null,
): string | null {
  if (engine === null) return 'the engine is starting';
  if (!engine.ready) return 'waiting for the first partition assignment (model states not restored yet)';
  return consumer?.notConsuming() ?? null;
}

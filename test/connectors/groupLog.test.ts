import { afterEach, describe, expect, it, vi } from 'vitest';

import { GroupLog } from '../../connectors/kafka/groupLog.js';

function recorder() {
  const lines: string[] = [];
  const log = (_: object, msg: string) => void lines.push(msg);
  return { lines, logger: { info: log, warn: log, error: log, debug: log } };
}

describe('GroupLog', () => {
  afterEach(() => void vi.useRealTimers());

  it('says once that a rebalance began, once why it waits, and what was assigned after it', () => {
    vi.useFakeTimers();
    const { lines, logger } = recorder();
    const log = new GroupLog(logger, { groupId: 'g', sessionTimeoutMs: 30_000 });
    log.joining('rebalance');
    log.joining('rebalance'); // kafkajs retries the join: not said again
    vi.advanceTimersByTime(25_000);
    log.joined({ events: [2, 0] });
    expect(lines).toEqual([
      'the consumer group is rebalancing: rejoining it (no partitions until it completes)',
      "no partitions for 10 s, waiting for the group's rebalance: usually a member stopped without leaving the group (killed); the broker drops it and reassigns its partitions once its session times out (kafka.sessionTimeoutMs 30 s)",
      'joined consumer group: assigned events[0,2] after 25 s without partitions',
    ]);
  });

  it('a quick join at start says only what was assigned; an empty assignment says why', () => {
    vi.useFakeTimers();
    const { lines, logger } = recorder();
    const log = new GroupLog(logger, { groupId: 'g', sessionTimeoutMs: 6_000 });
    log.joining('start');
    vi.advanceTimersByTime(1_000);
    log.joined({ events: [] });
    vi.advanceTimersByTime(60_000);
    expect(lines).toEqual([
      'joined consumer group: assigned no partitions (the group has more members than the input has partitions)',
    ]);
  });
});

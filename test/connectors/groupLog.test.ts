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

  it('after a rebalance, says which partitions it took over from another member and which it handed to one', () => {
    const lines: string[] = [];
    const fields: object[] = [];
    const log = (f: object, msg: string) => {
      fields.push(f);
      lines.push(msg);
    };
    const group = new GroupLog({ info: log, warn: log }, { groupId: 'g', sessionTimeoutMs: 6_000 });
    group.joined({ events: [0] });
    group.joined({ events: [0, 2, 1], clicks: [] });
    group.joined({ events: [1], clicks: [3] });
    group.stop();
    expect(lines).toEqual([
      'joined consumer group: assigned events[0]',
      "joined consumer group: assigned events[0,1,2]; took over events[1,2] (another member's before this rebalance)",
      "joined consumer group: assigned events[1] clicks[3]; took over clicks[3] (another member's before this rebalance); handed events[0,2] to another member",
    ]);
    expect(fields[2]).toMatchObject({
      tookOver: [{ topic: 'clicks', partitions: [3] }],
      handedOver: [{ topic: 'events', partitions: [0, 2] }],
    });
  });
});

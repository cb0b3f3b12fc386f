/**
 * `threadCpuSeconds`: the CPU time of the calling thread (what the Kafka benchmark reports beside
 * event-loop busy times), not the process's.
 */
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { threadCpuSeconds } from '../../connectors/kafka/threadCpu.js';

describe.runIf(process.platform === 'linux')('threadCpuSeconds', () => {
  it("grows with this thread's work, and a new thread starts from its own", async () => {
    const before = threadCpuSeconds();
    expect(before).not.toBeNull();
    // work until this thread has run half a second more (a loop bounded by its own CPU time)
    let x = 0;
    let after = before!;
    while (after < before! + 0.5) {
      for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
      after = threadCpuSeconds()!;
    }
    expect(x).toBeGreaterThan(0);
    // a fresh thread (which only loads a module) has run far less than this one
    const url = new URL('../../connectors/kafka/threadCpu.ts', import.meta.url).href;
    const worker = new Worker(
      `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })
        .then((m) => require('node:worker_threads').parentPort.postMessage(m.threadCpuSeconds()));`,
      { eval: true },
    );
    const own = await new Promise<number | null>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(own).not.toBeNull();
    expect(own!).toBeLessThan(after - before!);
    expect(own!).toBeGreaterThan(0);
  });
});

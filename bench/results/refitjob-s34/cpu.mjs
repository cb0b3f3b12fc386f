import { readFileSync, readdirSync, readlinkSync, appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
// per-thread CPU of this process at exit (utime+stime in ms): main thread, worker threads, other (V8 helpers, libuv)
const tidFile = `/tmp/rj/tids.${process.pid}`;
if (!isMainThread) appendFileSync(tidFile, readlinkSync('/proc/thread-self').split('/').pop() + '\n');
else {
  const seen = new Map();
  const sample = () => {
    for (const t of readdirSync('/proc/self/task')) {
      try {
        const s = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        seen.set(t, (Number(f[11]) + Number(f[12])) * 10);
      } catch {}
    }
  };
  const timer = setInterval(sample, 20);
  timer.unref();
  process.on('exit', () => {
    sample();
    let workers = new Set();
    try { workers = new Set(readFileSync(tidFile, 'utf8').trim().split('\n')); } catch {}
    const by = { main: 0, worker: 0, other: 0 };
    for (const [t, cpu] of seen) by[t === String(process.pid) ? 'main' : workers.has(t) ? 'worker' : 'other'] += cpu;
    process.stderr.write(`THREADS main ${by.main} worker ${by.worker} other ${by.other}\n`);
  });
}

import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';

import { Observable } from 'rxjs';

import {
  ConnectorError,
  DEFAULT_MAX_RECORD_BYTES,
  type Family,
  type RawBatch,
  type RawRecord,
} from '../../src/index.js';
import type { JsonlSourceOptions } from './jsonl.js';
import {
  PackedReader,
  REC_OVERSIZE,
  REC_STRIDE,
  REC_TEXT,
  type ReaderMessage,
  type ReaderWorkerData,
} from './jsonlPacked.js';

export interface ThreadedJsonlOptions extends JsonlSourceOptions {
  /** The events' family: the worker checks labels as `decodeEvents` would for it. */
  readonly family: Family;
  /** Packed batches the worker may have read ahead of the main thread (default 4). */
  readonly inFlight?: number;
}

/** A worker running `jsonlReaderWorker` (the .js beside this module, or the .ts through tsx). */
function startWorker(workerData: ReaderWorkerData): Worker {
  const { Worker } = createRequire(import.meta.url)(
    'node:worker_threads',
  ) as typeof import('node:worker_threads');
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./jsonlReaderWorker.js', import.meta.url), { workerData });
  const entry = new URL('./jsonlReaderWorker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData },
  );
}

/**
 * `readJsonl` with the reading and the scanning of lines in a worker thread: the same records
 * (line numbers, skipped, blank and oversize lines, errors), each batch with its events already
 * read (`RawBatch.decoded`), so `decodeEvents` does not parse them; lines the worker's
 * `JsonEventReader` does not accept keep their text for the general path. The worker reads ahead
 * at most `inFlight` batches; unsubscribing stops it (the batches read ahead are dropped).
 */
export function readJsonlThreaded(path: string, options: ThreadedJsonlOptions): Observable<RawBatch> {
  const name = options.name ?? path;
  const { onProgress, family, inFlight = 4, ...rest } = options;
  return new Observable<RawBatch>((subscriber) => {
    const control = new SharedArrayBuffer(8);
    const credits = new Int32Array(control);
    Atomics.store(credits, 0, Math.max(1, inFlight));
    const worker = startWorker({
      path,
      family,
      maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      options: { ...rest, name },
      control,
    });
    const packed = new PackedReader(family);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      Atomics.store(credits, 1, 1);
      Atomics.notify(credits, 0);
      void worker.terminate();
    };
    worker.on('message', (message: ReaderMessage) => {
      if (finished) return;
      switch (message.type) {
        case 'progress':
          onProgress?.(message.bytesRead, message.totalBytes);
          return;
        case 'error':
          finish();
          subscriber.error(new ConnectorError(message.code, message.message));
          return;
        case 'done':
          finish();
          subscriber.complete();
          return;
        case 'batch': {
          const { lines, rec, texts } = message;
          const n = lines.length;
          const records = new Array<RawRecord>(n);
          let t = 0;
          for (let i = 0; i < n; i++) {
            const kind = rec[i * REC_STRIDE];
            const position = { source: name, offset: String(lines[i]) };
            if (kind === REC_TEXT) records[i] = { value: texts[t++], position };
            else if (kind === REC_OVERSIZE)
              records[i] = { value: texts[t++], bytes: message.nums[3 * i], position };
            else records[i] = { value: '', position };
          }
          subscriber.next({ records, decoded: packed.open(message) });
          // the batch went through (synchronous downstream): the worker may read one more
          Atomics.add(credits, 0, 1);
          Atomics.notify(credits, 0);
          return;
        }
      }
    });
    worker.on('error', (err) => {
      if (finished) return;
      finish();
      subscriber.error(new ConnectorError('L1S_FILE', `cannot read ${path}: ${err.message}`, { cause: err }));
    });
    return finish;
  });
}

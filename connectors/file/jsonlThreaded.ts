import { createRequire } from 'node:module';
import type { TransferListItem, Worker } from 'node:worker_threads';

import { Observable } from 'rxjs';

import {
  ConnectorError,
  DEFAULT_MAX_RECORD_BYTES,
  type Family,
  type RawBatch,
  type RawRecord,
} from '../../src/index.js';
import type { JsonlSourceOptions } from './jsonl.js';
import type { LinesInFlight } from './linesInFlight.js';
import {
  CONTROL_CANCELLED,
  CONTROL_CREDITS,
  CONTROL_POSTED,
  CONTROL_SLOTS,
  PackedReader,
  REC_BYTES,
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

/** node:worker_threads, loaded when a reader thread starts (not at every replay's start-up: 1-2 ms). */
function workerThreads(): typeof import('node:worker_threads') {
  return createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
}

/** A worker running `jsonlReaderWorker` (the .js beside this module, or the .ts through tsx). */
function startWorker(workerData: ReaderWorkerData, transferList: TransferListItem[]): Worker {
  const { Worker } = workerThreads();
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./jsonlReaderWorker.js', import.meta.url), { workerData, transferList });
  const entry = new URL('./jsonlReaderWorker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData, transferList },
  );
}

/**
 * `readJsonl` with the reading and the scanning of lines in a worker thread: the same records
 * (line numbers, skipped, blank and oversize lines, errors), each batch with its events already
 * read (`RawBatch.decoded`), so `decodeEvents` does not parse them; lines the worker's
 * `JsonEventReader` does not accept keep their text for the general path. The worker reads ahead
 * at most `inFlight` batches; unsubscribing stops it (the batches read ahead are dropped).
 */
export function readJsonlThreaded(
  path: string,
  options: ThreadedJsonlOptions,
  gate: LinesInFlight | null = null,
): Observable<RawBatch> {
  const name = options.name ?? path;
  const { onProgress, family, inFlight = 4 } = options;
  // the reader's settings (data only: functions such as a source's commit stay here)
  const settings: ReaderWorkerData['options'] = {
    name,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.skipBlank !== undefined ? { skipBlank: options.skipBlank } : {}),
    ...(options.skipLines !== undefined ? { skipLines: options.skipLines } : {}),
    ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}),
    ...(options.holdUnterminated !== undefined ? { holdUnterminated: options.holdUnterminated } : {}),
  };
  return new Observable<RawBatch>((subscriber) => {
    // credits (batches the worker may post), cancelled, messages posted, the hashing seed
    const control = new SharedArrayBuffer(4 * CONTROL_SLOTS);
    const shared = new Int32Array(control);
    Atomics.store(shared, CONTROL_CREDITS, Math.max(1, inFlight));
    const { MessageChannel, receiveMessageOnPort } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    const worker = startWorker(
      {
        path,
        family,
        maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
        options: settings,
        control,
        port: port2,
      },
      [port2],
    );
    const packed = new PackedReader(family);
    let finished = false;
    let received = 0;
    const finish = () => {
      if (finished) return;
      finished = true;
      gate?.cancel();
      Atomics.store(shared, CONTROL_CANCELLED, 1);
      Atomics.notify(shared, CONTROL_CREDITS);
      port1.close();
      void worker.terminate();
    };
    // Messages are taken synchronously, one per event-loop turn: refit results, timers and
    // signals are handled between batches, as with readJsonl (a port's 'message' events would be
    // handled in one go while the worker keeps posting).
    const pump = () => {
      while (!finished) {
        const got = receiveMessageOnPort(port1);
        if (got === undefined) {
          // wait for the worker; past 50 ms (its start, a crash) the event loop gets a turn
          if (Atomics.wait(shared, CONTROL_POSTED, received, 50) === 'timed-out') {
            setImmediate(pump);
            return;
          }
          continue;
        }
        received++;
        const message = got.message as ReaderMessage;
        handle(message);
        break;
      }
      if (!finished) setImmediate(pump);
    };
    /** Handles a message (`done` and `error` end the stream). */
    const handle = (message: ReaderMessage): void => {
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
            else if (kind === REC_BYTES) records[i] = { value: Buffer.from(texts[t++], 'latin1'), position };
            else if (kind === REC_OVERSIZE)
              records[i] = { value: texts[t++], bytes: message.nums[3 * i], position };
            else records[i] = { value: '', position };
          }
          const credit = () => {
            // the batch went through (synchronous downstream): the worker may read one more, and
            // hash names if the featurizer does
            packed.shareSeed(shared);
            Atomics.add(shared, CONTROL_CREDITS, 1);
            Atomics.notify(shared, CONTROL_CREDITS);
          };
          if (gate === null) {
            subscriber.next({ records, decoded: packed.open(message) });
            credit();
            return;
          }
          // checkpoints: the worker reads on only while the engine has room (`LinesInFlight`)
          gate.emitted(records);
          subscriber.next({ records, decoded: packed.open(message) });
          void gate.room().then(credit);
          return;
        }
      }
    };
    setImmediate(pump);
    worker.on('error', (err) => {
      if (finished) return;
      finish();
      subscriber.error(new ConnectorError('L1S_FILE', `cannot read ${path}: ${err.message}`, { cause: err }));
    });
    return finish;
  });
}

import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';

import { Observable } from 'rxjs';

import { ConnectorError, type EventSource, type RawBatch, type RawRecord } from '../../src/index.js';

export interface JsonlSourceOptions {
  /** Records per emitted batch (default 1024). */
  readonly batchSize?: number;
  /** Called with bytes read so far and the file size, for progress reports. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Skip blank lines (default true); they are not events and are not dead-lettered. */
  readonly skipBlank?: boolean;
}

/**
 * A JSON-lines file as an Observable of record batches, read in chunks with backpressure: the next
 * chunk is read only after subscribers have handled the batches of the previous one (synchronous
 * downstream). Each record keeps its 1-based line number as its position.
 */
export function readJsonl(path: string, options: JsonlSourceOptions = {}): Observable<RawBatch> {
  const batchSize = options.batchSize ?? 1024;
  const skipBlank = options.skipBlank ?? true;
  return new Observable<RawBatch>((subscriber) => {
    let cancelled = false;
    let stream: ReturnType<typeof createReadStream> | null = null;
    const run = async () => {
      let total: number;
      try {
        total = (await stat(path)).size;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new ConnectorError(
          'L1S_FILE',
          e.code === 'ENOENT' ? `input file not found: ${path}` : `cannot read ${path}: ${e.message}`,
          { cause: err },
        );
      }
      if (cancelled) return;
      stream = createReadStream(path, { highWaterMark: 1 << 20 });
      const decoder = new TextDecoder('utf-8');
      let carry = '';
      let line = 0;
      let bytes = 0;
      let records: RawRecord[] = [];
      const flush = () => {
        if (records.length > 0) {
          subscriber.next({ records });
          records = [];
        }
      };
      const pushLine = (text: string) => {
        line++;
        const value = text.endsWith('\r') ? text.slice(0, -1) : text;
        if (skipBlank && value.trim() === '') return;
        records.push({ value, position: { source: path, offset: String(line) } });
        if (records.length >= batchSize) flush();
      };
      for await (const chunk of stream) {
        if (cancelled) return;
        const buf = chunk as Buffer;
        bytes += buf.length;
        const text = carry + decoder.decode(buf, { stream: true });
        let start = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
          pushLine(text.slice(start, nl));
          start = nl + 1;
        }
        carry = text.slice(start);
        flush();
        options.onProgress?.(bytes, total);
      }
      carry += decoder.decode();
      if (carry.length > 0) pushLine(carry);
      flush();
      subscriber.complete();
    };
    run().catch((err: unknown) => {
      subscriber.error(
        err instanceof ConnectorError
          ? err
          : new ConnectorError('L1S_FILE', `cannot read ${path}: ${(err as Error).message}`, { cause: err }),
      );
    });
    return () => {
      cancelled = true;
      stream?.destroy();
    };
  });
}

/** A JSON-lines file as the engine's event source (nothing to commit: a replay reads it whole). */
export function jsonlSource(path: string, options: JsonlSourceOptions = {}): EventSource {
  return { batches$: readJsonl(path, options) };
}

/** Appends JSON documents, one per line, to a file; `close()` flushes and reports write errors. */
export class JsonlWriter {
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  count = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  write(doc: unknown): void {
    if (this.failure)
      throw new ConnectorError('L1S_FILE', `cannot write ${this.path}: ${this.failure.message}`);
    this.stream.write(`${JSON.stringify(doc)}\n`);
    this.count++;
  }

  async close(): Promise<void> {
    this.stream.end();
    if (!this.stream.closed) await once(this.stream, 'close').catch(() => undefined);
    if (this.failure)
      throw new ConnectorError('L1S_FILE', `cannot write ${this.path}: ${this.failure.message}`);
  }
}

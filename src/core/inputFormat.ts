import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** The two formats the batch commands read. */
export type InputFormat = 'csv' | 'jsonl';

/**
 * A batch input's format (`fit`, `path`, `score`): `.csv` is CSV; `.jsonl`, `.ndjson` and `.json`
 * are JSON lines; any other name is JSON lines when its first character (after a byte-order mark
 * and blank space) is `{`, else CSV. `fit` and `score` took other names for different formats.
 */
export function inputFormatOf(path: string, text: string): InputFormat {
  const name = path.toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  const first = /[^\s\ufeff]/.exec(text.slice(0, 4096));
  return first?.[0] === '{' ? 'jsonl' : 'csv';
}

/**
 * For a JSON-lines input that reads as no events: a hint when its first line shows JSON of another
 * shape (an array of events, or JSON spread over lines), naming the conversion; '' otherwise.
 */
export function jsonShapeHint(path: string, firstLine: string): string {
  const line = firstLine.replace(/^\ufeff/, '').trim();
  const one = 'l1stream reads JSON lines, one event {"label": ..., "features": {...}} per line';
  if (line.startsWith('['))
    return `${path} holds a JSON array: ${one}; convert it with jq -c '.[]' ${path} > events.jsonl`;
  if (line === '{')
    return `${path} holds JSON spread over several lines: ${one}; convert it with jq -c . ${path} > events.jsonl`;
  return '';
}

/** The error for an input that starts with gzip's magic bytes (1f 8b), or null. */
export function gzipProblem(path: string, bytes: Uint8Array): string | null {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
    ? `${path} is gzip-compressed; l1stream reads plain CSV or JSON lines: decompress it first (gunzip -k ${path})`
    : null;
}

/**
 * The first `bytes` bytes of a regular file, or null for anything else (a pipe is not read ahead:
 * what is read from it would be lost to the reader after).
 */
export async function fileHead(path: string, bytes = 4096): Promise<Buffer | null> {
  if (!(await stat(path)).isFile()) return null;
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * `inputFormatOf` a file, read synchronously (flag checks before any work): by its name, else its
 * first 4 KiB; a file that cannot be read, or is not a regular file, by its name alone (`.csv` or
 * not: its reader reports the rest).
 */
export function inputFormatOfFile(path: string): InputFormat {
  const byName = inputFormatOf(path, '');
  if (/\.(csv|jsonl|ndjson|json)$/i.test(path)) return byName;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return byName;
  }
  try {
    if (!fstatSync(fd).isFile()) return byName;
    const buf = Buffer.alloc(4096);
    const read = readSync(fd, buf, 0, buf.length, 0);
    return inputFormatOf(path, buf.subarray(0, read).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

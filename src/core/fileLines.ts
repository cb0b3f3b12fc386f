import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

import { notUtf8Reason } from './utf8.js';

/** A line of a file: its text, or why its bytes are not UTF-8 (`notUtf8Reason`). */
export type FileLine = { readonly text: string; readonly notUtf8?: undefined } | { readonly notUtf8: string };

/**
 * The lines of a file in order, split at each newline byte as `replay` reads a file (a CR before
 * it is dropped; a last line without one counts): each as text, or, when its bytes are not UTF-8,
 * the reason, where decoding would have put U+FFFD in their place. A line's bytes are joined once,
 * at its newline, however many chunks it spans.
 */
export async function* fileLines(path: string): AsyncGenerator<FileLine> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      const head = buf.subarray(start, nl);
      yield lineOf(partBytes > 0 ? Buffer.concat([...parts, head], partBytes + head.length) : head);
      parts = [];
      partBytes = 0;
      start = nl + 1;
    }
    if (start < buf.length) {
      parts.push(buf.subarray(start));
      partBytes += buf.length - start;
    }
  }
  if (partBytes > 0) yield lineOf(Buffer.concat(parts, partBytes));
}

function lineOf(bytes: Buffer): FileLine {
  const body = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, -1) : bytes;
  return isUtf8(body) ? { text: body.toString('utf8') } : { notUtf8: notUtf8Reason(body) };
}

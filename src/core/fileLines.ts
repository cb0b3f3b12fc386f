import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

import { notUtf8Reason } from './utf8.js';

/**
 * A line of a file: its text, or why its bytes are not UTF-8 (`notUtf8Reason`), or, for a line over
 * `fileLines`' `maxBytes`, its size alone (its bytes were not kept).
 */
export type FileLine =
  | { readonly text: string; readonly notUtf8?: undefined; readonly oversize?: undefined }
  | { readonly notUtf8: string; readonly text?: undefined; readonly oversize?: undefined }
  | { readonly oversize: number; readonly text?: undefined; readonly notUtf8?: undefined };

/**
 * The lines of a file in order, split at each newline byte as `replay` reads a file (a CR before
 * it is dropped; a last line without one counts): each as text, or, when its bytes are not UTF-8,
 * the reason, where decoding would have put U+FFFD in their place. A line's bytes are joined once,
 * at its newline, however many chunks it spans.
 */
export async function* fileLines(path: string, maxBytes = Infinity): AsyncGenerator<FileLine> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  // bytes of the current line once it is over maxBytes (its parts are not kept), else -1
  let over = -1;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      const head = buf.subarray(start, nl);
      const bytes = (over >= 0 ? over : partBytes) + head.length;
      if (over >= 0 || bytes > maxBytes) yield oversizeLine(bytes, buf[nl - 1] === 13);
      else yield lineOf(partBytes > 0 ? Buffer.concat([...parts, head], bytes) : head);
      parts = [];
      partBytes = 0;
      over = -1;
      start = nl + 1;
    }
    if (start < buf.length) {
      const tail = buf.length - start;
      if (over >= 0) over += tail;
      else if (partBytes + tail > maxBytes) {
        // a line longer than the bound is counted, not held
        over = partBytes + tail;
        parts = [];
        partBytes = 0;
      } else {
        parts.push(buf.subarray(start));
        partBytes += tail;
      }
    }
  }
  if (over >= 0) yield { oversize: over };
  else if (partBytes > 0) yield lineOf(Buffer.concat(parts, partBytes));
}

/** A line over the bound: its size without the CR before its newline, as `lineOf` drops it. */
function oversizeLine(bytes: number, cr: boolean): FileLine {
  return { oversize: cr ? bytes - 1 : bytes };
}

function lineOf(bytes: Buffer): FileLine {
  const body = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, -1) : bytes;
  return isUtf8(body) ? { text: body.toString('utf8') } : { notUtf8: notUtf8Reason(body) };
}

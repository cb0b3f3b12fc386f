import { createRequire } from 'node:module';

import { StateError } from '../core/errors.js';

/** node:v8 and node:zlib on first use: a replay without checkpoints or evictions loads neither. */
const builtin = createRequire(import.meta.url);
let v8: typeof import('node:v8') | undefined;
let zlib: typeof import('node:zlib') | undefined;

/**
 * The one binary format of checkpoints (model state for the lru-cache, the `<prefix>.state` topic
 * and the state directory): a 20-byte header, then the value in V8's structured-clone format
 * (`node:v8` `serialize`), which keeps typed arrays as raw bytes, Maps, Sets, nested objects,
 * ±Infinity and NaN, and which V8 documents as backward compatible (newer Node reads older bytes).
 *
 *     0  4  magic "L1CP"
 *     4  2  our format version (big-endian)
 *     6  2  reserved (0)
 *     8  8  payload length in bytes (big-endian)
 *    16  4  CRC-32 of the payload (big-endian)
 *    20     payload
 *
 * Equal states can encode to different bytes: V8 writes a whole number as an int32 or as a double
 * depending on how the engine happens to hold it. Compare decoded states, never encoded bytes.
 *
 * V8 restores own keys such as `__proto__`, `constructor` and `toString` on plain objects as data
 * properties (tested), but the state types keep user-supplied names (features) in Maps and
 * arrays anyway, never as object keys (STYLE.md).
 */
export const STATE_FORMAT = 1;

const MAGIC = [0x4c, 0x31, 0x43, 0x50]; // "L1CP"
const HEADER = 20;

/** Encodes a state value (plain objects, arrays, typed arrays, Maps, Sets, numbers, strings). */
export function encodeState(value: unknown): Uint8Array {
  let payload: Uint8Array;
  try {
    payload = (v8 ??= builtin('node:v8') as typeof import('node:v8')).serialize(value);
  } catch (cause) {
    throw new StateError(`state cannot be encoded: ${(cause as Error).message}`, { cause });
  }
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, STATE_FORMAT);
  view.setBigUint64(8, BigInt(payload.length));
  view.setUint32(16, crc32(payload));
  out.set(payload, HEADER);
  return out;
}

/**
 * Decodes bytes written by `encodeState`. Typed arrays in the result may be views on `bytes`:
 * `restore`/`fromState` methods copy what they keep.
 */
export function decodeState(bytes: Uint8Array): unknown {
  const payload = checkState(bytes);
  try {
    return (v8 ??= builtin('node:v8') as typeof import('node:v8')).deserialize(payload);
  } catch (cause) {
    throw new StateError(`checkpoint payload cannot be decoded: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Checks the header, length and checksum of checkpoint bytes without decoding them (fast: a
 * restore checks every state before it uses any); returns the payload, or throws a StateError
 * that says what is wrong.
 */
export function checkState(bytes: Uint8Array): Uint8Array {
  const magicOk = MAGIC.every((b, i) => i >= bytes.length || bytes[i] === b);
  if (!magicOk || bytes.length === 0) {
    throw new StateError('not an l1stream checkpoint (the magic bytes "L1CP" are missing)');
  }
  if (bytes.length < HEADER) {
    throw new StateError(`checkpoint truncated: ${fmt(bytes.length)} of at least ${HEADER} bytes (header)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint16(4);
  if (format > STATE_FORMAT) {
    throw new StateError(
      `checkpoint format ${format} is newer than this l1stream (${STATE_FORMAT}): upgrade l1stream to read it`,
    );
  }
  if (format < 1) throw new StateError(`checkpoint format ${format} is unknown`);
  const length = view.getBigUint64(8);
  const expected = BigInt(HEADER) + length;
  if (BigInt(bytes.length) < expected) {
    throw new StateError(`checkpoint truncated: ${fmt(bytes.length)} of ${fmt(expected)} bytes`);
  }
  if (BigInt(bytes.length) > expected) {
    throw new StateError(
      `checkpoint has ${fmt(BigInt(bytes.length) - expected)} unexpected bytes after its ${fmt(expected)} bytes`,
    );
  }
  const payload = bytes.subarray(HEADER);
  const stored = view.getUint32(16);
  const actual = crc32(payload);
  if (stored !== actual) {
    throw new StateError(
      `checkpoint checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the bytes are corrupted`,
    );
  }
  return payload;
}

/** CRC-32 (IEEE), by `zlib.crc32` where Node has it (≥ 20.15), else by a table. */
export function crc32(bytes: Uint8Array): number {
  const native = (
    (zlib ??= builtin('node:zlib') as typeof import('node:zlib')) as { crc32?: (data: Uint8Array) => number }
  ).crc32;
  return native !== undefined ? native(bytes) >>> 0 : crc32Table(bytes);
}

let table: Uint32Array | null = null;

/** The table-driven CRC-32 (for Node < 20.15). */
export function crc32Table(bytes: Uint8Array): number {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function fmt(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

import { InputError } from '../../../src/index.js';

/** The Confluent schema-registry wire format: magic byte 0, 4-byte big-endian schema id, body. */
export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

/** A framed message split into its schema id and Avro body (a view on the same memory). */
export interface Framed {
  readonly schemaId: number;
  readonly body: Buffer;
}

/** `bytes` as a Buffer on the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Frames an Avro body with its schema id. */
export function frame(schemaId: number, body: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new RangeError(`schema id must be a 32-bit unsigned integer, got ${schemaId}`);
  }
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.byteLength);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  out.set(body, HEADER_BYTES);
  return out;
}

/** Reads the header of a framed message; throws `InputError` when it is not in the wire format. */
export function unframe(bytes: string | Uint8Array): Framed {
  const schemaId = schemaIdOf(bytes);
  return { schemaId, body: asBuffer(bytes as Uint8Array).subarray(HEADER_BYTES) };
}

/**
 * The schema id of a framed message, checking its header like `unframe` but without making a
 * view of the body (decoders on the hot path read the body in place, from `HEADER_BYTES`).
 */
export function schemaIdOf(bytes: string | Uint8Array): number {
  if (typeof bytes === 'string')
    throw new InputError('not in the schema-registry wire format: a text record, expected bytes');
  if (bytes.byteLength < HEADER_BYTES) {
    throw new InputError(
      `not in the schema-registry wire format: ${bytes.byteLength} bytes, shorter than the 5-byte header`,
    );
  }
  if (bytes[0] !== MAGIC_BYTE) {
    // text read as Avro (a topic's format set wrong): its first byte is "{"
    const text =
      bytes[0] === 0x7b
        ? ', and "{" starts a text record: if the records are text, set kafka.format to "json"'
        : '';
    throw new InputError(
      `wrong magic byte 0x${bytes[0].toString(16).padStart(2, '0')} (the schema-registry wire format starts with 0x00${text})`,
    );
  }
  return ((bytes[1] << 24) >>> 0) + (bytes[2] << 16) + (bytes[3] << 8) + bytes[4];
}

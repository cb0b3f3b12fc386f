/** Records larger than this (bytes) are dead-lettered unread, by default (1 MiB). */
export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;

/**
 * The UTF-8 size of `text` if it is over `max` bytes, else -1. It is measured only when it could
 * be over (a UTF-16 unit is at most 3 UTF-8 bytes), so ordinary records cost a length compare.
 */
export function oversizeText(text: string, max: number): number {
  if (text.length * 3 <= max) return -1;
  const bytes = Buffer.byteLength(text);
  return bytes > max ? bytes : -1;
}

/** The dead letter's reason for a record over the size limit. */
export function oversizeReason(bytes: number, max: number): string {
  return `record is ${bytes} bytes, over the limit of ${max} bytes: raise limits.maxRecordBytes in the configuration (replay, fit, path, score: --max-record-bytes)`;
}

/**
 * Decodes short UTF-8 strings through a direct-mapped cache keyed by their bytes, so that the
 * strings an event stream repeats in every record (map keys such as feature names, category
 * values, tags) are decoded and allocated once, not once per record. A hit costs a hash and a
 * byte compare of a few bytes instead of a native decode call and a new string; the strings
 * handed out are the same instances, whose hashes V8 has already computed, so the featurizer's
 * map lookups on them are cheaper too.
 *
 * Misses (new or evicted strings, and strings longer than `maxBytes`) decode with Buffer's UTF-8
 * decoder, the one avsc uses, so the result is the same string avsc would return, invalid bytes
 * included (they become U+FFFD).
 */
export class Utf8Cache {
  readonly slots: number;
  readonly maxBytes: number;
  private readonly mask: number;
  /** `maxBytes` bytes per slot: the encoded form of the slot's string. */
  private readonly bytes: Uint8Array;
  /** Byte length of each slot's string; -1 = empty slot. */
  private readonly lengths: Int32Array;
  private readonly strings: string[];
  /** The slot of the string the last `decode` returned; -1 when it was not cached (too long). */
  slot = -1;

  constructor(slots = 4096, maxBytes = 32) {
    if (!Number.isInteger(Math.log2(slots)))
      throw new RangeError(`slots must be a power of two, got ${slots}`);
    this.slots = slots;
    this.maxBytes = maxBytes;
    this.mask = slots - 1;
    this.bytes = new Uint8Array(slots * maxBytes);
    this.lengths = new Int32Array(slots).fill(-1);
    this.strings = new Array<string>(slots).fill('');
  }

  /** The UTF-8 string in `buf[start, end)` (`buf` is a Buffer, or a view on the same memory). */
  decode(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length > this.maxBytes) {
      this.slot = -1;
      return buf.toString('utf8', start, end);
    }
    // FNV-1a over the bytes, mixed with the length.
    let h = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const slot = (h ^ (h >>> 15)) & this.mask;
    const base = slot * this.maxBytes;
    const bytes = this.bytes;
    this.slot = slot;
    if (this.lengths[slot] === length) {
      let i = 0;
      while (i < length && bytes[base + i] === buf[start + i]) i++;
      if (i === length) return this.strings[slot];
    }
    const s = buf.toString('utf8', start, end);
    for (let i = 0; i < length; i++) bytes[base + i] = buf[start + i];
    this.lengths[slot] = length;
    this.strings[slot] = s;
    return s;
  }
}

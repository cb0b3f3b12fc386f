/**
 * MurmurHash3 x86_32 (Austin Appleby) over the UTF-8 bytes of a string, computed without
 * allocating: characters are encoded to UTF-8 on the fly and fed to the block mixer.
 * Equal to `mmh3.hash(s.encode('utf-8'), seed, signed=False)` in Python.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hash state threaded through the pieces of a name (`field`, `=`, `value`) without concatenating. */
export class Murmur3 {
  private h = 0;
  /** The bytes fed since the last full block: `length & 3` of them. */
  private block = 0;
  private length = 0;

  reset(seed: number): this {
    this.h = seed | 0;
    this.block = 0;
    this.length = 0;
    return this;
  }

  /** Continues from `other`'s state (a prefix hashed once, then fed different endings). */
  copyFrom(other: Murmur3): this {
    this.h = other.h;
    this.block = other.block;
    this.length = other.length;
    return this;
  }

  private byte(b: number): void {
    this.block |= b << ((this.length & 3) << 3);
    if ((++this.length & 3) === 0) {
      this.h = mixH(this.h, this.block);
      this.block = 0;
    }
  }

  /** Feeds the UTF-8 encoding of `s`. */
  update(s: string): this {
    // ASCII (names are mostly ASCII) in locals, as `byte` does; any other code point goes through `byte`
    let h = this.h;
    let block = this.block;
    let length = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.h = h;
        this.block = block;
        this.length = length;
        i = this.wide(s, i, c);
        h = this.h;
        block = this.block;
        length = this.length;
        continue;
      }
      block |= c << ((length & 3) << 3);
      if ((++length & 3) === 0) {
        h = mixH(h, block);
        block = 0;
      }
    }
    this.h = h;
    this.block = block;
    this.length = length;
    return this;
  }

  /** Feeds one ASCII character (`update(String.fromCharCode(c))` for c < 0x80). */
  ascii(c: number): this {
    this.byte(c);
    return this;
  }

  /**
   * Feeds the UTF-8 encoding of `text[start, end)`, whose UTF-16 units are `codes` at the same
   * positions (a reader's copy of its line): the same as `update(text.slice(start, end))`, without
   * the slice for ASCII.
   */
  updateCodes(codes: Uint16Array, text: string, start: number, end: number): this {
    const i = this.asciiRun(codes, start, end, false);
    // the rest from the first non-ASCII unit, through the string path (surrogate pairs end at `end`)
    return i < end ? this.update(text.slice(i, end)) : this;
  }

  /**
   * Feeds the units of a JSON string's characters from `codes[from]` on, up to its closing quote
   * (before `end`), and returns the quote's index: one pass for a reader that scans and hashes.
   * -1, with part of it fed, at a backslash, a control character, a non-ASCII unit or `end`.
   */
  feedQuoted(codes: Uint16Array, from: number, end: number): number {
    const i = this.asciiRun(codes, from, end, true);
    return i < end && codes[i] === 0x22 ? i : -1;
  }

  /**
   * Feeds the ASCII units `codes[from, end)` up to the first non-ASCII one (and with `json`, the
   * first quote, backslash or control character); returns its index, or `end`.
   */
  private asciiRun(codes: Uint16Array, from: number, end: number, json: boolean): number {
    let h = this.h;
    let block = this.block;
    let length = this.length;
    let i = from;
    for (; i < end; i++) {
      const c = codes[i];
      if (c >= 0x80 || (json && (c === 0x22 || c === 0x5c || c < 0x20))) break;
      block |= c << ((length & 3) << 3);
      if ((++length & 3) === 0) {
        h = mixH(h, block);
        block = 0;
      }
    }
    this.h = h;
    this.block = block;
    this.length = length;
    return i;
  }

  /** Feeds the non-ASCII code point whose first UTF-16 unit `c` is at `i`; returns the index of its last unit. */
  private wide(s: string, i: number, c: number): number {
    if (c < 0x800) {
      this.byte(0xc0 | (c >> 6));
      this.byte(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        this.byte(0xf0 | (c >> 18));
        this.byte(0x80 | ((c >> 12) & 0x3f));
        this.byte(0x80 | ((c >> 6) & 0x3f));
        this.byte(0x80 | (c & 0x3f));
      } else {
        this.threeBytes(0xfffd);
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      this.threeBytes(0xfffd); // lone surrogate: U+FFFD, as TextEncoder does
    } else {
      this.threeBytes(c);
    }
    return i;
  }

  private threeBytes(c: number): void {
    this.byte(0xe0 | (c >> 12));
    this.byte(0x80 | ((c >> 6) & 0x3f));
    this.byte(0x80 | (c & 0x3f));
  }

  /**
   * A cheap hash of the state (not murmur3's: without the finalization), for a table of the
   * strings fed since `reset` (a reader's repeated-name check): equal strings give equal values.
   */
  quick(): number {
    let q = Math.imul(this.block ^ (this.length << 24), 0x9e3779b1);
    q ^= q >>> 16;
    return this.h ^ q;
  }

  /** The 32-bit unsigned hash of everything fed since `reset`. */
  digest(): number {
    let h = this.h;
    if ((this.length & 3) !== 0) h ^= mixK(this.block);
    h ^= this.length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

const shared = new Murmur3();

/** MurmurHash3 x86_32 of the UTF-8 bytes of `s` (unsigned). */
export function murmur3(s: string, seed = 0): number {
  return shared.reset(seed).update(s).digest();
}

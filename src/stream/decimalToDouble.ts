/**
 * Decimal to double without a string: the Eisel-Lemire algorithm (Lemire, "Number Parsing at a
 * Gigabyte per Second", 2021, as fast_float does it) for a decimal mantissa w < 2^64 (up to 19
 * digits) times 10^q. Its result is the correctly rounded double, as `Number` and `JSON.parse`
 * give; in the rare case it cannot tell, it says so (NaN) and the caller converts the text.
 * 64-bit words are held as two unsigned 32-bit halves; products are done in 16-bit pieces.
 */

/** The range of q with a table entry (beyond it, the caller converts the text). */
export const MIN_POWER = -342;
export const MAX_POWER = 308;

const TWO32 = 4294967296;
const TWO_MINUS32 = 1 / TWO32;

/**
 * Per q in [MIN_POWER, MAX_POWER], at 4 (q − MIN_POWER): the 128-bit approximation of 5^q that
 * fast_float tabulates (normalized so that its top bit is set; rounded up for q < 0), as four
 * 32-bit words, high first. Built once, on first use.
 */
let powers: Uint32Array | null = null;

function bitLength(x: bigint): number {
  return x.toString(2).length;
}

function powerTable(): Uint32Array {
  const table = new Uint32Array(4 * (MAX_POWER - MIN_POWER + 1));
  const mask = (1n << 32n) - 1n;
  for (let q = MIN_POWER; q <= MAX_POWER; q++) {
    let c: bigint;
    if (q < 0) {
      const p5 = 5n ** BigInt(-q);
      // z: the least with 2^z >= 5^-q
      const z = bitLength(p5 - 1n);
      if (q >= -27) c = (1n << BigInt(z + 127)) / p5 + 1n;
      else {
        c = (1n << BigInt(2 * z + 128)) / p5 + 1n;
        const extra = bitLength(c) - 128;
        if (extra > 0) c >>= BigInt(extra);
      }
    } else {
      c = 5n ** BigInt(q);
      const bits = bitLength(c);
      c = bits <= 128 ? c << BigInt(128 - bits) : c >> BigInt(bits - 128);
    }
    const at = 4 * (q - MIN_POWER);
    table[at] = Number((c >> 96n) & mask);
    table[at + 1] = Number((c >> 64n) & mask);
    table[at + 2] = Number((c >> 32n) & mask);
    table[at + 3] = Number(c & mask);
  }
  return table;
}

/** 2^e for e in [-1074, 971] at e + 1074 (exact: doubled from 1, halved down to 2^-1074). */
const POW2 = new Float64Array(1074 + 972);
{
  let p = 1;
  for (let e = 0; e <= 971; e++, p *= 2) POW2[e + 1074] = p;
  p = 1;
  for (let e = 0; e >= -1074; e--, p /= 2) POW2[e + 1074] = p;
}

/** The 128-bit product of `mul128`, four unsigned 32-bit words, high first. */
const product = new Float64Array(4);

/**
 * The high 32 bits of a × b (unsigned 32-bit; the low ones are `Math.imul(a, b) >>> 0`). The
 * product as a double is within 2^10 of a × b (below 2^64: its unit in the last place is at most
 * 2^11), and taking off the exact low word adds at most 2^10 more: the difference over 2^32 is
 * within 2^-21 of the high word, which adding 1/2 and truncating (`>>> 0`) gives exactly.
 */
function mulHigh(a: number, b: number): number {
  return ((a * b - (Math.imul(a, b) >>> 0)) * TWO_MINUS32 + 0.5) >>> 0;
}

/** (a1·2^32 + a0) × (b1·2^32 + b0) into `product` (all unsigned 32-bit). */
function mul128(a1: number, a0: number, b1: number, b0: number): void {
  const l01 = Math.imul(a0, b1) >>> 0;
  const l10 = Math.imul(a1, b0) >>> 0;
  // column sums below 2^35: exact; `>>> 0` keeps their low word
  const r1 = mulHigh(a0, b0) + l01 + l10;
  const r1Low = r1 >>> 0;
  const r2 = mulHigh(a0, b1) + mulHigh(a1, b0) + (Math.imul(a1, b1) >>> 0) + (r1 - r1Low) / TWO32;
  const r2Low = r2 >>> 0;
  product[0] = mulHigh(a1, b1) + (r2 - r2Low) / TWO32;
  product[1] = r2Low;
  product[2] = r1Low;
  product[3] = Math.imul(a0, b0) >>> 0;
}

/**
 * The double nearest to (w1·2^32 + w0) · 10^q (ties to even), for w1, w0 unsigned 32-bit, not
 * both 0, and MIN_POWER <= q <= MAX_POWER; Infinity beyond the largest double; NaN when the
 * approximation cannot decide (then convert the text).
 */
export function eiselLemire(w1: number, w0: number, q: number): number {
  // normalize w: its top bit set
  const lz = w1 !== 0 ? Math.clz32(w1) : 32 + Math.clz32(w0);
  if (lz >= 32) {
    w1 = (w0 << (lz - 32)) >>> 0;
    w0 = 0;
  } else if (lz > 0) {
    w1 = ((w1 << lz) | (w0 >>> (32 - lz))) >>> 0;
    w0 = (w0 << lz) >>> 0;
  }
  const table = (powers ??= powerTable());
  const at = 4 * (q - MIN_POWER);
  mul128(w1, w0, table[at], table[at + 1]);
  let h1 = product[0];
  let h0 = product[1];
  let l1 = product[2];
  let l0 = product[3];
  // the upper bits may be off by the rest of 5^q: add the high half of w × its lower 64 bits
  if ((h0 & 0x1ff) === 0x1ff) {
    mul128(w1, w0, table[at + 2], table[at + 3]);
    l0 += product[1];
    let carry = l0 >= TWO32 ? 1 : 0;
    l0 -= carry * TWO32;
    l1 += product[0] + carry;
    carry = l1 >= TWO32 ? 1 : 0;
    l1 -= carry * TWO32;
    if (carry === 1) {
      h0 += 1;
      if (h0 === TWO32) {
        h0 = 0;
        h1 += 1;
      }
    }
  }
  // (proven never needed for 64-bit mantissas; kept as the safe way out)
  if (l1 === 0xffffffff && l0 === 0xffffffff) return NaN;
  const upper = h1 >>> 31;
  const shift = upper + 9;
  // the 54 bits of the mantissa, before rounding: high (< 2^22) and low halves
  let mh = h1 >>> shift;
  let ml = ((h0 >>> shift) | (h1 << (32 - shift))) >>> 0;
  let power2 = (((152170 + 65536) * q) >> 16) + 63 + upper - lz + 1023;
  if (power2 <= 0) {
    // subnormal
    const s = -power2 + 1;
    if (s >= 64) return 0;
    if (s >= 32) {
      ml = mh >>> (s - 32);
      mh = 0;
    } else {
      ml = ((ml >>> s) | (mh << (32 - s))) >>> 0;
      mh >>>= s;
    }
    const m = mh * TWO32 + ml;
    return ((m + (m % 2)) / 2) * POW2[0];
  }
  // a tie (a product exactly halfway) rounds to even: only where 5^q is exact in 64 bits
  if (l1 === 0 && l0 <= 1 && q >= -4 && q <= 23 && (ml & 3) === 1 && (h0 & ((1 << shift) - 1)) === 0)
    ml = (ml & ~1) >>> 0;
  // round: add the last bit, drop it
  ml += ml & 1;
  if (ml === TWO32) {
    ml = 0;
    mh += 1;
  }
  let m = mh * (TWO32 / 2) + Math.floor(ml / 2);
  if (m >= 2 ** 53) {
    m = 2 ** 52;
    power2++;
  }
  if (power2 >= 2047) return Infinity;
  return m * POW2[power2 - 1075 + 1074];
}

/**
 * The offset of the first byte of `bytes` that does not start or continue a UTF-8 character
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all are UTF-8.
 */
export function firstNonUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const c = bytes[i];
    const more =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (more < 0) return i;
    // the second byte's range is narrower after E0, ED, F0 and F4
    const low = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= more; k++) {
      const d = i + k < bytes.length ? bytes[i + k] : -1;
      if (d < (k === 1 ? low : 0x80) || d > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}

/** Why `bytes` (a record, not all UTF-8) cannot be read as text: where the first bad byte is. */
export function notUtf8Reason(bytes: Uint8Array): string {
  const at = Math.max(0, firstNonUtf8(bytes));
  const byte = at < bytes.length ? ` (0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')})` : '';
  return `not valid UTF-8 at byte ${at}${byte}: text in another encoding, such as Latin-1? Write the events as UTF-8`;
}

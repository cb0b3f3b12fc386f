/**
 * `text` without a leading byte-order mark (U+FEFF), which Windows editors and Excel put at the
 * start of UTF-8 files: every reader of a user's file drops it, as `replay` does.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Whether a line holds nothing but JSON's white space (spaces, tabs, carriage returns; a line has
 * no line feed): such a line is no record, and is passed over. Other characters that `trim`
 * removes (a no-break space, U+2028, a form feed) are not white space to JSON: a line of them is
 * a record that decoding refuses, with a reason, as it refuses them beside an event.
 */
export function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

/**
 * The names of a `--exclude`-like flag: separated by commas, each trimmed (as CSV header names
 * are); a name that holds a comma, or spaces at its ends, is quoted as in a CSV header
 * (`'"price, usd",id'`, with `""` for a quote in it), spaces around the quotes allowed. A quote inside a name that does not start with one is
 * kept as it is. Each name once. A string is the problem: an empty name, a quote that nothing
 * closes, or text after a closing quote.
 */
export function parseNameList(raw: string): readonly string[] | string {
  const names: string[] = [];
  let i = 0;
  for (;;) {
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
    let name: string;
    if (raw[i] === '"') {
      // quoted: to the closing quote, "" a quote inside
      let text = '';
      let closed = false;
      for (i++; i < raw.length; i++) {
        if (raw[i] !== '"') text += raw[i];
        else if (raw[i + 1] === '"') text += raw[i++];
        else {
          closed = true;
          i++;
          break;
        }
      }
      if (!closed)
        return `a quote (") that nothing closes in ${JSON.stringify(raw)}: quote a name that holds a comma as a CSV header does ('"price, usd",id')`;
      while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
      if (i < raw.length && raw[i] !== ',')
        return `text after a closing quote in ${JSON.stringify(raw)}: a quoted name ends at its quote, then a comma (write a quote inside it as "")`;
      // (quoted: as written, spaces and all)
      name = text;
    } else {
      const comma = raw.indexOf(',', i);
      const end = comma < 0 ? raw.length : comma;
      name = raw.slice(i, end).trim();
      i = end;
    }
    if (name === '') return `got ${JSON.stringify(raw)} (an empty name)`;
    names.push(name);
    if (i >= raw.length) break;
    i++; // the comma
  }
  return [...new Set(names)];
}

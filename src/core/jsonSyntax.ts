/**
 * Where a `JSON.parse` syntax error is in the text, as `line L, column C` (both from 1), and the
 * parser's message without its character offset. Node gives only the offset ("in JSON at
 * position 44"), or nothing at the end of the input ("Unexpected end of JSON input"): then the
 * position is the end of the text. Newer engines' "(line L column C)" is read as is.
 */
export function jsonSyntaxWhere(
  text: string,
  err: unknown,
): { line: number; column: number; message: string } {
  const raw = err instanceof Error ? err.message : String(err);
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(raw);
  const offset = /at position (\d+)/.exec(raw);
  const message = raw
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(/^Unexpected end of JSON input$/, 'unexpected end of the file (a missing } or ]?)');
  if (lineColumn !== null) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]), message };
  const at = offset !== null ? Math.min(Number(offset[1]), text.length) : text.length;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1, message };
}

/** `FILE line L, column C: message` for a syntax error of `text`, the contents of `file`. */
export function jsonSyntaxMessage(file: string, text: string, err: unknown): string {
  const { line, column, message } = jsonSyntaxWhere(text, err);
  const hint = /double-quoted property name/.test(message)
    ? ' (JSON allows no trailing comma and no comments; names need double quotes)'
    : '';
  return `${file} line ${line}, column ${column}: not valid JSON: ${message}${hint}`;
}

/** The first `NaN`, `Infinity` or `-Infinity` of `text` outside its strings, or null. */
function nonFiniteToken(text: string): string | null {
  const pattern = /-?Infinity|NaN/y;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // a backslash: the next unit is escaped
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 45 || c === 73 || c === 78) {
      pattern.lastIndex = i;
      const m = pattern.exec(text);
      if (m !== null) return m[0];
    }
  }
  return null;
}

/**
 * The error for text `JSON.parse` refused (`err`, its error): when the text has a bare `NaN` or
 * `Infinity` (what Python's `json.dumps` writes for such floats), an error that says so, else `err`.
 */
export function jsonParseError(text: string, err: unknown): unknown {
  const token = nonFiniteToken(text);
  if (token === null) return err;
  const fix =
    token === 'NaN' ? 'write null for a missing value' : 'write a finite number, or null for a missing value';
  return new SyntaxError(
    `${token} is not JSON (Python's json.dumps writes it for float('${token === 'NaN' ? 'nan' : token === 'Infinity' ? 'inf' : '-inf'}')): ${fix}`,
  );
}

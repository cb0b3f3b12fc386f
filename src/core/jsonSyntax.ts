import { isBlankLine } from './blankLine.js';

/** V8's message for an unexpected character: the character, then a quote of the text around it. */
const unexpectedToken = /^(Unexpected token '[\s\S]+?'), [\s\S]* is not valid JSON$/;

/**
 * Where a `JSON.parse` syntax error is in the text, as `line L, column C` (both from 1), and the
 * parser's message without its character offset or its quote of the text. Node gives the offset
 * ("in JSON at position 44"); nothing at the end of the input ("Unexpected end of JSON input"):
 * then the position is the end of the text; and for an unexpected character ("Unexpected token
 * ']', "[1, 2,]" is not valid JSON") only a quote: then it is found (`firstRefused`). Newer
 * engines' "(line L column C)" is read as is.
 */
export function jsonSyntaxWhere(
  text: string,
  err: unknown,
): { line: number; column: number; message: string; offset?: number } {
  const raw = err instanceof Error ? err.message : String(err);
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(raw);
  const offset = /at position (\d+)/.exec(raw);
  const token = unexpectedToken.exec(raw);
  const message = raw
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(unexpectedToken, '$1')
    .replace(/^Unexpected end of JSON input$/, 'unexpected end of the file (a missing } or ]?)');
  if (lineColumn !== null) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]), message };
  const at =
    offset !== null
      ? Math.min(Number(offset[1]), text.length)
      : token !== null
        ? firstRefused(text)
        : text.length;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1, message, offset: at };
}

/** True when `JSON.parse` refuses `prefix` before its end (not only for ending early). */
function refusedBeforeEnd(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    if (raw === 'Unexpected end of JSON input') return false;
    const offset = /at position (\d+)/.exec(raw);
    return offset === null || Number(offset[1]) < prefix.length;
  }
}

/**
 * The offset of the character at which `JSON.parse` refuses `text` (which it refuses): the last
 * of the shortest prefix it refuses before the prefix's end (a longer prefix is refused too).
 */
function firstRefused(text: string): number {
  let lo = 0;
  let hi = text.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (refusedBeforeEnd(text.slice(0, mid))) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/** `FILE line L, column C: message` for a syntax error of `text`, the contents of `file`. */
export function jsonSyntaxMessage(file: string, text: string, err: unknown): string {
  const { line, column, message, offset } = jsonSyntaxWhere(text, err);
  // `[1, 2,]`: V8 names the bracket, not the comma before it
  const trailingComma =
    /^Unexpected token '[\]}]'$/.test(message) && /,\s*$/.test(text.slice(0, offset ?? 0));
  const hint =
    /double-quoted property name/.test(message) || trailingComma
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

/** `U+001A`: a character by its code point. */
const codePoint = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

/** A character a reader of the message cannot see: a control character, a BOM, a no-break space. */
const invisible = (c: number) =>
  c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xfeff || c === 0x2028 || c === 0x2029;

/**
 * Why `JSON.parse` refused `text` when the character it stopped at does not show in V8's message
 * (which quotes it raw): a byte-order mark at the start (a file joined to one that began with
 * it), or a control character, in a string or not, named by its code point and position. Null
 * otherwise.
 */
function unseenCharacter(text: string, err: unknown): string | null {
  if (text.charCodeAt(0) === 0xfeff)
    return 'a byte-order mark (U+FEFF) starts the line, which is not valid JSON (a file whose first line had one, joined to another?): remove it';
  const at = jsonSyntaxWhere(text, err).offset;
  if (at === undefined || at >= text.length) return null;
  const c = text.charCodeAt(at);
  if (!invisible(c)) return null;
  const raw = err instanceof Error ? err.message : String(err);
  return /^Bad control character in string literal/.test(raw)
    ? `control character ${codePoint(c)} at position ${at} inside a string is not valid JSON: escape it (\\u${c.toString(16).padStart(4, '0')})`
    : `unexpected character ${codePoint(c)} at position ${at}, which is not valid JSON`;
}

/**
 * The error for text `JSON.parse` refused (`err`, its error): when the text has a bare `NaN` or
 * `Infinity` (what Python's `json.dumps` writes for such floats), an error that says so, else `err`.
 */
export function jsonParseError(text: string, err: unknown): unknown {
  // (JSON.parse says "Unexpected end of JSON input", which reads as a cut-off value)
  if (isBlankLine(text))
    return new SyntaxError(
      `the value is ${text === '' ? 'empty' : 'only white space'}, not a JSON object: an event is {"label": ..., "features": {...}}`,
    );
  const unseen = unseenCharacter(text, err);
  if (unseen !== null) return new SyntaxError(unseen);
  const token = nonFiniteToken(text);
  if (token === null) return withColumn(text, err);
  const fix =
    token === 'NaN' ? 'write null for a missing value' : 'write a finite number, or null for a missing value';
  return new SyntaxError(
    `${token} is not JSON (Python's json.dumps writes it for float('${token === 'NaN' ? 'nan' : token === 'Infinity' ? 'inf' : '-inf'}')): ${fix}`,
  );
}

/**
 * JSON.parse's "… in JSON at position N" with the column and the text before it, for a record of
 * one line (a dead letter's reason is read beside the line, where a position is a count to make):
 * `… at position 29 (column 30, after '{"a":1,')`.
 */
function withColumn(text: string, err: unknown): unknown {
  if (!(err instanceof SyntaxError)) return err;
  const at = / at position (\d+)$/.exec(err.message);
  if (at === null) return err;
  const position = Number(at[1]);
  if (position > text.length || text.lastIndexOf('\n', position) >= 0) return err;
  const from = Math.max(0, position - CONTEXT);
  const before = `${from > 0 ? '…' : ''}${text.slice(from, position)}`;
  const where = position === 0 ? 'at its start' : `after '${before}'`;
  return new SyntaxError(`${err.message} (column ${position + 1}, ${where})`);
}

/** Characters of a record shown before a JSON syntax error's position. */
const CONTEXT = 24;

/** A key given twice in one object of a JSON text: its path (`model.family`) and where the second is. */
export interface DuplicateKey {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

/**
 * The keys given twice in one object of `text`, valid JSON (JSON.parse keeps the last without a
 * word, so a configuration's first value would be ignored). For files read once (`--config`),
 * not for events.
 */
export function duplicateKeys(text: string): DuplicateKey[] {
  type Frame = {
    readonly keys: Set<string> | null;
    readonly path: string;
    index: number;
    key: string | null;
  };
  const stack: Frame[] = [];
  const found: DuplicateKey[] = [];
  let expectKey = false;
  const pathOf = (frame: Frame | undefined): string => {
    if (frame === undefined) return '';
    const step = frame.keys === null ? `[${frame.index}]` : (frame.key ?? '');
    return frame.path === '' ? step : frame.keys === null ? `${frame.path}${step}` : `${frame.path}.${step}`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top !== undefined && top.keys !== null) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        top.key = key;
        if (top.keys.has(key)) {
          const before = text.slice(0, i);
          const line = before.split('\n').length;
          found.push({ path: pathOf(top), line, column: i - before.lastIndexOf('\n') });
        }
        top.keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      stack.push({ keys: c === '{' ? new Set() : null, path: pathOf(parent), index: 0, key: null });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top !== undefined) {
        if (top.keys === null) top.index++;
        else expectKey = true;
      }
    }
  }
  return found;
}

import { createReadStream } from 'node:fs';

/** How a snapshot line written by `JsonlWriter` starts: its key, then its version. */
const lineStart = /^\{"key":("(?:[^"\\]|\\.)*"),"version":(\d+)[,}]/;

/**
 * The highest `version` of each `key` in a models.jsonl (absent file: none), so that a resumed run
 * numbers its snapshots above them. Streamed in 1 MiB chunks, keeping only the start of the line
 * in hand until its key and version are read (a snapshot line starts with them; a line that does
 * not is parsed whole): memory is the map, one entry per key, however large the file. A last
 * line without its newline (a killed writer's) is not counted: `FileOutputSink` cuts it off.
 *
 * @example
 * const versions = await highestVersions('out/models.jsonl'); // Map { "default" => 12 }
 */
export async function highestVersions(path: string): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  const note = (key: unknown, version: unknown) => {
    if (typeof key !== 'string' || typeof version !== 'number' || !Number.isSafeInteger(version)) return;
    if (version > (versions.get(key) ?? 0)) versions.set(key, version);
  };
  /** The start of the line in hand, until its key and version are read (counted at its newline). */
  let head = '';
  let read: { key: string; version: number } | null = null;
  const tryStart = () => {
    const m = lineStart.exec(head);
    if (m === null) return;
    read = { key: JSON.parse(m[1]) as string, version: Number(m[2]) };
    head = '';
  };
  const endLine = () => {
    if (read !== null) note(read.key, read.version);
    else if (head.trim() !== '') {
      try {
        const doc = JSON.parse(head) as { key?: unknown; version?: unknown } | null;
        if (typeof doc === 'object' && doc !== null) note(doc.key, doc.version);
      } catch {
        // not a JSON line: it names no version
      }
    }
    head = '';
    read = null;
  };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let at = 0;
      while (at < chunk.length) {
        const nl = chunk.indexOf('\n', at);
        const end = nl < 0 ? chunk.length : nl;
        if (read === null) {
          head += chunk.slice(at, end);
          tryStart();
        }
        if (nl < 0) break;
        endLine();
        at = nl + 1;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return versions;
    throw err;
  }
  return versions;
}

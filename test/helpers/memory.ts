/** What an object graph holds in typed arrays (tests of how much a model or a detector allocates). */

/** Bytes of the distinct ArrayBuffers reachable from `root` through own properties. */
export function typedArrayBytes(root: unknown): number {
  let bytes = 0;
  for (const b of arrayBuffers(root)) bytes += b.byteLength;
  return bytes;
}

/** The distinct ArrayBuffers reachable from `root` through own properties. */
export function arrayBuffers(root: unknown): Set<ArrayBufferLike> {
  return reachable(root).buffers;
}

/**
 * The distinct objects reachable from `root` through own properties (and Map and Set entries),
 * typed arrays and ArrayBuffers included (not walked into), and the ArrayBuffers among them or
 * behind the typed arrays.
 */
export function reachable(root: unknown): { objects: Set<unknown>; buffers: Set<ArrayBufferLike> } {
  const seen = new Set<unknown>();
  const buffers = new Set<ArrayBufferLike>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    if (ArrayBuffer.isView(x)) {
      buffers.add(x.buffer);
      continue;
    }
    if (x instanceof ArrayBuffer) {
      buffers.add(x);
      continue;
    }
    if (x instanceof Map) for (const [k, v] of x) stack.push(k, v);
    else if (x instanceof Set) for (const v of x) stack.push(v);
    for (const k of Reflect.ownKeys(x)) {
      const d = Object.getOwnPropertyDescriptor(x, k);
      if (d !== undefined && 'value' in d) stack.push(d.value);
    }
  }
  return { objects: seen, buffers };
}

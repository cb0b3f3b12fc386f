/**
 * A deep copy of `value` with every number written as its shortest round-trip string (`-0` kept),
 * typed arrays as arrays and Maps/Sets as entry lists, so that `toEqual` on two results checks
 * bit-identity and still prints a readable diff.
 */
export function exact(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return { [value.constructor.name]: Array.from(value as unknown as ArrayLike<number>, exact) };
  }
  if (value instanceof Map) return { Map: [...value].map(([k, v]) => [exact(k), exact(v)]) };
  if (value instanceof Set) return { Set: [...value].map(exact) };
  if (Array.isArray(value)) return value.map(exact);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exact(v)]));
  }
  return value;
}

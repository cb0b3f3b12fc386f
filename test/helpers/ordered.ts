/** A monitor's state with every Map and Set as its entries in order (`toEqual` ignores their order). */
export function ordered(x: unknown): unknown {
  if (x instanceof Map) return { map: [...x].map(([k, v]) => [k, ordered(v)]) };
  if (x instanceof Set) return { set: [...x] };
  if (Array.isArray(x)) return x.map(ordered);
  if (x !== null && typeof x === 'object' && !ArrayBuffer.isView(x))
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, ordered(v)]));
  return x;
}

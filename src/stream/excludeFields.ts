import type { FeatureValue, Family, Validated } from '../core/event.js';
import type { EventDecoder } from './decodeEvents.js';

/**
 * An `EventDecoder` whose events leave out the fields `exclude` names (`replay.exclude`: an id
 * column, a column that leaks the label): each event `inner` accepts, without them; the others
 * as they are. It has no `readEvent`, so the engine takes every event from `decodeEvent`.
 */
export function excludingDecoder(
  inner: EventDecoder,
  exclude: readonly string[],
): EventDecoder & { /** The names no event held so far. */ unseen(): string[] } {
  const names = new Set(exclude);
  const seen = new Set<string>();
  return {
    unseen: () => exclude.filter((name) => !seen.has(name)),
    decodeEvent(value: string | Uint8Array, family: Family): Validated {
      const v = inner.decodeEvent(value, family);
      if (!v.ok) return v;
      const { key, ts, label, weight, features } = v.event;
      let holds = false;
      for (const name of names)
        if (Object.hasOwn(features, name)) {
          holds = true;
          seen.add(name);
        }
      if (!holds) return v;
      // (names are data: a record without a prototype, so "__proto__" is a field like another)
      const kept = Object.create(null) as Record<string, FeatureValue>;
      for (const name of Object.keys(features)) if (!names.has(name)) kept[name] = features[name]!;
      return { ok: true, event: { key, ts, label, weight, features: kept } };
    },
  };
}

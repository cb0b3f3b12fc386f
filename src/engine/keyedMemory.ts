import { totalmem } from 'node:os';

import type { EngineConfig } from './config.js';

/**
 * Resident bytes of one hashed model per column (learner, scaler, names and owner tags): measured
 * on keyed replays of 290 keys with `hashBits` 14 and 16 (docs/memory.md), about 48 bytes a column
 * and a quarter of a megabyte besides.
 */
const HASHED_BYTES_PER_COLUMN = 48;
const MODEL_BYTES = 256 * 1024;

/** The share of the machine's memory above which the estimate is worth a warning. */
const WARN_SHARE = 0.25;

/**
 * A warning when keyed models with hashing may hold more memory than a quarter of the machine's:
 * a hashed model's arrays have 2^hashBits columns whatever its key has seen, and up to
 * `maxLiveModels` of them are live (a restore allocates them afresh; an eviction reads only the
 * columns the model has used). Null when
 * the configuration is not keyed, not hashed, or the estimate is below that share.
 */
export function keyedMemoryWarning(config: EngineConfig, machineBytes = totalmem()): string | null {
  const bits = config.model.hashBits;
  const live = config.keys.maxLiveModels;
  if (config.keys.keyBy === null || bits === undefined) return null;
  const perModel = HASHED_BYTES_PER_COLUMN * 2 ** bits + MODEL_BYTES;
  const total = perModel * (Number.isFinite(live) ? live : Number.MAX_SAFE_INTEGER);
  if (total <= WARN_SHARE * machineBytes) return null;
  const mb = (b: number) => `${(b / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
  const gb = (b: number) => `${(b / 2 ** 30).toLocaleString('en-US', { maximumFractionDigits: 1 })} GB`;
  const room = Math.max(1, Math.floor((WARN_SHARE * machineBytes) / perModel));
  return (
    `keyed models with hashBits ${bits} hold about ${mb(perModel)} each (2^${bits} columns, whatever a key has seen): ` +
    `${Number.isFinite(live) ? `up to ${live.toLocaleString('en-US')} live models, about ${gb(total)}` : 'no bound on live models'}, ` +
    `against ${gb(machineBytes)} of memory here. Use exact names for keyed models (drop hashBits: a model's ` +
    `columns are then the names its key has seen), or lower hashBits, or maxLiveModels (about ` +
    `${room.toLocaleString('en-US')} fit a quarter of the memory)`
  );
}

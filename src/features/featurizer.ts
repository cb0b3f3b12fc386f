import type { FeatureValue, L1Event } from '../core/event.js';
import { growInt32, type SparseBuffer } from '../core/sparse.js';
import {
  ExactVocabulary,
  HashedVocabulary,
  type Vocabulary,
  type VocabularyState,
} from './vocabulary.js';

export interface FeaturizerOptions {
  /** Use the hashing trick with 2^hashBits columns; omit for an exact vocabulary (the default). */
  readonly hashBits?: number;
  readonly hashSeed?: number;
  /** Hashed only: names kept before names of inactive columns are pruned (default 2^20). */
  readonly nameCapacity?: number;
}

type FieldKind = 'numeric' | 'categorical';

function kindOf(v: FeatureValue): FieldKind | null {
  if (typeof v === 'number' || typeof v === 'boolean') return 'numeric';
  if (typeof v === 'string' || Array.isArray(v)) return 'categorical';
  return null;
}

function describe(kind: FieldKind): string {
  return kind === 'numeric' ? 'a number (or boolean)' : 'a string (or string array)';
}

/**
 * Turns events (DESIGN §2) into sparse vectors on reusable buffers: numbers by field name,
 * booleans as 0/1, strings as one-hot `field=value`, string arrays as several one-hots. Zeros and
 * nulls are absent. A field keeps the kind it was first seen with; an event that changes it is
 * rejected (with nothing registered from it). Duplicate columns within one event (a repeated
 * array element, or a hash collision) are summed.
 */
export class Featurizer {
  readonly vocabulary: Vocabulary;
  private readonly kinds = new Map<string, FieldKind>();
  /** `stamp[j] === eventNo` when column j is already in the current event's vector. */
  private stamp = new Int32Array(1024);
  private eventNo = 0;

  constructor(options: FeaturizerOptions = {}, vocabulary?: Vocabulary) {
    this.vocabulary =
      vocabulary ??
      (options.hashBits === undefined
        ? new ExactVocabulary()
        : new HashedVocabulary({
            bits: options.hashBits,
            ...(options.hashSeed !== undefined ? { seed: options.hashSeed } : {}),
            ...(options.nameCapacity !== undefined ? { nameCapacity: options.nameCapacity } : {}),
          }));
  }

  get dimension(): number {
    return this.vocabulary.dimension;
  }

  nameOf(index: number): string {
    return this.vocabulary.nameOf(index);
  }

  /** Kinds of the fields seen so far (for input-drift reports and checkpoints). */
  fieldKinds(): ReadonlyMap<string, FieldKind> {
    return this.kinds;
  }

  /**
   * Writes the event's features into `out` (cleared first). Returns null, or the reason the event
   * is rejected (then `out` is empty and no state changed).
   */
  featurize(event: L1Event, out: SparseBuffer): string | null {
    out.clear();
    const features = event.features;
    for (const field in features) {
      const v = features[field];
      if (v === null || v === undefined) continue;
      const kind = kindOf(v);
      if (kind === null) return `feature "${field}" has an unsupported type`;
      const known = this.kinds.get(field);
      if (known !== undefined && known !== kind) {
        return `feature "${field}" was ${describe(known)} in earlier events and is now ${describe(kind)}`;
      }
    }
    if (++this.eventNo === 0x7fffffff) {
      this.eventNo = 1;
      this.stamp.fill(0);
    }
    for (const field in features) {
      const v = features[field];
      if (v === null || v === undefined) continue;
      if (typeof v === 'number') {
        this.note(field, 'numeric');
        if (v !== 0) this.add(out, this.vocabulary.indexOf(field), v);
      } else if (typeof v === 'boolean') {
        this.note(field, 'numeric');
        if (v) this.add(out, this.vocabulary.indexOf(field), 1);
      } else if (typeof v === 'string') {
        this.note(field, 'categorical');
        this.add(out, this.vocabulary.indexOf(field, v), 1);
      } else {
        this.note(field, 'categorical');
        for (const item of v as readonly string[]) this.add(out, this.vocabulary.indexOf(field, item), 1);
      }
    }
    return null;
  }

  private note(field: string, kind: FieldKind): void {
    if (!this.kinds.has(field)) this.kinds.set(field, kind);
  }

  private add(out: SparseBuffer, index: number, value: number): void {
    if (index >= this.stamp.length) this.stamp = growInt32(this.stamp, index + 1);
    if (this.stamp[index] === this.eventNo) {
      for (let k = 0; k < out.nnz; k++) {
        if (out.indices[k] === index) {
          out.values[k] += value;
          return;
        }
      }
    }
    this.stamp[index] = this.eventNo;
    out.push(index, value);
  }

  state(): FeaturizerState {
    return { vocabulary: this.vocabulary.state(), kinds: [...this.kinds] };
  }

  static fromState(state: FeaturizerState, options: FeaturizerOptions = {}): Featurizer {
    const vocabulary =
      state.vocabulary.kind === 'exact'
        ? ExactVocabulary.fromState(state.vocabulary)
        : HashedVocabulary.fromState(state.vocabulary, options.nameCapacity);
    const f = new Featurizer(options, vocabulary);
    for (const [field, kind] of state.kinds) f.kinds.set(field, kind);
    return f;
  }
}

export interface FeaturizerState {
  readonly vocabulary: VocabularyState;
  readonly kinds: ReadonlyArray<readonly [string, FieldKind]>;
}

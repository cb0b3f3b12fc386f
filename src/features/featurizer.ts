import type { FeatureValue, L1Event } from '../core/event.js';
import { growInt32, type SparseBuffer } from '../core/sparse.js';
import {
  ExactVocabulary,
  HashedVocabulary,
  type FieldColumns,
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

/** What the featurizer holds per field: its kind and its columns. */
interface FieldSlot {
  readonly kind: FieldKind;
  readonly columns: FieldColumns;
}

/** `FieldColumns` for vocabularies without `forField`: plain `indexOf` calls. */
class IndexOfColumns implements FieldColumns {
  constructor(
    private readonly vocabulary: Vocabulary,
    private readonly field: string,
  ) {}

  numeric(): number {
    return this.vocabulary.indexOf(this.field);
  }

  oneHot(value: string): number {
    return this.vocabulary.indexOf(this.field, value);
  }
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
  private readonly slotByField = new Map<string, FieldSlot>();
  /** Scratch for the event being featurized: its fields, their values and slots, in order. */
  private fields: string[] = [];
  private readonly values: FeatureValue[] = [];
  private slots: Array<FieldSlot | undefined> = [];
  /** The previous (accepted) event's fields and slots, in order. */
  private lastFields: string[] = [];
  private lastSlots: Array<FieldSlot | undefined> = [];
  private lastCount = 0;
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
   *
   * Streams repeat the same fields in the same order event after event, so each field's slot
   * (kind and columns) is looked up by position in the previous event's layout first (a string
   * compare, usually of the very same string) and in the field map only when that misses.
   */
  featurize(event: L1Event, out: SparseBuffer): string | null {
    out.clear();
    const features = event.features;
    const fields = this.fields;
    const values = this.values;
    const slots = this.slots;
    const last = this.lastFields;
    const lastSlots = this.lastSlots;
    const lastCount = this.lastCount;
    // Pass 1: check every field's kind before changing anything.
    let m = 0;
    for (const field in features) {
      const v = features[field];
      if (v === null || v === undefined) continue;
      const kind = kindOf(v);
      if (kind === null) return `feature "${field}" has an unsupported type`;
      const slot =
        (m < lastCount && last[m] === field ? lastSlots[m] : undefined) ?? this.slotByField.get(field);
      const known = slot !== undefined ? slot.kind : this.kinds.get(field);
      if (known !== undefined && known !== kind) {
        return `feature "${field}" was ${describe(known)} in earlier events and is now ${describe(kind)}`;
      }
      fields[m] = field;
      values[m] = v;
      slots[m] = slot;
      m++;
    }
    if (++this.eventNo === 0x7fffffff) {
      this.eventNo = 1;
      this.stamp.fill(0);
    }
    // Pass 2: columns.
    for (let k = 0; k < m; k++) {
      const v = values[k];
      const slot = (slots[k] ??= this.slotFor(fields[k], kindOf(v)!));
      if (typeof v === 'number') {
        if (v !== 0) this.add(out, slot.columns.numeric(), v);
      } else if (typeof v === 'boolean') {
        if (v) this.add(out, slot.columns.numeric(), 1);
      } else if (typeof v === 'string') {
        this.add(out, slot.columns.oneHot(v), 1);
      } else {
        for (const item of v as readonly string[]) this.add(out, slot.columns.oneHot(item), 1);
      }
    }
    // This event's layout is the next one's first guess (swap the scratch arrays).
    this.fields = last;
    this.slots = lastSlots;
    this.lastFields = fields;
    this.lastSlots = slots;
    this.lastCount = m;
    return null;
  }

  /** The slot of a field seen for the first time (or first since a restore): notes its kind. */
  private slotFor(field: string, kind: FieldKind): FieldSlot {
    let slot = this.slotByField.get(field);
    if (slot === undefined) {
      if (!this.kinds.has(field)) this.kinds.set(field, kind);
      const vocabulary = this.vocabulary;
      slot = {
        kind: this.kinds.get(field)!,
        columns: vocabulary.forField ? vocabulary.forField(field) : new IndexOfColumns(vocabulary, field),
      };
      this.slotByField.set(field, slot);
    }
    return slot;
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

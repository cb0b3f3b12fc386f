import { StateError } from '../core/errors.js';
import type { Severity } from '../model/snapshot.js';
import { CountMinSketch, type CountMinSketchState } from './countMinSketch.js';
import { DeadlineHeap, type DeadlineHeapState } from './deadlineHeap.js';
import { GuardedDetector, type GuardedDetectorState } from './guardedDetector.js';
import { gStatistic } from './inputSparsity.js';
import { refuseUnknownOptions, type DriftDetector } from './protocol.js';
import { SlotMap } from './slotMap.js';

/**
 * One event's active features `indices[start .. end)`, named by `nameOf` (`field=value` or a
 * number's name). A column's name must not change: the detector remembers the field of columns.
 */
export interface NamedFeatures {
  indices: Int32Array;
  start: number;
  end: number;
  nameOf: (index: number) => string;
  /**
   * Optional: the field of a column whose name is a one-hot `field=value`, without building the
   * name (null: ask `nameOf`). It must agree with `nameOf`; it spares naming every new column.
   */
  fieldOf?: ((index: number) => string | null) | undefined;
  /**
   * Optional, parallel to `indices`: each column's field as a code (`Vocabulary.fieldCodes`): 0
   * ask `nameOf`, 1 none (a number), k ≥ 2 the field `fieldNames[k]` (its name up to the first
   * `=`). It must agree with `nameOf`; it spares the lookup of each occurrence's column.
   */
  fieldCodes?: Int32Array | undefined;
  fieldNames?: readonly string[] | undefined;
}

export interface SequentialSparsityOptions {
  /** Expected false alarms per event, all features and tests together (default 1e−8: 0.01 per 1M events). */
  readonly alpha?: number;
  /** Events before any test (default 10 000); slots learn their rates meanwhile. */
  readonly warmupEvents?: number;
  /** Occurrences a feature needs before its stop and rate tests start (default 30). */
  readonly armCount?: number;
  /** Occurrences within the test's evidence before a feature can be reported as appeared (default 10). */
  readonly minAppearCount?: number;
  /** Events a feature must have been seen over before its stop test starts (default 10 000). */
  readonly armEvents?: number;
  /**
   * Events a new feature must have been seen over before it is reported as appeared (default
   * 1000): a burst shorter than this shows its gaps first, and a bursty newcomer is only `info`.
   */
  readonly appearEvents?: number;
  /** Rates are estimated over about this many events (counts are halved beyond it; default 50 000). */
  readonly horizonEvents?: number;
  /** A feature is stopped only after an absence this many times its longest gap so far (default 2). */
  readonly gapFactor?: number;
  /** Features whose gaps are this much more variable than Bernoulli arrivals are bursty (default 2). */
  readonly maxDispersion?: number;
  /**
   * Findings of the levels of one field are reported together, at most this many events after the
   * first (sooner once a level fell and another rose or appeared); a level's finding within this
   * many events after its field's report is folded into it (default 5000).
   */
  readonly groupEvents?: number;
  /** Features with exact state (default 4096); the rest go to a count-min sketch. */
  readonly maxTracked?: number;
  /** Categorical fields with exact state (default 256). */
  readonly maxFields?: number;
  readonly sketchWidth?: number;
  readonly sketchDepth?: number;
  /**
   * Columns whose field is remembered at most (default 2^20, rounded up to a power of two; 0: none,
   * every occurrence of an untracked column is named): the cache of column → field slot grows to
   * it as distinct untracked columns come (4 bytes each). It changes no result.
   */
  readonly fieldCacheSize?: number;
  /** Page-Hinkley threshold on non-zeros per event, in baseline sds (default 50). */
  readonly nnzThreshold?: number;
  /** Relative fall of the mean non-zeros per event that counts (default 0.1). */
  readonly nnzMinChange?: number;
}

export type SequentialFindingKind = 'stopped' | 'appeared' | 'rate-down' | 'rate-up';

/** One sequential test that fired. */
export interface SequentialFinding {
  readonly kind: SequentialFindingKind;
  /** Column index of the feature, or −1 for a whole categorical field. */
  readonly index: number;
  /** The field's name for a field finding, else null. */
  readonly field: string | null;
  /** Levels of the field with exact state (field findings), else 0. */
  readonly levels: number;
  /** Share of events it occurred in before the change. */
  readonly rate: number;
  /** Share since the change began (0 for stopped). */
  readonly recentRate: number;
  /** Events of evidence: the absent run (stopped), events since first seen (appeared), the CUSUM run. */
  readonly events: number;
  /** Bursty or periodic arrivals (gaps far more variable than a constant rate gives). */
  readonly bursty: boolean;
  readonly severity: Severity;
  /** The field of a level reported with its siblings' findings (one change of the field), else null. */
  readonly group: string | null;
}

/** Findings of one field's levels waiting to be reported together, since event `from`. */
export interface LevelGroup {
  readonly field: string;
  readonly from: number;
  readonly findings: readonly SequentialFinding[];
}

/** A fall in non-zeros per event and the fields (or numbers) that account for it. */
export interface NnzFinding {
  readonly beforeMean: number;
  readonly recentMean: number;
  /**
   * `info` when the fall is accounted for by features that never had an established rate (they
   * stopped before they were armed) or whose stop was reported; else `warning` (absent: `warning`).
   */
  readonly severity?: Severity;
  readonly fields: ReadonlyArray<{
    readonly field: string | null;
    readonly index: number;
    /** What it accounts for: its non-zeros an event, or (with `levels`) their fall. */
    readonly nonZerosPerEvent: number;
    /** A field that goes on but sends fewer levels an event: before (its history) and recently. */
    readonly levels?: { readonly before: number; readonly recent: number };
  }>;
}

export interface SequentialSparsityReport {
  readonly findings: readonly SequentialFinding[];
  readonly nnz: NnzFinding | null;
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_U8 = new Uint8Array(0);
const FREE = 0;
const FEATURE = 1;
const FIELD = 2;
const WARMING = 0;
const ARMED = 1;
const STOPPED = 2;
const MAINTAIN_EVERY = 1024;
/** Slots up to which the table (256 bytes a slot) is not read ahead: it stays in the cache. */
const SMALL_TABLE = 256;
const MAX_VICTIMS = 1024;
const PROMOTE_COUNT = 3;
/** Column-cache fields that are not a field slot: a number (no `=`), or no room for the field. */
const NUMBER = -1;
const NO_ROOM = -2;
/** A column-cache entry is `tag · 2^16 + (field + FIELD_CODE)`: 0 is none, the code is ≥ 1. */
const FIELD_CODE = 3;
/** `NamedFeatures.fieldCodes`: ask the name; no field. */
const CODE_UNKNOWN = 0;
const CODE_NONE = 1;
const TAG = 0x10000;
/** The column → field cache starts with this many entries. */
const FIELD_CACHE_START = 16;
/** ln(qd / q0) and, for q0 < ½, ln(qu / q0) of the CUSUMs (see `refreshLlr`). */
const LN_HALF = Math.log(0.5);
const LN_2 = Math.log(2);
/** Above ln 2, the most a CUSUM up statistic rises on one occurrence (`hit`). */
const UP_STEP = 0.6932;
/** The moving average of non-zeros per event weighs the last ~32 events; a fall is judged 128 later. */
const NNZ_AVERAGE = 32;
const NNZ_SETTLE = 128;
/** A field named for fewer levels an event: seen this often, and its fall this share of the non-zeros' fall. */
const FEWER_LEVELS_OCCURRENCES = 64;
const FEWER_LEVELS_SHARE = 0.2;
/** ... and beyond this many sds of its moving average's noise. */
const FEWER_LEVELS_SDS = 4;
/** Reported rate falls kept for the non-zeros test (`reportedFalls`). */
const REPORTED_FALLS = 64;
/** A candidate of `nnzFinding` whose fall was reported already (not a slot status). */
const REPORTED = -1;
/**
 * The slot table's Float64 quantities: one row of S doubles per slot, the quantities an
 * occurrence reads and writes first (they span three cache lines, not one line per quantity).
 * RUN_FROM and RUN_UNTIL are not state: a slot's run of occurrences not applied yet (see `hit`)
 * holds its occurrences at events RUN_FROM .. LAST (LAST is kept current), and may grow up to
 * event RUN_UNTIL; RUN_FROM 0 = no run.
 */
const RUN_FROM = 0;
const LAST = 1;
/** Next to RUN_FROM and LAST: extending a run (most occurrences) reads one cache line of the row. */
const RUN_UNTIL = 2;
/** With LAST and COUNT: what a field's second level in an event reads. */
const LEVEL_SUM = 3;
const COUNT = 4;
const EXPOSURE = 5;
const GAP_N = 6;
const GAP_SUM = 7;
const APPEAR_FROM = 8;
const LLR_RATE = 9;
const DOWN = 10;
const DOWN_ABSENT = 11;
const DOWN_PRESENT = 12;
const DOWN_FROM = 13;
const DOWN_OCC = 14;
const UP = 15;
const UP_ABSENT = 16;
const UP_PRESENT = 17;
const UP_FROM = 18;
const UP_OCC = 19;
const GAP_SUM2 = 20;
const MAX_GAP = 21;
const APPEAR_COUNT = 22;
const CHANGED_AT = 23;
const PRIOR = 24;
const HISTORY = 25;
/** A field's levels in the event of its last occurrence so far, and their moving average per occurrence. */
const LEVELS_NOW = 26;
const LEVEL_RECENT = 27;
/**
 * The folded occurrences of a field since its slot began, restarted or was restored from a
 * checkpoint without them (`foldLevels`), and the sum and the sum of squares of their levels: their
 * count gates naming a field, their spread is the moving average's noise.
 */
const LEVEL_SUM2 = 28;
const LEVEL_N = 29;
const LEVEL_SUMF = 30;
/** Halved when the exposure passes the horizon; zeroed by a restart. */
const HALVED = [COUNT, EXPOSURE, GAP_N, GAP_SUM, GAP_SUM2, LEVEL_SUM, LEVEL_SUM2, LEVEL_N, LEVEL_SUMF];
const RESTARTED = [
  GAP_N,
  GAP_SUM,
  GAP_SUM2,
  DOWN,
  UP,
  DOWN_OCC,
  UP_OCC,
  LEVEL_SUM,
  LEVEL_SUM2,
  LEVEL_N,
  LEVEL_SUMF,
];
/** Doubles per slot row (31 used). */
const S = 32;
/** The state's per-slot Float64 arrays, by name, in the state's order, and where each is in a row. */
const F64 = [
  ['last', LAST],
  ['count', COUNT],
  ['exposure', EXPOSURE],
  ['gapN', GAP_N],
  ['gapSum', GAP_SUM],
  ['gapSum2', GAP_SUM2],
  ['maxGap', MAX_GAP],
  ['down', DOWN],
  ['downFrom', DOWN_FROM],
  ['downOcc', DOWN_OCC],
  ['up', UP],
  ['upFrom', UP_FROM],
  ['upOcc', UP_OCC],
  ['levelSum', LEVEL_SUM],
  ['appearFrom', APPEAR_FROM],
  ['appearCount', APPEAR_COUNT],
  /** Events before a new feature was first seen (at most a horizon), and its sketch count over them. */
  ['prior', PRIOR],
  ['history', HISTORY],
  ['changedAt', CHANGED_AT],
  ['llrRate', LLR_RATE],
  ['downAbsent', DOWN_ABSENT],
  ['downPresent', DOWN_PRESENT],
  ['upAbsent', UP_ABSENT],
  ['upPresent', UP_PRESENT],
  // (not in checkpoints before 2026-12-07: restored as 0, the average starts again)
  ['levelsNow', LEVELS_NOW],
  ['levelRecent', LEVEL_RECENT],
  ['levelSum2', LEVEL_SUM2],
  ['levelN', LEVEL_N],
  ['levelSumF', LEVEL_SUMF],
] as const;
/** Per-slot arrays a checkpoint may lack (written before they were added): the last ones of F64. */
const F64_ADDED = 5;
/** The names of the state's per-slot Float64 arrays (`SequentialSparsityState.f64`), in order. */
export const SEQUENTIAL_F64_NAMES: readonly string[] = F64.map(([name]) => name);
const I32 = ['keyOf', 'fieldOf', 'gen', 'levels'] as const;
const U8 = ['kind', 'status'] as const;

/** The keys `SequentialSparsityDetector` reads (others are refused: a misspelled one left its default). */
const SEQUENTIALSPARSITYDETECTOR_KEYS: readonly (keyof SequentialSparsityOptions)[] = [
  'alpha',
  'warmupEvents',
  'armCount',
  'minAppearCount',
  'armEvents',
  'appearEvents',
  'horizonEvents',
  'gapFactor',
  'maxDispersion',
  'groupEvents',
  'maxTracked',
  'maxFields',
  'sketchWidth',
  'sketchDepth',
  'fieldCacheSize',
  'nnzThreshold',
  'nnzMinChange',
];

/**
 * Sequential input-sparsity drift: each tracked feature (and each categorical field as a whole:
 * "some level of `hour` is present") is tested event by event, so a change is reported as soon as
 * the evidence is there, not when a window closes.
 *
 * - **stopped**: the run of absences since the last occurrence is improbable under the feature's
 *   rate q: P(run ≥ g) = (1 − q)^g ≤ e^{−qg}. It fires once g ≥ ln(4·M·q/α)/q (q a 3-sigma lower
 *   bound of the rate, M the features under test: a Bonferroni split of α per event), and g is at
 *   least `gapFactor` times the longest gap seen. Absent features cost nothing per event: a heap
 *   ordered by the event at which each absence becomes significant is checked at its top.
 * - **appeared**: a feature (or field) first seen after the warm-up, at event t, is compared with
 *   its past (the sketch's count of it over the events before, at most a horizon): it fires when the
 *   likelihood ratio of "one rate before, another since" against "one rate throughout" passes e^h
 *   (G/2 ≥ h on the 2×2 table), which under a constant rate q needs an unseen run with P ≈ e^{−qt}.
 * - **rate-down / rate-up**: Bernoulli CUSUM (Page 1954) for a halving and for a doubling (or a
 *   halving of the absence rate when q ≥ ½), updated at each occurrence with the run of absences
 *   before it, threshold h = ln(4M/α).
 *
 * Features with bursty or periodic arrivals (gap variance above `maxDispersion` times the
 * geometric one) get no rate tests and their stops are `info`: they must not page anyone. A level
 * that stops while its field goes on is `info` too; a whole field or a number that stops is
 * `critical`. Levels of a field that stopped, appeared or changed are folded into the field's
 * finding; findings of levels of a field that goes on are reported together (`found`). Non-zeros
 * per event are watched by a guarded Page-Hinkley test; a material fall names the fields that
 * account for it. State is bounded: `maxTracked` features and `maxFields` fields with
 * exact state, a count-min sketch for the rest (from which a feature returns to the table, replacing
 * a rare one, once it is counted three times).
 */
export class SequentialSparsityDetector implements DriftDetector<NamedFeatures> {
  readonly alpha: number;
  readonly warmupEvents: number;
  readonly armCount: number;
  readonly armEvents: number;
  readonly minAppearCount: number;
  readonly appearEvents: number;
  readonly horizonEvents: number;
  readonly gapFactor: number;
  readonly maxDispersion: number;
  readonly groupEvents: number;
  readonly maxTracked: number;
  readonly maxFields: number;
  readonly fieldCacheSize: number;
  readonly nnzMinChange: number;

  private readonly featureSlot = new SlotMap();
  private readonly fieldSlot = new Map<string, number>();
  private fieldName: Array<string | null> = [];
  /**
   * Column → field slot, direct mapped (`key & columnMask`), so that a column's name is built and
   * cut once, not per occurrence. Entry `key & columnMask` is `tag · TAG + field + FIELD_CODE`
   * (0: none), where the tag is the key's high bits (`key >>> columnBits`) and the field a field
   * slot, NUMBER or NO_ROOM; one Int32 an entry, so the cache of a 2^20-column stream is 4 MB.
   * Entries of a field slot that is released, and NO_ROOM ones, are dropped before the next
   * lookup (see `droppedFields`). Not state: a cache of `nameOf`.
   */
  private columns: Int32Array;
  private columnMask: number;
  private columnBits: number;
  /** Cached columns that replaced another since the cache last grew. */
  private columnEvictions = 0;
  /** Field slots released since the column cache last dropped their entries. */
  private droppedFields: number[] = [];
  /**
   * Field code (`NamedFeatures.fieldCodes`) → `field + FIELD_CODE` (0: not looked up), for the
   * codes of `codeNames`; entries of a released field slot, and NO_ROOM ones, are dropped then.
   */
  private codeSlot = new Int32Array(16);
  private codeNames: readonly string[] | null = null;
  /** The slot table's Float64 quantities, a row of S per slot (see RUN_FROM .. HISTORY). */
  private f = EMPTY_F64;
  private keyOf = EMPTY_I32;
  private fieldOf = EMPTY_I32;
  private gen = EMPTY_I32;
  private levels = EMPTY_I32;
  private kind = EMPTY_U8;
  private status = EMPTY_U8;
  private capacity = 0;
  /** Slots with a run (RUN_FROM > 0). */
  private runs = 0;
  private used = 0;
  private freeSlots: number[] = [];
  private features = 0;
  private fields = 0;
  private armed = 0;
  private readonly heap = new DeadlineHeap();
  private readonly sketch: CountMinSketch;
  private victims: number[] = [];
  /** The slots of an event's features (−1: none), looked up before they are applied. */
  private slots = new Int32Array(64);
  // fields that hold doubles start as NaN (then 0 in the constructor): a field that starts as a
  // small integer and later holds a double changes the object's hidden class, which throws away
  // the optimized code of every method (at the end of the warm-up, when `h` is first computed)
  /** A sum of what the look-ahead read (kept so the reads are not optimized away). */
  private touched = Number.NaN;
  private readonly nnzDetector: GuardedDetector;
  private nnzRecent = Number.NaN;
  private nnzBefore = Number.NaN;
  /** Event at which a pending non-zeros detection is judged (0: none pending). */
  private nnzJudgeAt = 0;
  /**
   * Rate falls reported lately, by features and fields the non-zeros test weighs (`rateFinding`):
   * a fall of the non-zeros they account for says nothing more (their rates restart when
   * reported, so they are not among the falling ones then). At most REPORTED_FALLS, newest last.
   */
  private reportedFalls: ReportedFall[] = [];
  private seen = 0;
  /** ln(4M/α) for M = hFor (a cache: M changes rarely, the threshold is read per occurrence). */
  private h = Number.NaN;
  private hFor = -1;
  private findings: SequentialFinding[] = [];
  /** Pending level groups by field slot, and the first event at which one is due. */
  private groups = new Map<number, { from: number; findings: SequentialFinding[] }>();
  private groupsDue = Infinity;
  private detected = false;
  private lastReport: SequentialSparsityReport | null = null;

  constructor(options: SequentialSparsityOptions = {}) {
    refuseUnknownOptions('SequentialSparsityDetector', options, SEQUENTIALSPARSITYDETECTOR_KEYS);
    this.alpha = options.alpha ?? 1e-8;
    this.warmupEvents = options.warmupEvents ?? 10_000;
    this.armCount = options.armCount ?? 30;
    this.armEvents = options.armEvents ?? 10_000;
    this.minAppearCount = options.minAppearCount ?? 10;
    this.appearEvents = options.appearEvents ?? 1000;
    this.horizonEvents = options.horizonEvents ?? 50_000;
    this.gapFactor = options.gapFactor ?? 2;
    this.maxDispersion = options.maxDispersion ?? 2;
    this.groupEvents = options.groupEvents ?? 5000;
    this.maxTracked = options.maxTracked ?? 4096;
    this.maxFields = options.maxFields ?? 256;
    this.fieldCacheSize = options.fieldCacheSize ?? 1 << 20;
    this.nnzMinChange = options.nnzMinChange ?? 0.1;
    if (!(this.alpha > 0 && this.alpha < 1))
      throw new RangeError(`alpha must be in (0, 1), got ${this.alpha}`);
    for (const [k, v] of Object.entries({
      warmupEvents: this.warmupEvents,
      armCount: this.armCount,
      armEvents: this.armEvents,
      minAppearCount: this.minAppearCount,
      appearEvents: this.appearEvents,
      horizonEvents: this.horizonEvents,
      groupEvents: this.groupEvents,
      maxTracked: this.maxTracked,
      maxFields: this.maxFields,
    })) {
      if (!(Number.isInteger(v) && v >= 2)) throw new RangeError(`${k} must be a whole number ≥ 2, got ${v}`);
    }
    if (!(
      Number.isInteger(this.fieldCacheSize) &&
      this.fieldCacheSize >= 0 &&
      this.fieldCacheSize <= 2 ** 30
    ))
      throw new RangeError(`fieldCacheSize must be a whole number in [0, 2^30], got ${this.fieldCacheSize}`);
    let size = 1;
    while (size < this.fieldCacheSize) size *= 2;
    if (this.fieldCacheSize > 0) this.fieldCacheSize = size;
    size = Math.min(size, FIELD_CACHE_START);
    this.columns = new Int32Array(size);
    this.columnMask = size - 1;
    this.columnBits = Math.log2(size);
    if (!(this.gapFactor >= 1)) throw new RangeError(`gapFactor must be ≥ 1, got ${this.gapFactor}`);
    if (!(this.maxDispersion > 0))
      throw new RangeError(`maxDispersion must be > 0, got ${this.maxDispersion}`);
    this.sketch = new CountMinSketch(options.sketchWidth ?? 4096, options.sketchDepth ?? 4);
    this.nnzDetector = new GuardedDetector('page-hinkley', {
      warmup: this.warmupEvents,
      cooldown: this.warmupEvents,
      pageHinkley: {
        delta: 0.1,
        threshold: options.nnzThreshold ?? 50,
        alpha: 1,
        minInstances: 30,
        mode: 'down',
      },
    });
    this.allocate(8);
    this.touched = this.nnzRecent = this.nnzBefore = this.h = 0;
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  /** What the update that set `driftDetected` found. */
  get report(): SequentialSparsityReport | null {
    return this.lastReport;
  }

  /** Features and fields with exact state right now (bounded by maxTracked + maxFields). */
  get trackedCount(): number {
    return this.features + this.fields;
  }

  update(x: NamedFeatures): void {
    this.detected = false;
    const t = ++this.seen;
    const indices = x.indices;
    const map = this.featureSlot;
    if (this.slots.length < x.end - x.start) this.slots = new Int32Array(2 * (x.end - x.start));
    const slots = this.slots;
    // the event's slots first: the lookups do not depend on each other, so their cache misses
    // overlap, and so do those of the rows and column-cache entries read next
    const f = this.f;
    // with the columns' field codes, the column cache is read only for CODE_UNKNOWN
    const codes = x.fieldCodes !== undefined && x.fieldNames !== undefined ? x.fieldCodes : null;
    if (codes !== null && x.fieldNames !== this.codeNames) this.adoptCodes(x.fieldNames!);
    const columns = codes === null ? this.columns : EMPTY_I32;
    const mask = this.columnMask;
    let touched = 0;
    // the column-cache entries of the next event's indices (the batch's, when `indices` holds them),
    // read ahead in a tight loop: they arrive while this event is applied
    const ahead = codes === null ? Math.min(indices.length, x.end + (x.end - x.start)) : 0;
    for (let p = x.end; p < ahead; p++) touched += columns[indices[p] & mask];
    if (this.used <= SMALL_TABLE && codes !== null) {
      // the table is in the cache and there is no column cache to read: only the slots
      for (let p = x.start, k = 0; p < x.end; p++, k++) slots[k] = map.slotOf(indices[p]);
    } else {
      for (let p = x.start, k = 0; p < x.end; p++, k++) {
        const key = indices[p];
        const slot = map.slotOf(key);
        slots[k] = slot;
        // a tracked slot's row: the three cache lines an occurrence reads (LAST, DOWN, MAX_GAP)
        touched +=
          slot >= 0
            ? f[slot * S + LAST] + f[slot * S + DOWN] + f[slot * S + MAX_GAP]
            : codes === null
              ? columns[key & mask]
              : 0;
      }
    }
    this.touched = touched;
    const changes = map.changes;
    for (let p = x.start, k = 0; p < x.end; p++, k++) {
      const key = indices[p];
      // admitting a feature may have released another one of this event
      let slot = map.changes === changes ? slots[k] : map.slotOf(key);
      let field: number;
      const code = codes === null ? CODE_UNKNOWN : codes[p];
      if (slot < 0 && this.features >= this.maxTracked && this.victims.length === 0) {
        // untracked, no rare feature to replace (admitFeature's first case): a count in the sketch
        this.sketch.add(key);
      } else if (slot < 0) {
        slot = this.admitFeature(key, code, x, t);
      }
      if (slot >= 0) {
        this.occurs(slot, t);
        field = this.fieldOf[slot];
      } else if (code !== CODE_UNKNOWN) {
        // (NUMBER and NO_ROOM are negative)
        const entry = code < this.codeSlot.length ? this.codeSlot[code] : 0;
        field = entry !== 0 ? entry - FIELD_CODE : this.fieldOfCode(code, t);
      } else {
        // fieldOfColumn's cache hit, inline (NUMBER and NO_ROOM are negative)
        const entry = this.droppedFields.length === 0 ? this.columns[key & this.columnMask] : 0;
        field =
          entry !== 0 && entry >>> 16 === key >>> this.columnBits
            ? (entry & (TAG - 1)) - FIELD_CODE
            : this.fieldOfColumn(key, x, t);
      }
      if (field >= 0) {
        const o = field * S;
        this.f[o + LEVEL_SUM]++;
        if (this.f[o + LAST] !== t || this.f[o + COUNT] === 0) {
          this.foldLevels(o);
          this.f[o + LEVELS_NOW] = 1;
          this.occurs(field, t);
        } else this.f[o + LEVELS_NOW]++;
      }
    }
    const nnz = this.watchNnz(x.end - x.start, t);
    this.sweep(t);
    if (t >= this.groupsDue) this.closeDueGroups(t);
    if (t % MAINTAIN_EVERY === 0) this.maintain(t);
    if (this.findings.length > 0 || nnz !== null) {
      this.detected = true;
      this.lastReport = { findings: this.findings, nnz };
      this.findings = [];
    }
  }

  reset(): void {
    this.featureSlot.clear();
    this.fieldSlot.clear();
    this.forgetColumns();
    this.fieldName = [];
    this.allocate(8);
    this.used = this.features = this.fields = this.armed = this.seen = 0;
    this.freeSlots = [];
    this.heap.clear();
    this.sketch.clear();
    this.victims = [];
    this.nnzDetector.reset();
    this.nnzRecent = this.nnzBefore = this.nnzJudgeAt = 0;
    this.reportedFalls = [];
    this.findings = [];
    this.groups.clear();
    this.groupsDue = Infinity;
    this.detected = false;
    this.lastReport = null;
  }

  // --- occurrences and the tests they drive ---------------------------------------------------

  /**
   * The most common occurrence: an armed slot seen at the previous event too, whose gaps so far
   * are all 0 (a feature or field in every event), past the warm-up and not under an appeared test.
   * Its effect (what `occur` and its CUSUMs do with gap 0) is deferred: it starts a run that the next
   * such occurrences extend at the cost of a compare, and `flush` applies them all at once, with the
   * same operations in the same order. A run is only as long as no test can fire and the counts
   * cannot be halved during it: the down statistic only falls on an occurrence, the up one rises by
   * at most ln 2 per occurrence, the threshold h only rises until the armed count falls (then every
   * run is flushed). False, changing nothing, for any other occurrence.
   */
  private hit(slot: number, t: number): boolean {
    const f = this.f;
    const o = slot * S;
    const e = f[o + EXPOSURE];
    if (
      f[o + LAST] !== t - 1 ||
      this.status[slot] !== ARMED ||
      !(f[o + COUNT] > 0) ||
      f[o + GAP_SUM] !== 0 ||
      f[o + GAP_SUM2] !== 0 ||
      f[o + APPEAR_FROM] > 0 ||
      t <= this.warmupEvents
    )
      return false;
    const h = this.hFor === this.armed ? this.h : this.threshold();
    if (!(f[o + DOWN] < h)) return false;
    // occurrences before exposure passes the horizon, and before up could reach h
    const k = Math.min(
      Math.floor(this.horizonEvents - e),
      Math.floor((h - Math.max(0, f[o + UP])) / UP_STEP) - 1,
    );
    if (!(k >= 1)) return false;
    f[o + RUN_FROM] = t;
    f[o + RUN_UNTIL] = t + k - 1;
    this.runs++;
    f[o + LAST] = t;
    return true;
  }

  /** Applies the slot's run: `occur` with its CUSUMs for each of its occurrences, none of which fires. */
  private flush(slot: number): void {
    const f = this.f;
    const o = slot * S;
    const from = f[o + RUN_FROM];
    const to = f[o + LAST];
    f[o + RUN_FROM] = 0;
    this.runs--;
    let c = f[o + COUNT];
    let e = f[o + EXPOSURE];
    let gapN = f[o + GAP_N];
    let down = f[o + DOWN];
    let downFrom = f[o + DOWN_FROM];
    let downOcc = f[o + DOWN_OCC];
    let up = f[o + UP];
    let upFrom = f[o + UP_FROM];
    let upOcc = f[o + UP_OCC];
    let rate = f[o + LLR_RATE];
    let downAbsent = f[o + DOWN_ABSENT];
    let downPresent = f[o + DOWN_PRESENT];
    let upAbsent = f[o + UP_ABSENT];
    let upPresent = f[o + UP_PRESENT];
    for (let t = from; t <= to; t++) {
      // occur's refresh test
      const n = e + 1;
      if (!llrCurrent(c, n, rate)) {
        const q0 = clampRate(c / n);
        if (Math.abs(q0 - rate) > 0.01 * Math.min(q0, 1 - q0)) {
          this.refreshLlr(slot, q0);
          rate = q0;
          downAbsent = f[o + DOWN_ABSENT];
          downPresent = f[o + DOWN_PRESENT];
          upAbsent = f[o + UP_ABSENT];
          upPresent = f[o + UP_PRESENT];
        }
      }
      const peak = down + 0 * downAbsent;
      const afterGap = up + 0 * upAbsent;
      const d = peak + downPresent;
      if (d <= 0) {
        down = 0;
        downFrom = t;
        downOcc = 0;
      } else {
        down = d;
        downOcc++;
      }
      if (afterGap <= 0) {
        up = 0;
        upFrom = t - 1;
        upOcc = 0;
      } else {
        up = afterGap;
      }
      up += upPresent;
      upOcc++;
      gapN++;
      c = c + 1;
      e = e + 1;
    }
    f[o + COUNT] = c;
    f[o + EXPOSURE] = e;
    f[o + GAP_N] = gapN;
    f[o + DOWN] = down;
    f[o + DOWN_FROM] = downFrom;
    f[o + DOWN_OCC] = downOcc;
    f[o + UP] = up;
    f[o + UP_FROM] = upFrom;
    f[o + UP_OCC] = upOcc;
  }

  /** Applies every run (before the table is read as a whole, or the threshold falls). */
  private flushAll(): void {
    if (this.runs === 0) return;
    const f = this.f;
    for (let s = 0; s < this.used; s++) if (f[s * S + RUN_FROM] > 0) this.flush(s);
  }

  /**
   * `occur`, its commonest case (the slot's run goes on to event t: a feature in every event) without
   * the call, which does not inline.
   */
  private occurs(slot: number, t: number): void {
    const f = this.f;
    const o = slot * S;
    if (f[o + RUN_FROM] !== 0 && f[o + LAST] === t - 1 && t <= f[o + RUN_UNTIL]) f[o + LAST] = t;
    else this.occur(slot, t);
  }

  /**
   * An occurrence of slot `slot` at event t, in one call (the common case runs no other method):
   * it extends the slot's run (else the run is applied), else starts one (`hit`), else updates the
   * gap statistics and, for an armed slot past the warm-up with regular gaps, the Bernoulli CUSUMs
   * for a halving and a doubling of the rate over the absences before it and the occurrence itself
   * (a CUSUM that fires reports and restarts the slot).
   */
  private occur(slot: number, t: number): void {
    const f = this.f;
    const o = slot * S;
    if (f[o + RUN_FROM] !== 0) {
      if (f[o + LAST] === t - 1 && t <= f[o + RUN_UNTIL]) {
        f[o + LAST] = t;
        return;
      }
      this.flush(slot);
    }
    // the row's quantities are read once (nothing below changes them before they are written)
    const c = f[o + COUNT];
    const last = f[o + LAST];
    const gapN = f[o + GAP_N];
    const gapSum = f[o + GAP_SUM];
    const gapSum2 = f[o + GAP_SUM2];
    const appearFrom = f[o + APPEAR_FROM];
    const status = this.status[slot];
    const tested = status === ARMED && t > this.warmupEvents;
    // (a subset of what `hit` requires)
    if (tested && last === t - 1 && gapSum === 0 && gapSum2 === 0 && this.hit(slot, t)) return;
    if (appearFrom > 0) f[o + APPEAR_COUNT]++;
    if (c === 0) {
      f[o + COUNT] = 1;
      f[o + EXPOSURE] = 1;
      f[o + LAST] = t;
      this.testAppeared(slot, t);
      return;
    }
    const gap = t - last - 1;
    if (gap > f[o + MAX_GAP]) f[o + MAX_GAP] = gap;
    if (status === STOPPED) {
      // back after a reported stop: learn its rate afresh (the long gap stays in maxGap)
      this.restart(slot, t);
      return;
    }
    const exposure = f[o + EXPOSURE];
    if (tested && isRegular(gapN, gapSum, gapSum2, this.maxDispersion)) {
      const e1 = exposure + 1;
      const h = this.hFor === this.armed ? this.h : this.threshold();
      // the log-likelihood ratios are refreshed when q0 = c / (e + 1) or 1 − q0 moved by more than 1 %
      if (!llrCurrent(c, e1, f[o + LLR_RATE])) {
        // clampRate(c / e1), written out: the call did not inline here, and a call boxes its doubles
        const q0 = Math.min(1 - 1e-12, Math.max(1e-12, c / e1));
        if (Math.abs(q0 - f[o + LLR_RATE]) > 0.01 * Math.min(q0, 1 - q0)) this.refreshLlr(slot, q0);
      }
      const peak = f[o + DOWN] + gap * f[o + DOWN_ABSENT];
      if (peak >= h) {
        const n = t - f[o + DOWN_FROM];
        this.rateFinding(slot, 'rate-down', clampRate(c / e1), f[o + DOWN_OCC] / Math.max(1, n), n, t);
        return;
      }
      const down = peak + f[o + DOWN_PRESENT];
      if (down <= 0) {
        f[o + DOWN] = 0;
        f[o + DOWN_FROM] = t;
        f[o + DOWN_OCC] = 0;
      } else {
        f[o + DOWN] = down;
        f[o + DOWN_OCC]++;
      }
      const afterGap = f[o + UP] + gap * f[o + UP_ABSENT];
      let up: number;
      if (afterGap <= 0) {
        up = 0;
        f[o + UP_FROM] = t - 1;
        f[o + UP_OCC] = 0;
      } else {
        up = afterGap;
      }
      up += f[o + UP_PRESENT];
      f[o + UP] = up;
      f[o + UP_OCC]++;
      if (up >= h) {
        const n = t - f[o + UP_FROM];
        this.rateFinding(slot, 'rate-up', clampRate(c / e1), f[o + UP_OCC] / Math.max(1, n), n, t);
        return;
      }
    }
    f[o + GAP_N] = gapN + 1;
    f[o + GAP_SUM] = gapSum + gap;
    f[o + GAP_SUM2] = gapSum2 + gap * gap;
    const e = exposure + (gap + 1);
    f[o + COUNT] = c + 1;
    f[o + EXPOSURE] = e;
    f[o + LAST] = t;
    if (e > this.horizonEvents) {
      for (const k of HALVED) f[o + k] *= 0.5;
    }
    if (status === WARMING && f[o + COUNT] >= this.armCount && f[o + EXPOSURE] >= this.armEvents) {
      this.status[slot] = ARMED;
      this.armed++;
      this.heap.push(t + this.stopThreshold(slot), slot, this.gen[slot]);
    }
    if (appearFrom > 0) this.testAppeared(slot, t);
  }

  /** The CUSUMs' log-likelihood ratios for the rate q0. */
  private refreshLlr(slot: number, q0: number): void {
    const f = this.f;
    const o = slot * S;
    const qd = q0 / 2;
    const qu = q0 < 0.5 ? 2 * q0 : (1 + q0) / 2;
    f[o + LLR_RATE] = q0;
    f[o + DOWN_ABSENT] = Math.log((1 - qd) / (1 - q0));
    // q0 / 2 and 2 q0 are exact (q0 ≥ 1e−12), so qd / q0 is 0.5 and, below ½, qu / q0 is 2
    f[o + DOWN_PRESENT] = LN_HALF;
    f[o + UP_ABSENT] = Math.log((1 - qu) / (1 - q0));
    f[o + UP_PRESENT] = q0 < 0.5 ? LN_2 : Math.log(qu / q0);
  }

  private rateFinding(
    slot: number,
    kind: 'rate-down' | 'rate-up',
    q0: number,
    recent: number,
    events: number,
    t: number,
  ): void {
    const field = this.fieldOf[slot];
    if (!(field >= 0 && this.recentlyChanged(field, t)))
      this.found(slot, kind, q0, recent, events, 'warning', t);
    const kindOf = this.kind[slot];
    if (kind === 'rate-down' && (kindOf === FIELD || field < 0)) {
      const c = this.f[slot * S + COUNT];
      const perOccurrence = kindOf === FIELD && c > 0 ? this.f[slot * S + LEVEL_SUM] / c : 1;
      this.reportedFalls.push({
        field: kindOf === FIELD ? this.fieldName[slot]! : null,
        index: kindOf === FIELD ? -1 : this.keyOf[slot],
        nonZerosPerEvent: Math.max(0, q0 - recent) * perOccurrence,
        at: t,
      });
      if (this.reportedFalls.length > REPORTED_FALLS) this.reportedFalls.shift();
    }
    this.f[slot * S + CHANGED_AT] = t;
    this.restart(slot, t);
  }

  /** A field's own finding within `groupEvents` covers its levels' findings. */
  private recentlyChanged(field: number, t: number): boolean {
    const at = this.f[field * S + CHANGED_AT];
    return at > 0 && t - at <= this.groupEvents;
  }

  private testAppeared(slot: number, t: number): void {
    const from = this.f[slot * S + APPEAR_FROM];
    if (from <= 0) return;
    const n = t - from + 1;
    if (n > this.horizonEvents) {
      this.f[slot * S + APPEAR_FROM] = 0;
      return;
    }
    const c = this.f[slot * S + APPEAR_COUNT];
    if (c < this.minAppearCount || n < this.appearEvents) return;
    // before: `history` occurrences (from the sketch) in `prior` events; since: c in n
    const before = this.f[slot * S + PRIOR];
    const p0 = this.f[slot * S + HISTORY] / before;
    if (c / n <= p0 || gStatistic(this.f[slot * S + HISTORY], before, c, n) / 2 < this.threshold()) return;
    this.f[slot * S + APPEAR_FROM] = 0;
    const field = this.fieldOf[slot];
    // a level of a field that is new itself is reported with the field
    if (field >= 0 && (this.f[field * S + APPEAR_FROM] > 0 || this.recentlyChanged(field, t))) return;
    if (this.kind[slot] === FIELD) this.f[slot * S + CHANGED_AT] = t;
    // a new level of a field that goes on (a new hour of the day, a new product id) is routine, and
    // a feature counted before in the sketch (it left the table) came back rather than appeared
    const routine = field >= 0 || this.f[slot * S + HISTORY] >= this.minAppearCount || !this.regular(slot);
    this.found(slot, 'appeared', p0, c / n, n, routine ? 'info' : 'warning', t);
  }

  // --- absences -------------------------------------------------------------------------------

  /** Pops the features whose absence is due; those still absent past their threshold stopped. */
  private sweep(t: number): void {
    const heap = this.heap;
    while (heap.top <= t) {
      const slot = heap.topId;
      const g = heap.topGeneration;
      heap.pop();
      if (this.gen[slot] !== g || this.status[slot] !== ARMED) continue;
      if (this.f[slot * S + RUN_FROM] > 0) this.flush(slot);
      const due = this.f[slot * S + LAST] + this.stopThreshold(slot);
      if (due > t) {
        heap.push(due, slot, g);
        continue;
      }
      this.status[slot] = STOPPED;
      this.armed--;
      this.flushAll();
      const field = this.fieldOf[slot];
      if (field >= 0 && this.status[field] === STOPPED) continue; // reported with its field
      const q = this.f[slot * S + COUNT] / (this.f[slot * S + EXPOSURE] + 1);
      const bursty = !this.regular(slot);
      const severity: Severity = bursty || field >= 0 ? 'info' : 'critical';
      if (this.kind[slot] === FIELD) this.f[slot * S + CHANGED_AT] = t;
      this.found(slot, 'stopped', q, 0, t - this.f[slot * S + LAST], severity, t);
    }
  }

  /** Absent events after which the feature counts as stopped. */
  private stopThreshold(slot: number): number {
    const f = this.f;
    const o = slot * S;
    const c = f[o + COUNT];
    const qlo = Math.max(0, c - 3 * Math.sqrt(c)) / (f[o + EXPOSURE] + 1);
    if (!(qlo > 0)) return Infinity;
    const m = Math.max(1, this.armed);
    const statistical = Math.max(1, Math.log((4 * m * qlo) / this.alpha)) / qlo;
    return Math.ceil(Math.max(statistical, this.gapFactor * (f[o + MAX_GAP] + 1)));
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** h = ln(4M/α): four tests per feature, M features under test. */
  private threshold(): number {
    if (this.hFor !== this.armed) {
      this.hFor = this.armed;
      this.h = Math.log((4 * Math.max(1, this.armed)) / this.alpha);
    }
    return this.h;
  }

  /** Gaps as variable as Bernoulli arrivals give (`isRegular` of the slot's gap sums). */
  private regular(slot: number): boolean {
    const o = slot * S;
    return isRegular(this.f[o + GAP_N], this.f[o + GAP_SUM], this.f[o + GAP_SUM2], this.maxDispersion);
  }

  /**
   * A finding at event t. A level's (its field going on) waits in its field's group: one change of
   * a field (a new level taking a share from the others) moves several levels, each found by its
   * own test at its own event, and is one report. The group is reported once it holds a fall and a
   * rise (where the share went from and to), or `groupEvents` after it opened, or with the field's
   * own finding; then its levels learn their rates afresh (`closeGroup`), and a level's finding
   * within `groupEvents` after it is folded into it (`rateFinding`).
   */
  private found(
    slot: number,
    kind: SequentialFindingKind,
    rate: number,
    recentRate: number,
    events: number,
    severity: Severity,
    t: number,
  ): void {
    const isField = this.kind[slot] === FIELD;
    const finding: SequentialFinding = {
      kind,
      index: isField ? -1 : this.keyOf[slot],
      field: isField ? this.fieldName[slot] : null,
      levels: isField ? this.levels[slot] : 0,
      rate,
      recentRate,
      events,
      bursty: !this.regular(slot),
      severity,
      group: null,
    };
    const field = this.fieldOf[slot];
    if (field < 0 || this.status[field] === STOPPED) {
      this.findings.push(finding);
      if (isField) this.closeGroup(slot, t);
      return;
    }
    let group = this.groups.get(field);
    if (group === undefined) {
      group = { from: t, findings: [] };
      this.groups.set(field, group);
      this.groupsDue = Math.min(this.groupsDue, t + this.groupEvents);
    }
    group.findings.push(finding);
    const fell = group.findings.some((x) => x.kind === 'rate-down' || x.kind === 'stopped');
    const rose = group.findings.some((x) => x.kind === 'rate-up' || x.kind === 'appeared');
    if (fell && rose) this.closeGroup(field, t);
  }

  /** Reports the pending findings of field slot `field`'s levels (if any), as of event t. */
  private closeGroup(field: number, t: number): void {
    const group = this.groups.get(field);
    if (group === undefined) return;
    this.groups.delete(field);
    const name = this.fieldName[field];
    for (const x of group.findings) this.findings.push({ ...x, group: name });
    this.f[field * S + CHANGED_AT] = t;
    this.refreshGroupsDue();
    // the field's mix changed (not only a new level): every level learns its rate afresh, so that
    // the falls of the levels slower to show it are not reported as changes of their own later
    if (group.findings.some((x) => x.kind !== 'appeared')) this.restartLevels(field, t);
  }

  /** `restart` for every armed or warming level of field slot `field`, keeping when each was last seen. */
  private restartLevels(field: number, t: number): void {
    for (let s = 0; s < this.used; s++) {
      if (this.kind[s] !== FEATURE || this.fieldOf[s] !== field || this.status[s] === STOPPED) continue;
      if (this.f[s * S + RUN_FROM] > 0) this.flush(s);
      const last = this.f[s * S + LAST];
      this.restart(s, t);
      this.f[s * S + LAST] = last;
    }
  }

  private refreshGroupsDue(): void {
    this.groupsDue = Infinity;
    for (const g of this.groups.values())
      this.groupsDue = Math.min(this.groupsDue, g.from + this.groupEvents);
  }

  /** Reports the groups opened `groupEvents` or more before event t. */
  private closeDueGroups(t: number): void {
    for (const [field, g] of [...this.groups]) if (g.from + this.groupEvents <= t) this.closeGroup(field, t);
  }

  /** Forgets the rate (after a reported change): the slot warms up again from this occurrence. */
  private restart(slot: number, t: number): void {
    if (this.status[slot] === ARMED) {
      this.armed--;
      this.flushAll();
    }
    this.status[slot] = WARMING;
    this.gen[slot]++;
    for (const k of RESTARTED) this.f[slot * S + k] = 0;
    this.f[slot * S + COUNT] = 1;
    this.f[slot * S + EXPOSURE] = 1;
    this.f[slot * S + LAST] = t;
    this.f[slot * S + DOWN_FROM] = this.f[slot * S + UP_FROM] = t;
  }

  /**
   * Folds the levels of a field's last occurrence into its moving average per occurrence (the
   * first occurrence sets it): what tells a field that now sends fewer levels an event.
   */
  private foldLevels(o: number): void {
    const now = this.f[o + LEVELS_NOW];
    if (now === 0) return;
    this.f[o + LEVEL_N]++;
    this.f[o + LEVEL_SUMF] += now;
    this.f[o + LEVEL_SUM2] += now * now;
    const recent = this.f[o + LEVEL_RECENT];
    this.f[o + LEVEL_RECENT] = recent === 0 ? now : recent + (now - recent) / NNZ_AVERAGE;
  }

  /**
   * Feeds the non-zeros test. A detection is judged NNZ_SETTLE events later, when the moving
   * average has settled on the new level: a material fall gives a finding.
   */
  private watchNnz(nnz: number, t: number): NnzFinding | null {
    this.nnzRecent += (nnz - this.nnzRecent) / NNZ_AVERAGE;
    this.nnzDetector.update(nnz);
    if (this.nnzDetector.driftDetected && this.nnzJudgeAt === 0) {
      this.nnzJudgeAt = t + NNZ_SETTLE;
      this.nnzBefore = this.nnzDetector.report!.beforeMean;
    }
    if (this.nnzJudgeAt === 0 || t < this.nnzJudgeAt) return null;
    this.nnzJudgeAt = 0;
    const before = this.nnzBefore;
    const drop = before - this.nnzRecent;
    if (!(drop >= this.nnzMinChange * Math.max(before, 1e-12))) return null;
    return this.nnzFinding(t, before, drop);
  }

  /**
   * The fields that account for a fall of `drop` non-zeros per event; null when they all stopped
   * or fell and their stops and falls were reported (the fall says nothing more).
   */
  private nnzFinding(t: number, before: number, drop: number): NnzFinding | null {
    this.flushAll();
    const candidates: FallCandidate[] = [];
    for (let s = 0; s < this.used; s++) {
      const kind = this.kind[s];
      if (kind === FREE || (kind === FEATURE && this.fieldOf[s] >= 0) || this.f[s * S + COUNT] === 0)
        continue;
      const c = this.f[s * S + COUNT];
      const q = c / (this.f[s * S + EXPOSURE] + 1);
      const perOccurrence = kind === FIELD ? this.f[s * S + LEVEL_SUM] / c : 1;
      if (!this.regular(s)) {
        if (kind === FIELD) this.fewerLevels(s, q, perOccurrence, drop, candidates);
        continue;
      }
      const qlo = Math.max(0, c - 3 * Math.sqrt(c)) / (this.f[s * S + EXPOSURE] + 1);
      const absent = t - this.f[s * S + LAST];
      const falling =
        this.status[s] === STOPPED ||
        absent * qlo >= Math.log(100) ||
        this.f[s * S + DOWN] > 0.5 * this.threshold();
      if (!falling) {
        // a field that goes on at its rate may send fewer levels an event (a list field's items)
        if (kind === FIELD) this.fewerLevels(s, q, perOccurrence, drop, candidates);
        continue;
      }
      candidates.push({
        field: kind === FIELD ? this.fieldName[s] : null,
        index: kind === FIELD ? -1 : this.keyOf[s],
        nonZerosPerEvent: q * perOccurrence,
        status: this.status[s],
      });
    }
    // falls reported since shortly before the non-zeros fell: their rates restarted when reported
    const since = t - NNZ_SETTLE - this.groupEvents;
    const listed = new Set(candidates.map((c) => `${c.field ?? ''}\u0000${c.index}`));
    for (const x of this.reportedFalls)
      if (x.at >= since && !listed.has(`${x.field ?? ''}\u0000${x.index}`))
        candidates.push({ ...x, status: REPORTED });
    candidates.sort((a, b) => b.nonZerosPerEvent - a.nonZerosPerEvent || a.index - b.index);
    const fields = [];
    let covered = 0;
    let armed = false;
    let stopped = true;
    for (const c of candidates) {
      if (covered >= drop || fields.length >= 20) break;
      fields.push({
        field: c.field,
        index: c.index,
        nonZerosPerEvent: c.nonZerosPerEvent,
        ...(c.levels !== undefined ? { levels: c.levels } : {}),
      });
      covered += c.nonZerosPerEvent;
      if (c.status === ARMED) armed = true;
      if (c.status !== STOPPED && c.status !== REPORTED) stopped = false;
    }
    // accounted for (to the noise of the moving average: 80 %) by stops or falls already reported, or by
    // features never armed (no established rate to fall from)
    const explained = fields.length > 0 && covered >= 0.8 * drop && !armed;
    if (explained && stopped) return null;
    return {
      beforeMean: before,
      recentMean: this.nnzRecent,
      ...(explained ? { severity: 'info' as const } : {}),
      fields,
    };
  }

  /**
   * A field (slot `s`, rate q, `perOccurrence` levels an occurrence over its history) whose moving
   * average of levels an occurrence is below that by a share of a non-zeros fall of `drop` worth
   * naming: a candidate for the fall, by q times its levels' fall (the field goes on arriving).
   */
  private fewerLevels(
    s: number,
    q: number,
    perOccurrence: number,
    drop: number,
    candidates: FallCandidate[],
  ): void {
    const o = s * S;
    // (read, not folded: judging a fall changes no state, so the state does not depend on when)
    const n = this.f[o + LEVEL_N];
    if (n < FEWER_LEVELS_OCCURRENCES) return;
    const now = this.f[o + LEVELS_NOW];
    const last = this.f[o + LEVEL_RECENT];
    const recent = now === 0 ? last : last === 0 ? now : last + (now - last) / NNZ_AVERAGE;
    const fall = q * (perOccurrence - recent);
    if (!(recent > 0) || !(fall >= FEWER_LEVELS_SHARE * drop)) return;
    // beyond the moving average's noise (its variance: the levels' over 2·NNZ_AVERAGE − 1): a
    // field of 1 to 10 items an event is not named for a fall that is another field's
    const mean = this.f[o + LEVEL_SUMF] / n;
    const spread = Math.sqrt(Math.max(0, this.f[o + LEVEL_SUM2] / n - mean * mean));
    if (perOccurrence - recent < (FEWER_LEVELS_SDS * spread) / Math.sqrt(2 * NNZ_AVERAGE - 1)) return;
    candidates.push({
      field: this.fieldName[s],
      index: -1,
      nonZerosPerEvent: fall,
      // an established field: the fall is news (a warning), as a rate that fell
      status: ARMED,
      levels: { before: perOccurrence, recent },
    });
  }

  // --- the table --------------------------------------------------------------------------------

  private admitFeature(key: number, code: number, x: NamedFeatures, t: number): number {
    if (this.features >= this.maxTracked) {
      // no room to make: only the count (what addEstimate adds, without reading the rows back)
      if (this.victims.length === 0) {
        this.sketch.add(key);
        return -1;
      }
      if (this.sketch.addEstimate(key) < PROMOTE_COUNT) return -1;
      const victim = this.victims.pop()!;
      if (this.kind[victim] !== FEATURE || this.status[victim] === ARMED) return -1;
      this.release(victim);
    }
    const slot = this.take();
    this.kind[slot] = FEATURE;
    this.keyOf[slot] = key;
    this.featureSlot.set(key, slot);
    this.features++;
    const field =
      code !== CODE_UNKNOWN ? Math.max(-1, this.fieldOfCode(code, t)) : this.fieldOfColumn(key, x, t);
    this.fieldOf[slot] = field;
    if (field >= 0) this.levels[field]++;
    if (t > this.warmupEvents) {
      const history = this.sketch.estimate(key);
      this.f[slot * S + APPEAR_FROM] = t;
      this.f[slot * S + HISTORY] = history;
      this.f[slot * S + PRIOR] = Math.min(t - 1, this.horizonEvents);
    }
    return slot;
  }

  /**
   * `fieldOfName(x.nameOf(key), t)`, from the cache when it holds the column, else from
   * `x.fieldOf` when it knows the field (no name is built), else from the name.
   */
  private fieldOfColumn(key: number, x: NamedFeatures, t: number): number {
    if (this.droppedFields.length > 0) this.dropColumns();
    const entry = this.columns[key & this.columnMask];
    if (entry !== 0 && entry >>> 16 === key >>> this.columnBits) {
      const field = (entry & (TAG - 1)) - FIELD_CODE;
      return field >= 0 ? field : -1;
    }
    const known = x.fieldOf !== undefined ? x.fieldOf(key) : null;
    // `field=value` with no `=` in the field: the name's first `=` ends the field
    if (known !== null && known.indexOf('=') < 0) {
      const field = this.fieldOfField(known, t);
      this.cacheColumn(key, field >= 0 ? field : NO_ROOM);
      return field;
    }
    const name = x.nameOf(key);
    const field = this.fieldOfName(name, t);
    this.cacheColumn(key, field >= 0 ? field : name.indexOf('=') < 0 ? NUMBER : NO_ROOM);
    return field;
  }

  /** `fieldOfColumn` for a column of field code `code` (≠ CODE_UNKNOWN): NUMBER, NO_ROOM or a slot. */
  private fieldOfCode(code: number, t: number): number {
    if (code >= this.codeSlot.length) {
      const bigger = new Int32Array(Math.max(2 * this.codeSlot.length, this.codeNames!.length, code + 1));
      bigger.set(this.codeSlot);
      this.codeSlot = bigger;
    }
    const entry = this.codeSlot[code];
    if (entry !== 0) return entry - FIELD_CODE;
    const slot = code === CODE_NONE ? NUMBER : this.fieldOfField(this.codeNames![code], t);
    // (fieldOfField's −1 is no room)
    const field = slot >= 0 || code === CODE_NONE ? slot : NO_ROOM;
    this.codeSlot[code] = field + FIELD_CODE;
    return field;
  }

  /** Field codes from now on are those of `names` (another vocabulary's). */
  private adoptCodes(names: readonly string[]): void {
    this.codeNames = names;
    this.codeSlot.fill(0);
  }

  private cacheColumn(key: number, field: number): void {
    // a column whose tag or field does not fit an entry is named each time
    if (this.fieldCacheSize === 0 || !(key >= 0) || field + FIELD_CODE >= TAG) return;
    const had = this.columns[key & this.columnMask];
    if (
      had !== 0 &&
      had >>> 16 !== key >>> this.columnBits &&
      ++this.columnEvictions > this.columnMask >> 5 &&
      this.columnMask < this.fieldCacheSize - 1
    ) {
      this.growColumns();
    }
    const tag = key >>> this.columnBits;
    if (tag >= 0x8000) return;
    this.columns[key & this.columnMask] = tag * TAG + field + FIELD_CODE;
  }

  /** Doubles the column cache, keeping its entries. */
  private growColumns(): void {
    const old = this.columns;
    const bits = this.columnBits;
    const size = 2 * old.length;
    const columns = new Int32Array(size);
    for (let j = 0; j < old.length; j++) {
      const entry = old[j];
      if (entry === 0) continue;
      // the key's bit `bits` moves from the tag into the index
      const tag = entry >>> 16;
      columns[((tag & 1) << bits) | j] = (tag >>> 1) * TAG + (entry & (TAG - 1));
    }
    this.columns = columns;
    this.columnMask = size - 1;
    this.columnBits = bits + 1;
    this.columnEvictions = 0;
  }

  /** Drops the entries of the released field slots, and the NO_ROOM ones (a slot is free now). */
  private dropColumns(): void {
    const drop = new Uint8Array(this.capacity + FIELD_CODE);
    drop[NO_ROOM + FIELD_CODE] = 1;
    for (const slot of this.droppedFields) drop[slot + FIELD_CODE] = 1;
    this.droppedFields = [];
    const columns = this.columns;
    for (let j = 0; j < columns.length; j++) {
      const code = columns[j] & (TAG - 1);
      if (code < drop.length && drop[code] === 1) columns[j] = 0;
    }
  }

  /** Drops the code entries of field slot `slot` (released) and the NO_ROOM ones (a slot is free now). */
  private dropCodes(slot: number): void {
    const codeSlot = this.codeSlot;
    for (let c = 0; c < codeSlot.length; c++) {
      const entry = codeSlot[c];
      if (entry === slot + FIELD_CODE || entry === NO_ROOM + FIELD_CODE) codeSlot[c] = 0;
    }
  }

  /** Empties the column cache (after a reset or restore, its field slots mean nothing). */
  private forgetColumns(): void {
    this.codeSlot.fill(0);
    this.columns.fill(0);
    this.columnEvictions = 0;
    this.droppedFields = [];
  }

  /** The field slot of `field=value` names (created when there is room), or −1 (numbers, table full). */
  private fieldOfName(name: string, t: number): number {
    const eq = name.indexOf('=');
    if (eq < 0) return -1;
    return this.fieldOfField(name.slice(0, eq), t);
  }

  /** The slot of categorical field `field` (created when there is room), or −1 (table full). */
  private fieldOfField(field: string, t: number): number {
    const known = this.fieldSlot.get(field);
    if (known !== undefined) return known;
    if (this.fields >= this.maxFields) return -1;
    const slot = this.take();
    this.kind[slot] = FIELD;
    this.keyOf[slot] = -1;
    this.fieldOf[slot] = -1;
    this.fieldName[slot] = field;
    this.fieldSlot.set(field, slot);
    this.fields++;
    if (t > this.warmupEvents) {
      this.f[slot * S + APPEAR_FROM] = t;
      this.f[slot * S + PRIOR] = Math.min(t - 1, this.horizonEvents);
    }
    return slot;
  }

  private take(): number {
    if (this.freeSlots.length > 0) return this.freeSlots.pop()!;
    if (this.used === this.capacity) this.allocate(this.capacity * 2);
    return this.used++;
  }

  private release(slot: number): void {
    if (this.status[slot] === ARMED) {
      this.armed--;
      this.flushAll();
    }
    if (this.kind[slot] === FEATURE) {
      const key = this.keyOf[slot];
      this.featureSlot.delete(key);
      if (this.f[slot * S + COUNT] > 0) this.sketch.add(key, Math.round(this.f[slot * S + COUNT]));
      if (this.fieldOf[slot] >= 0) this.levels[this.fieldOf[slot]]--;
      this.features--;
    } else {
      this.closeGroup(slot, this.seen);
      this.fieldSlot.delete(this.fieldName[slot]!);
      this.fieldName[slot] = null;
      this.fields--;
      this.droppedFields.push(slot);
      // (with field codes, the column cache may go unread for long: its drops are bounded)
      if (this.droppedFields.length > 64) this.dropColumns();
      this.dropCodes(slot);
    }
    // the whole row: RUN_FROM is 0 here (no run outlives an armed status), RUN_UNTIL is read only with it
    this.f.fill(0, slot * S, slot * S + S);
    // every I32 and U8 array but `gen`, which goes on
    this.keyOf[slot] = this.fieldOf[slot] = this.levels[slot] = 0;
    this.kind[slot] = this.status[slot] = 0;
    this.gen[slot]++;
    this.freeSlots.push(slot);
  }

  /**
   * Every MAINTAIN_EVERY events: features and fields not seen for a horizon (and not under a stop
   * test) leave the table, and rarely seen features are listed as the ones to replace when a
   * sketched feature comes back often enough. O(table) per call, O(table / 1024) per event.
   */
  private maintain(t: number): void {
    this.flushAll();
    this.victims = this.scanTable(t).reverse();
  }

  /**
   * `maintain`'s pass over the table: releases what left, returns the rare features in slot order.
   * Its own function, with nothing after the loop: the loop runs on-stack-replaced code, compiled
   * mid-loop at some call, which would otherwise stop (deoptimize) at code after the loop that had
   * not run yet when it was compiled, at every later call that enters it.
   */
  private scanTable(t: number): number[] {
    const victims: number[] = [];
    for (let s = 0; s < this.used; s++) {
      const kind = this.kind[s];
      if (kind === FREE || this.status[s] === ARMED) continue;
      if (kind === FIELD && this.levels[s] > 0) continue;
      if (t - this.f[s * S + LAST] > this.horizonEvents) this.release(s);
      else if (kind === FEATURE && this.f[s * S + COUNT] < PROMOTE_COUNT && victims.length < MAX_VICTIMS)
        victims.push(s);
    }
    return victims;
  }

  private allocate(capacity: number): void {
    const grow = <A extends Float64Array | Int32Array | Uint8Array>(
      old: A | undefined,
      make: (n: number) => A,
    ) => {
      const a = make(capacity);
      if (old !== undefined) a.set(old.subarray(0, Math.min(old.length, a.length)));
      return a;
    };
    const keep = this.capacity < capacity && this.capacity > 0;
    this.f = grow(keep ? this.f : undefined, (n) => new Float64Array(n * S));
    for (const name of I32) this[name] = grow(keep ? this[name] : undefined, (n) => new Int32Array(n));
    for (const name of U8) this[name] = grow(keep ? this[name] : undefined, (n) => new Uint8Array(n));
    if (!keep) {
      this.fieldName = [];
      this.runs = 0;
    }
    this.capacity = capacity;
  }

  // --- state -------------------------------------------------------------------------------------

  /**
   * Everything that decides future reports: the slot table (typed arrays up to the high-water
   * mark), the feature and field maps in insertion order, the free slots and replacement list in
   * order, the deadline heap, the sketch and the non-zeros test. Keys are the featurizer's column
   * indices, which are checkpointed with the model.
   */
  state(): SequentialSparsityState {
    this.flushAll();
    const n = this.used;
    return {
      maxTracked: this.maxTracked,
      maxFields: this.maxFields,
      used: n,
      f64: F64.map(([, k]) => {
        const column = new Float64Array(n);
        for (let s = 0; s < n; s++) column[s] = this.f[s * S + k];
        return column;
      }),
      i32: I32.map((name) => this[name].slice(0, n)),
      u8: U8.map((name) => this[name].slice(0, n)),
      fieldNames: Array.from({ length: n }, (_, s) => this.fieldName[s] ?? null),
      featureKeys: Int32Array.from(this.featureSlot.keys()),
      featureSlots: Int32Array.from(this.featureSlot.values()),
      fieldKeys: [...this.fieldSlot.keys()],
      fieldSlots: Int32Array.from(this.fieldSlot.values()),
      freeSlots: Int32Array.from(this.freeSlots),
      victims: Int32Array.from(this.victims),
      features: this.features,
      fields: this.fields,
      armed: this.armed,
      heap: this.heap.state(),
      sketch: this.sketch.state(),
      nnz: this.nnzDetector.state(),
      nnzRecent: this.nnzRecent,
      nnzBefore: this.nnzBefore,
      nnzJudgeAt: this.nnzJudgeAt,
      reportedFalls: this.reportedFalls.map((x) => ({ ...x })),
      seen: this.seen,
      detected: this.detected,
      last: this.lastReport,
      groups: [...this.groups].map(([slot, g]) => ({
        field: this.fieldName[slot]!,
        from: g.from,
        findings: [...g.findings],
      })),
    };
  }

  restore(state: SequentialSparsityState): void {
    if (state.maxTracked !== this.maxTracked || state.maxFields !== this.maxFields) {
      throw new StateError(
        `sequential input-drift checkpoint tracks ${state.maxTracked} features and ${state.maxFields} fields but the configuration says ${this.maxTracked} and ${this.maxFields}`,
      );
    }
    const n = state.used;
    const ok =
      Number.isInteger(n) &&
      n >= 0 &&
      state.f64.length <= F64.length &&
      state.f64.length >= F64.length - F64_ADDED &&
      state.f64.every((a) => a instanceof Float64Array && a.length === n) &&
      state.i32.length === I32.length &&
      state.i32.every((a) => a instanceof Int32Array && a.length === n) &&
      state.u8.length === U8.length &&
      state.u8.every((a) => a instanceof Uint8Array && a.length === n) &&
      state.featureKeys.length === state.featureSlots.length &&
      state.fieldKeys.length === state.fieldSlots.length &&
      [...state.featureSlots, ...state.fieldSlots, ...state.freeSlots].every((s) => s >= 0 && s < n);
    if (!ok) throw new StateError('sequential input-drift checkpoint is malformed (slot arrays)');
    this.featureSlot.clear();
    this.fieldSlot.clear();
    this.forgetColumns();
    this.capacity = 0;
    this.allocate(Math.max(8, n));
    F64.forEach(([, k], j) => {
      // (allocate zeroed the rows: a column the checkpoint lacks stays 0)
      const column = state.f64[j];
      if (column !== undefined) for (let s = 0; s < n; s++) this.f[s * S + k] = column[s];
    });
    // a checkpoint with the levels' sum of squares but not their count (written between the two
    // additions): the spread starts again with the count, or it would be measured against none
    if (state.f64.length <= F64.findIndex(([name]) => name === 'levelN'))
      for (let s = 0; s < n; s++) this.f[s * S + LEVEL_SUM2] = 0;
    I32.forEach((name, k) => this[name].set(state.i32[k]));
    U8.forEach((name, k) => this[name].set(state.u8[k]));
    this.fieldName = [...state.fieldNames];
    state.featureKeys.forEach((key, k) => this.featureSlot.set(key, state.featureSlots[k]));
    state.fieldKeys.forEach((key, k) => this.fieldSlot.set(key, state.fieldSlots[k]));
    this.used = n;
    this.freeSlots = [...state.freeSlots];
    this.victims = [...state.victims];
    this.features = state.features;
    this.fields = state.fields;
    this.armed = state.armed;
    this.heap.restore(state.heap);
    this.sketch.restore(state.sketch);
    this.nnzDetector.restore(state.nnz);
    this.nnzRecent = state.nnzRecent;
    this.nnzBefore = state.nnzBefore;
    this.nnzJudgeAt = state.nnzJudgeAt;
    this.reportedFalls = (state.reportedFalls ?? []).map((x) => ({ ...x }));
    this.seen = state.seen;
    this.detected = state.detected;
    this.lastReport = state.last;
    this.groups.clear();
    for (const g of state.groups ?? []) {
      const slot = this.fieldSlot.get(g.field);
      if (slot === undefined)
        throw new StateError(
          `sequential input-drift checkpoint holds findings of field ${g.field}, which its table does not have: the checkpoint is damaged; start the drift monitor from scratch`,
        );
      this.groups.set(slot, { from: g.from, findings: [...g.findings] });
    }
    this.refreshGroupsDue();
  }
}

/** A feature or field that may account for a fall of non-zeros (`nnzFinding`), with its slot status. */
interface FallCandidate {
  readonly field: string | null;
  readonly index: number;
  readonly nonZerosPerEvent: number;
  readonly status: number;
  readonly levels?: { readonly before: number; readonly recent: number };
}

/** A reported rate fall of a feature or field the non-zeros test weighs (`nnzFinding`). */
export interface ReportedFall {
  readonly field: string | null;
  readonly index: number;
  /** Non-zeros per event the fall took away (reference rate − recent rate, times its non-zeros). */
  readonly nonZerosPerEvent: number;
  /** The event at which it was reported. */
  readonly at: number;
}

/** The state of a `SequentialSparsityDetector`; per-slot arrays in the order of F64, I32, U8. */
export interface SequentialSparsityState {
  readonly maxTracked: number;
  readonly maxFields: number;
  readonly used: number;
  readonly f64: readonly Float64Array[];
  readonly i32: readonly Int32Array[];
  readonly u8: readonly Uint8Array[];
  readonly fieldNames: ReadonlyArray<string | null>;
  readonly featureKeys: Int32Array;
  readonly featureSlots: Int32Array;
  readonly fieldKeys: readonly string[];
  readonly fieldSlots: Int32Array;
  readonly freeSlots: Int32Array;
  readonly victims: Int32Array;
  readonly features: number;
  readonly fields: number;
  readonly armed: number;
  readonly heap: DeadlineHeapState;
  readonly sketch: CountMinSketchState;
  readonly nnz: GuardedDetectorState;
  readonly nnzRecent: number;
  readonly nnzBefore: number;
  readonly nnzJudgeAt: number;
  /** Rate falls reported lately (absent in checkpoints before them). */
  readonly reportedFalls?: readonly ReportedFall[];
  readonly seen: number;
  readonly detected: boolean;
  readonly last: SequentialSparsityReport | null;
  /** Pending level groups, in the order they opened (absent in checkpoints before groups). */
  readonly groups?: readonly LevelGroup[];
}

/** Kullback-Leibler divergence KL(Bernoulli(p) ‖ Bernoulli(q)), in nats. */
export function bernoulliKl(p: number, q: number): number {
  const a = p > 0 ? p * Math.log(p / q) : 0;
  const b = p < 1 ? (1 - p) * Math.log((1 - p) / (1 - q)) : 0;
  return a + b;
}

/**
 * True when the CUSUMs' ratios at `rate` stand for q0 = c / n (no refresh): q0 is certainly within
 * 0.9 % of `rate`, found without the division (the 0.1 % margin dwarfs rounding: c ≥ 1, n − c ≥ ½,
 * n ≤ 1e11, so q0 is not clamped either). False does not mean a refresh: then the caller decides.
 */
function llrCurrent(c: number, n: number, rate: number): boolean {
  return c >= 1 && n - c >= 0.5 && n <= 1e11 && Math.abs(c - rate * n) <= 0.009 * Math.min(c, n - c);
}

/**
 * Gaps as variable as Bernoulli arrivals give (geometric: variance = mean · (mean + 1)), from n
 * gaps, their sum and their sum of squares.
 */
function isRegular(n: number, sum: number, sum2: number, maxDispersion: number): boolean {
  if (n < 2) return true;
  // no gap yet (a feature in every event): mean 0, so the test below is variance === 0
  if (sum === 0 && sum2 === 0) return true;
  const mean = sum / n;
  const variance = Math.max(0, sum2 / n - mean * mean);
  if (mean === 0) return variance === 0;
  return variance <= maxDispersion * mean * (mean + 1);
}

function clampRate(q: number): number {
  return Math.min(1 - 1e-12, Math.max(1e-12, q));
}

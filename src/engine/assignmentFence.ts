import type { KeyedEvents, RoutedBatch } from '../stream/engineTypes.js';
import type { RawBatch, RawRecord } from '../stream/types.js';

/** A partition's key in the fence's map. */
function partitionKey(p: { readonly source: string; readonly partition?: number }): string {
  return `${p.partition ?? -1}\u0000${p.source}`;
}

/**
 * Which records read before a partition assignment may still be learned after it. A batch the
 * source emitted before an assignment can still be in the pipeline (waiting for `prepare` or
 * for its turn to decode) when the assignment drops the models of the partitions that went
 * elsewhere: learned then, its events would make a model again from a partial history (a new one,
 * or an old state) and publish versions that the partition's new owner publishes too, with other
 * weights. So a record is learned only if its partition has been assigned here, without a break,
 * since before the record was read; with `rewind` (exactly-once: every assignment goes back to
 * the last checkpoint) every assignment is a break, and so is one after this instance lost its
 * partitions (it was out of the group: another member may have read them meanwhile). The others
 * are not lost: they were not committed, and whoever owns their partition now reads them again.
 *
 * `read` stamps each batch as the source emits it (by its records array: each batch has its own);
 * `assigned` must be called as an assignment arrives (before the source emits any record of it).
 * Before the first assignment, and for a source without assignments, everything is learned.
 */
export class AssignmentFence {
  /** Assignments so far. */
  private epoch = 0;
  /** The epoch each batch (by its records array, which the stages after decoding keep) was read in. */
  private readonly readIn = new WeakMap<readonly RawRecord[], number>();
  /** By `partitionKey`: the epoch from which a partition has been assigned here without a break. */
  private ownedSince: Map<string, number> | null = null;
  /** Records not learned because their partition was revoked since they were read. */
  refused = 0;

  constructor(private readonly rewind: boolean) {}

  /** The current assignment (0 before the first): a checkpoint's capture notes it. */
  get current(): number {
    return this.epoch;
  }

  /**
   * Every partition of `partitions` has been assigned here without a break since assignment
   * `epoch` (always true without assignments): a state captured then may still be written.
   */
  heldSince(
    partitions: ReadonlyArray<{ readonly source: string; readonly partition?: number }>,
    epoch: number,
  ): boolean {
    if (this.ownedSince === null) return true;
    for (const p of partitions) {
      const since = this.ownedSince.get(partitionKey(p));
      if (since === undefined || since > epoch) return false;
    }
    return true;
  }

  /** Stamps a batch the source just emitted with the current assignment. */
  read(batch: RawBatch): void {
    if (this.ownedSince !== null) this.readIn.set(batch.records, this.epoch);
  }

  /**
   * A new assignment arrived; `lost`: the previous one was lost (this instance left its group
   * meanwhile), so a partition assigned again is a break too.
   */
  assigned(
    assignment: ReadonlyArray<{ readonly source: string; readonly partition: number }>,
    lost = false,
  ): void {
    const epoch = ++this.epoch;
    const before = this.rewind || lost ? null : this.ownedSince;
    const next = new Map<string, number>();
    for (const p of assignment) {
      const key = partitionKey(p);
      next.set(key, before?.get(key) ?? epoch);
    }
    this.ownedSince = next;
  }

  /** The epoch `records` were read in, or null when every record is learned (not fenced). */
  private stamp(records: readonly RawRecord[]): number | null {
    if (this.ownedSince === null) return null;
    const read = this.readIn.get(records);
    return read === undefined || read === this.epoch ? null : read;
  }

  private admits(position: { readonly source: string; readonly partition?: number }, read: number): boolean {
    const since = this.ownedSince!.get(partitionKey(position));
    return since !== undefined && since <= read;
  }

  /**
   * The raw batch, or null when none of its records is to be learned (it is not decoded: its
   * dead letters, if any, are its new owner's). A batch with some records to learn goes on whole;
   * `routed` leaves out the others once it is decoded.
   */
  raw(batch: RawBatch): RawBatch | null {
    const read = this.stamp(batch.records);
    if (read === null) return batch;
    for (const { position } of batch.records) if (this.admits(position, read)) return batch;
    this.refused += batch.records.length;
    return null;
  }

  /**
   * The decoded batch without the events whose partition was revoked since it was read, and
   * without their records (which are then neither noted for a checkpoint nor committed: their
   * partition's owner reads them from its committed offset).
   */
  routed(batch: RoutedBatch): RoutedBatch {
    const read = this.stamp(batch.records);
    if (read === null) return batch;
    let parts: KeyedEvents[] | null = null;
    for (let p = 0; p < batch.parts.length; p++) {
      const part = batch.parts[p];
      const kept = this.keep(part, read);
      if (kept === part && parts === null) continue;
      parts ??= batch.parts.slice(0, p);
      if (kept.events.length > 0) parts.push(kept);
    }
    const records = batch.records.filter(({ position }) => this.admits(position, read));
    if (parts === null && records.length === batch.records.length) return batch;
    return { ...batch, parts: parts ?? batch.parts, records };
  }

  /** The part's events whose partition is admitted (the part itself when all are). */
  private keep(part: KeyedEvents, read: number): KeyedEvents {
    const { events, positions } = part;
    const kept: KeyedEvents = { key: part.key, events: [], positions: [] };
    for (let i = 0; i < positions.length; i++) {
      if (!this.admits(positions[i], read)) continue;
      kept.events.push(events[i]);
      kept.positions.push(positions[i]);
    }
    this.refused += positions.length - kept.positions.length;
    return kept.positions.length === positions.length ? part : kept;
  }
}

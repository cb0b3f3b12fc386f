import type { L1Event } from '../core/event.js';
import { forEachFeature } from '../features/namedValues.js';

/**
 * Which of the models' fields the input's events carry, and with which kind of value, for `score`'s
 * warnings: a non-zero feature whose field is in no event (a field renamed or misspelt), and one
 * whose field came only with the other kind of value (`{"age": "42"}` is the one-hot `age=42`, not
 * the number `age`; `{"plan": 2}` is the number `plan`, not a level `plan=...`). Both score as 0.
 * A feature `country=DE` is of field `country` (or, for a field name with `=`, of `country=DE`
 * itself); only fields of the models are kept, so memory is bounded by the models' size.
 */
export class ModelFieldsSeen {
  /** Each field of the models, and whether some feature needs it as a number, as text. */
  private readonly needs = new Map<string, { number: boolean; text: boolean }>();
  private readonly seen = new Set<string>();
  private readonly numbers = new Set<string>();
  private readonly texts = new Set<string>();
  /** Fields seen with every kind of value some feature needs: nothing more to learn from them. */
  private done = 0;
  /** Fields some feature needs as a number, and none as text. */
  private numberFields = 0;
  /** Per field needed as a number only: events that sent it as text, and their first few values. */
  private readonly textForNumber = new Map<string, { events: number; examples: string[] }>();

  constructor(private readonly names: readonly string[]) {
    for (const name of names) {
      for (const field of fieldsOf(name)) {
        const need = this.needs.get(field) ?? { number: false, text: false };
        if (field === name) need.number = true;
        else need.text = true;
        this.needs.set(field, need);
      }
    }
    for (const need of this.needs.values()) if (need.number && !need.text) this.numberFields++;
  }

  /** Notes the fields of one event, and the kind of their values. */
  add(event: L1Event): void {
    if (this.done === this.needs.size && this.numberFields === 0) return;
    forEachFeature(event, (field, v) => {
      const need = this.needs.get(field);
      if (need === undefined) return;
      // (a field the models also have levels of scored through them: not counted)
      if (need.number && !need.text && typeof v === 'string') {
        const found = this.textForNumber.get(field) ?? { events: 0, examples: [] };
        found.events++;
        if (found.examples.length < 3) found.examples.push(v);
        this.textForNumber.set(field, found);
      }
      const before = this.isDone(field, need);
      this.seen.add(field);
      // as the featurizer reads them: a number or boolean is the column `field`, text its levels
      if (typeof v === 'number' || typeof v === 'boolean') this.numbers.add(field);
      else this.texts.add(field);
      if (!before && this.isDone(field, need)) this.done++;
    });
  }

  /** The models' non-zero features none of whose possible fields was in any event. */
  absent(): string[] {
    return this.names.filter((name) => !fieldsOf(name).some((f) => this.seen.has(f)));
  }

  /**
   * The models' non-zero features whose field was in some event, but never with the kind of value
   * the feature is made from: `kind` is what the model's feature is (`number` for `age`, `text` for
   * `plan=b`).
   */
  otherKind(): Array<{ name: string; kind: 'number' | 'text' }> {
    const out: Array<{ name: string; kind: 'number' | 'text' }> = [];
    for (const name of this.names) {
      const fields = fieldsOf(name);
      if (!fields.some((f) => this.seen.has(f))) continue;
      if (this.numbers.has(name) || fields.some((f) => f !== name && this.texts.has(f))) continue;
      out.push({ name, kind: this.texts.has(name) ? 'number' : 'text' });
    }
    return out;
  }

  /**
   * The fields the models have as numbers that came as text in some events but as numbers in
   * others (`otherKind` has those that never came as numbers): those events scored 0 for them.
   */
  textInNumberFields(): Array<{ field: string; events: number; examples: readonly string[] }> {
    const out: Array<{ field: string; events: number; examples: readonly string[] }> = [];
    for (const [field, { events, examples }] of this.textForNumber)
      if (this.numbers.has(field)) out.push({ field, events, examples });
    return out;
  }

  private isDone(field: string, need: { number: boolean; text: boolean }): boolean {
    if (!this.seen.has(field)) return false;
    return (!need.number || this.numbers.has(field)) && (!need.text || this.texts.has(field));
  }
}

/** The fields a feature name can come from: itself, and each prefix before an `=`. */
function fieldsOf(name: string): string[] {
  const out = [name];
  for (let at = name.indexOf('='); at >= 0; at = name.indexOf('=', at + 1)) out.push(name.slice(0, at));
  return out;
}

/**
 * What of a model can be compared with the planted truth. A one-hot field with an intercept is
 * identified only up to a constant (add c to every level of `ad_position` and take c from the
 * intercept: the same predictions), so its levels are compared as differences from a reference
 * level, and the intercept as the log-odds of an event at the reference levels. Numbers,
 * booleans and the multi-valued `tags` are single columns, identified on their own.
 */
import { truth, truthIntercept } from './generate.js';

/** The level of each planted one-hot field that the truth codes as 0. */
export const referenceLevels: Readonly<Record<string, string>> = {
  ad_position: 'bottom',
  device: 'mobile',
  site: 'sports',
};

export interface Contrast {
  /** `ad_position=top − ad_position=bottom`, `premium`, or `(intercept at the reference levels)`. */
  readonly name: string;
  readonly value: number;
}

const interceptRow = '(intercept at the reference levels)';

/** The identifiable contrasts of a model (intercept and coefficients by feature name), in `truth`'s order. */
export function contrasts(intercept: number, coefficients: Readonly<Record<string, number>>): Contrast[] {
  const coef = (name: string) => (Object.hasOwn(coefficients, name) ? coefficients[name]! : 0);
  let atReference = intercept;
  for (const [field, level] of Object.entries(referenceLevels)) atReference += coef(`${field}=${level}`);
  const rows: Contrast[] = [{ name: interceptRow, value: atReference }];
  for (const name of Object.keys(truth)) {
    const [field] = name.split('=');
    const reference = name.includes('=') ? referenceLevels[field!] : undefined;
    rows.push(
      reference === undefined
        ? { name, value: coef(name) }
        : { name: `${name} − ${field}=${reference}`, value: coef(name) - coef(`${field}=${reference}`) },
    );
  }
  return rows;
}

/** The planted model's contrasts: the truth, coded as the model sees it. */
export const truthContrasts: readonly Contrast[] = contrasts(truthIntercept, truth);

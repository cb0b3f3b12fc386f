/**
 * A seeded stream of monthly customer records, labelled with whether the customer churned. The
 * numeric features are in their own units (months, dollars, calls, days, GB); the planted model is
 * `truthBefore` until `changeAt`, then `truthAfter`: a competitor's cheaper offer makes the monthly
 * charge matter three times as much. About 2 % of the records are current customers without a
 * label: they are scored.
 */
import { rng, sigmoid, type ExampleEvent } from '../shared/scenario.js';

/** Planted coefficients (original units), by feature name; every other feature is zero. */
export const truthBefore: Readonly<Record<string, number>> = {
  tenure_months: -0.04,
  monthly_charges: 0.01,
  support_calls: 0.35,
  days_since_login: 0.05,
  'contract=one-year': -0.8,
  'contract=two-year': -1.6,
  'payment=electronic-check': 0.5,
};
export const truthAfter: Readonly<Record<string, number>> = { ...truthBefore, monthly_charges: 0.03 };
export const interceptBefore = -1.6;
/** Keeps the churn rate near where it was when the charge's effect grows (mean charge ≈ 70 $). */
export const interceptAfter = interceptBefore - 0.02 * 70;

/** The event at which the planted model changes (0-based index). */
export const changeAt = (n: number): number => Math.floor(n / 2);

const contracts = ['month-to-month', 'one-year', 'two-year'];
const payments = ['electronic-check', 'card', 'bank-transfer', 'mailed-check'];

export function customers(seed: number, n: number): ExampleEvent[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const poisson = (mean: number): number => {
    let k = 0;
    for (let p = r(); p > Math.exp(-mean); p *= r()) k++;
    return k;
  };
  const events: ExampleEvent[] = [];
  for (let i = 0; i < n; i++) {
    const features = {
      tenure_months: 1 + Math.floor(r() * 72),
      monthly_charges: Math.round((20 + r() * 100) * 100) / 100,
      support_calls: poisson(1.5),
      days_since_login: Math.round(-Math.log(1 - r()) * 10),
      contract: r() < 0.5 ? 'month-to-month' : pick(contracts.slice(1)),
      payment: pick(payments),
      age: 18 + Math.floor(r() * 62),
      data_usage_gb: Math.round(r() * 500) / 10,
      devices: 1 + Math.floor(r() * 5),
      region: `R${Math.floor(r() * 8)}`,
    };
    const after = i >= changeAt(n);
    const truth = after ? truthAfter : truthBefore;
    let eta = after ? interceptAfter : interceptBefore;
    for (const [name, beta] of Object.entries(truth)) {
      const [field, level] = name.split('=');
      const v = features[field as keyof typeof features];
      eta += level === undefined ? beta * (v as number) : v === level ? beta : 0;
    }
    const churned = r() < sigmoid(eta) ? 1 : 0;
    const current = r() < 0.02;
    events.push({
      key: `cust${1 + Math.floor(r() * 50_000)}`,
      ts: 1_764_460_800_000 + i * 1000,
      ...(current ? {} : { label: churned }),
      features,
    });
  }
  return events;
}

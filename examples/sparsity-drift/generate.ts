/**
 * A seeded stream of food deliveries, labelled with the delivery time in minutes (gaussian). Two
 * upstream sources enrich each order: a weather feed (`temperature`, a number present in every
 * event) and the client SDK (`browser`, a categorical field). Both switch off at a known event:
 * from `switchOffAt` on, neither field arrives any more, and nothing else changes. Delivery times
 * still depend on the temperature (+0.3 min per °C), so the model's loss rises too.
 */
import { rng, type ExampleEvent } from '../shared/scenario.js';

/** 0-based index of the first event without `temperature` and `browser`. */
export const switchOffAt = (n: number): number => Math.floor(n * 0.55);

/** The features that stop arriving (every level of `browser`). */
export const browsers = ['chrome', 'safari', 'firefox', 'edge', 'samsung'];
export const stoppedFields = ['temperature', 'browser'];

export function deliveries(seed: number, n: number): ExampleEvent[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const off = switchOffAt(n);
  const events: ExampleEvent[] = [];
  for (let i = 0; i < n; i++) {
    const distance = Math.round((0.5 + r() * 9.5) * 10) / 10;
    const items = 1 + Math.floor(r() * 6);
    const courier = pick(['bike', 'scooter', 'car']);
    const city = `city${Math.floor(r() * 6)}`;
    const temperature = Math.round((2 + r() * 33) * 10) / 10; // °C, never 0
    const browser = pick(browsers);
    const rain = r() < 0.2;
    const minutes =
      12 +
      3.2 * distance +
      0.8 * items +
      (courier === 'bike' ? 4 : 0) +
      (rain ? 6 : 0) +
      0.3 * temperature +
      3 * normal();
    const features: Record<string, number | string | boolean> = {
      distance_km: distance,
      items,
      courier,
      city,
      rain,
    };
    if (i < off) Object.assign(features, { temperature, browser });
    events.push({
      key: `order${i + 1}`,
      ts: 1_764_460_800_000 + i * 500,
      label: Math.round(minutes * 10) / 10,
      features,
    });
  }
  return events;
}

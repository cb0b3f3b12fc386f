/** The Kafka benchmark's events (run.ts produces them to its topic; stages.ts decodes them in memory). */

/** Seeded events: 8 numeric features, a 50-level category, a tag array; label from a sparse logistic model. */
export function* benchEvents(n: number): Generator<Record<string, unknown>> {
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const f: Record<string, number | string | string[]> = {};
    let eta = -0.5;
    for (let j = 0; j < 8; j++) {
      const x = rand() * 2 - 1;
      f[`x${j}`] = x;
      if (j < 3) eta += (j + 1) * x;
    }
    const c = Math.floor(rand() * 50);
    f.site = `s${c}`;
    if (c < 5) eta += 1;
    f.tags = rand() < 0.5 ? ['a', 'b'] : ['c'];
    const label = rand() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    yield { key: `u${i % 1000}`, ts: 1_700_000_000_000 + i, label, features: f };
  }
}

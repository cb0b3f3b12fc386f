/**
 * A seeded ad stream for keyed runs (docs/memory.md, keyed models and hashing): `node
 * dist/bench/engine/campaignStream.js EVENTS OUT.jsonl` writes EVENTS impressions over 150 campaigns
 * (a few busy, most rare), each with a site of 20,000 (Zipf-like), a device, an hour as a string and
 * a bid, labelled by a logistic model of the device, the campaign and the site.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export async function writeCampaignStream(events: number, path: string): Promise<void> {
  // an LCG (its constants: Numerical Recipes'), seeded
  let s = 12345;
  const u = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out = createWriteStream(path);
  const devices = ['ios', 'android', 'web'];
  for (let i = 0; i < events; i++) {
    const campaign = Math.floor(150 * u() ** 2);
    const site = `site${Math.floor(20000 * u() ** 3)}`;
    const device = devices[Math.floor(3 * u())]!;
    const hour = String(Math.floor(24 * u()));
    const eta = -2 + (device === 'ios' ? 0.5 : 0) + (campaign % 7) / 7 + (site.length % 3) * 0.2;
    const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    const line = JSON.stringify({
      label,
      features: { campaign: `c${campaign}`, site, device, hour, bid: u() * 3 },
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

if (process.argv[1]?.endsWith('campaignStream.js')) {
  const [events, path] = process.argv.slice(2);
  if (!(Number(events) > 0) || path === undefined) {
    process.stderr.write('usage: node dist/bench/engine/campaignStream.js EVENTS OUT.jsonl\n');
    process.exit(2);
  }
  await writeCampaignStream(Number(events), path);
}

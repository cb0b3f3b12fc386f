// number-heavy lines: 8 features of one shape of number per line
import { writeFileSync, readFileSync } from 'node:fs';
const src = readFileSync('/tmp/nums/kafka.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 50000);
const shapes = {
  long: (x) => String(x),                       // the Kafka bench's (16-17 digits)
  one: () => '1',
  short: (x) => x.toFixed(3),                   // -0.937
};
for (const [name, f] of Object.entries(shapes)) {
  const lines = src.map((l) => { const e = JSON.parse(l); return `{"label":${e.label},"features":{` + Object.keys(e.features).filter((k) => k[0] === 'x').map((k) => `"${k}":${f(e.features[k])}`).join(',') + '}}'; });
  writeFileSync(`/tmp/nums/n-${name}.jsonl`, lines.join('\n') + '\n');
}
// 16 digits below 2^53 (the one-division path) and 17 digits (eiselLemire)
{
  const fast = (x) => { const d = String(Math.abs(x)).replace('0.', '').replace(/^0+/, ''); return x.toFixed(16).startsWith('-') ? '-0.' + ('4' + d.slice(1, 16)).padEnd(16, '3') : '0.' + ('4' + d.slice(1, 16)).padEnd(16, '3'); };
  const slow = (x) => (x < 0 ? '-0.' : '0.') + ('4' + String(Math.abs(x)).replace('0.', '').replace(/^0+/, '').slice(1, 17)).padEnd(17, '3');
  for (const [name, f] of Object.entries({ fast16: fast, slow17: slow })) {
    const lines = src.map((l) => { const e = JSON.parse(l); return `{"label":${e.label},"features":{` + Object.keys(e.features).filter((k) => k[0] === 'x').map((k) => `"${k}":${f(e.features[k])}`).join(',') + '}}'; });
    writeFileSync(`/tmp/nums/n-${name}.jsonl`, lines.join('\n') + '\n');
  }
}

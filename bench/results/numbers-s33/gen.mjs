import { writeFileSync } from 'node:fs';
const { adClicks } = await import('/work/wt-numbers/dist/examples/ad-clicks/generate.js');
const { benchEvents } = await import('/work/wt-numbers/dist/bench/kafka/events.js');
let s = [];
for (const e of adClicks(42, 200000)) s.push(JSON.stringify(e));
writeFileSync('/tmp/nums/demo.jsonl', s.join('\n') + '\n');
s = [];
for (const e of benchEvents(200000)) s.push(JSON.stringify(e));
writeFileSync('/tmp/nums/kafka.jsonl', s.join('\n') + '\n');

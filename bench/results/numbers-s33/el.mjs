// eiselLemire alone: N calls on 17-digit mantissas at 10^-17 (instructions per call by cachegrind: N vs 0)
const which = process.argv[2], N = Number(process.argv[3]);
const { eiselLemire } = await import(which === 'put' ? '/tmp/nums/put/dist/src/stream/decimalToDouble.js' : '/work/wt-numbers/dist/src/stream/decimalToDouble.js');
const w1 = new Uint32Array(4096), w0 = new Uint32Array(4096);
let seed = 1;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
for (let i = 0; i < 4096; i++) { const m = 1e16 + (rnd() % 1e8) * 1e8 + (rnd() % 1e8); w1[i] = Math.floor(m / 4294967296); w0[i] = m % 4294967296; }
let s = 0;
for (let i = 0; i < N; i++) s += eiselLemire(w1[i & 4095], w0[i & 4095], -17);
console.log(s);

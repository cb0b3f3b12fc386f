// microbench: scan digit runs of 16-unit numbers in a Uint16Array: per unit vs pairs (Uint32 view)
const N = 200000;
const parts = [];
for (let i = 0; i < N; i++) parts.push(String(Math.random()).slice(2, 18).padEnd(16, '1'));
const s = parts.join(',') + ',';
const buf = Buffer.alloc(2 * s.length + 8);
buf.write(s, 0, 'utf16le');
const codes = new Uint16Array(buf.buffer, buf.byteOffset, s.length + 2);
const u32 = new Uint32Array(buf.buffer, buf.byteOffset, (s.length + 2) >> 1);
function single() {
  let sum = 0, pos = 0;
  for (let i = 0; i < N; i++) {
    let c = codes[pos];
    let a = 0, n = 0;
    do { a = a * 10 + (c - 48); n++; c = codes[++pos]; } while (n < 8 && c >= 48 && c <= 57);
    let b = 0; n = 0;
    while (n < 8 && c >= 48 && c <= 57) { b = b * 10 + (c - 48); n++; c = codes[++pos]; }
    sum += a * 1e8 + b; pos++;
  }
  return sum;
}
function pairs() {
  let sum = 0, pos = 0;
  for (let i = 0; i < N; i++) {
    let a = 0, n = 0;
    if (pos & 1) { a = codes[pos++] - 48; n = 1; }
    for (;;) {
      const w = u32[pos >> 1];
      if ((w & 0xfff0fff0) !== 0x300030 || ((w + 0x60006) & 0xfff0fff0) !== 0x300030) break;
      a = a * 100 + (Math.imul(w & 0xf000f, 0xa0001) >>> 16); n += 2; pos += 2;
      if (n >= 16) break;
    }
    let c = codes[pos];
    if (c >= 48 && c <= 57) { a = a * 10 + (c - 48); pos++; }
    sum += a; pos++;
  }
  return sum;
}
const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
function dview() {
  let sum = 0, pos = 0;
  for (let i = 0; i < N; i++) {
    let a = 0, n = 0;
    for (;;) {
      const w = dv.getUint32(2 * pos, true);
      if ((w & 0xfff0fff0) !== 0x300030 || ((w + 0x60006) & 0xfff0fff0) !== 0x300030) break;
      a = a * 100 + (Math.imul(w & 0xf000f, 0xa0001) >>> 16); n += 2; pos += 2;
      if (n >= 16) break;
    }
    let c = codes[pos];
    if (c >= 48 && c <= 57) { a = a * 10 + (c - 48); pos++; }
    sum += a; pos++;
  }
  return sum;
}
const t = (f) => { const s = process.hrtime.bigint(); const r = f(); return [Number(process.hrtime.bigint() - s) / N, r]; };
const xs=[],ys=[],zs=[]; for (let r = 0; r < 40; r++) { xs.push(t(single)[0]); ys.push(t(pairs)[0]); zs.push(t(dview)[0]); } const med=(v)=>[...v].sort((a,b)=>a-b)[v.length>>1]; console.log("single med", med(xs).toFixed(1), "min", Math.min(...xs).toFixed(1), "pairs med", med(ys).toFixed(1), "min", Math.min(...ys).toFixed(1), "dview med", med(zs).toFixed(1), "min", Math.min(...zs).toFixed(1));

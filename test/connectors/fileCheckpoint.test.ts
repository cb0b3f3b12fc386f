import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { jsonlSource, readJsonl } from '../../connectors/file/jsonl.js';
import { highestVersions } from '../../connectors/file/modelVersions.js';
import { FileOutputSink } from '../../connectors/file/outputs.js';
import { DirectoryStateStore } from '../../connectors/file/stateDirectory.js';
import { checkEngineConfig } from '../../src/engine/config.js';
import { stateSettings } from '../../src/engine/stateSettings.js';
import type { RawRecord } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-filecp-'));

async function records(path: string, skipLines: number): Promise<RawRecord[]> {
  const batches = await lastValueFrom(readJsonl(path, { skipLines, batchSize: 100 }).pipe(toArray()));
  return batches.flatMap((b) => b.records);
}

describe('the JSONL source resumes after a committed line', () => {
  it('skips lines unread (across 1 MiB chunks), numbering the rest as before', async () => {
    const path = join(tmp(), 'in.jsonl');
    // ~3 MiB, with blank lines and multi-byte text, so skipped lines straddle chunk boundaries
    const lines = Array.from({ length: 30_000 }, (_, i) =>
      i % 7 === 3 ? '' : JSON.stringify({ i, text: 'é€'.repeat(i % 50) }),
    );
    writeFileSync(path, `${lines.join('\n')}\n`);
    const all = await records(path, 0);
    for (const skip of [0, 1, 4, 12_345, 29_999, 30_000]) {
      const rest = await records(path, skip);
      expect(rest).toEqual(all.filter((r) => Number(r.position.offset) > skip));
    }
  });

  it('a last line without a newline is a line; fewer lines than committed is an error', async () => {
    const path = join(tmp(), 'in.jsonl');
    writeFileSync(path, '{"a":1}\n{"a":2}\n{"a":3}');
    expect((await records(path, 2)).map((r) => r.value)).toEqual(['{"a":3}']);
    expect(await records(path, 3)).toEqual([]);
    await expect(records(path, 4)).rejects.toThrow(
      /has 3 lines, fewer than the 4 already done: it is not the input the checkpoint was made from/,
    );
  });

  it('commits the last line of the records it is given, under the name of the first run', async () => {
    const path = join(tmp(), 'in.jsonl');
    writeFileSync(path, '{"a":1}\n{"a":2}\n{"a":3}\n');
    const committed: number[] = [];
    const source = jsonlSource(path, {
      name: 'first/name.jsonl',
      commit: (line) => void committed.push(line),
    });
    const batches = await lastValueFrom(source.batches$.pipe(toArray()));
    expect(batches[0].records[0].position).toEqual({ source: 'first/name.jsonl', offset: '1' });
    await source.commit!(batches[0].records);
    await source.commit!([{ value: 'x', position: { source: 'other', offset: '9' } }]);
    expect(committed).toEqual([3]);
    expect(jsonlSource(path).commit).toBeUndefined();
  });
});

describe('state directory and output files', () => {
  it('a durable store keeps a state when its model is back in memory; a spill directory deletes it', () => {
    const durable = new DirectoryStateStore(tmp());
    const spill = new DirectoryStateStore(tmp(), { durable: false });
    expect(durable.durable).toBe(true);
    expect(spill.durable).toBe(false);
    for (const store of [durable, spill]) {
      store.put('__proto__', new Uint8Array([1, 2, 3]));
      store.release('__proto__');
    }
    expect(durable.get('__proto__')).toEqual(Buffer.from([1, 2, 3]));
    expect(durable.keys()).toEqual(['__proto__']);
    expect(spill.get('__proto__')).toBeUndefined();
  });

  it('keys of any length and any UTF-16 (unpaired surrogates) read back exactly, old file names still read', () => {
    const dir = tmp();
    const store = new DirectoryStateStore(dir);
    const keys = ['a', 'k'.repeat(122), 'k'.repeat(123), 'é'.repeat(300), '\ud800', 'x\udfffy', '\ufffd', ''];
    keys.forEach((k, i) => store.put(k, new Uint8Array([i])));
    expect(new Set(store.keys())).toEqual(new Set(keys));
    keys.forEach((k, i) => expect(store.get(k)).toEqual(Buffer.from([i])));
    // a key UTF-8 spells exactly keeps the name earlier versions wrote (hex of its UTF-8 bytes)
    expect(existsSync(join(dir, `${Buffer.from('a').toString('hex')}.state`))).toBe(true);
    expect(existsSync(join(dir, `${Buffer.from('k'.repeat(122)).toString('hex')}.state`))).toBe(true);
    for (const k of keys) store.delete(k);
    expect(store.keys()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replay spills keyed models whose keys are long or hold unpaired surrogates, and restores them', async () => {
    const dir = tmp();
    const input = join(dir, 'in.jsonl');
    const long = 'k'.repeat(200);
    const lines = [];
    for (let i = 0; i < 6; i++) {
      for (const key of ['\\ud800', long, 'a'])
        lines.push(`{"label":${i % 2},"features":{"c":"${key}","x":${i}}}`);
    }
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const args = [
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--key-by',
      'c',
      '--max-live-models',
      '1',
    ];
    const { code, stderr } = await runCli([...args, '--out', out]);
    expect(stderr).not.toMatch(/cannot|error/i);
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      keys: number;
      events: number;
      evictions: number;
    };
    expect(summary.keys).toBe(3);
    expect(summary.events).toBe(18);
    expect(summary.evictions).toBeGreaterThan(0);
  });

  it('appending outputs cuts a line a killed run left half written', async () => {
    const dir = tmp();
    const sink = await FileOutputSink.open(dir);
    sink.deadLetter({ position: { source: 'in', offset: '1' }, stage: 'decode', reason: 'r', value: 'x' });
    await sink.flush();
    // flushed: on disk before close (a checkpoint relies on it)
    expect(readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8')).toMatch(/"line":1/);
    await sink.close();
    appendFileSync(join(dir, 'dead-letters.jsonl'), '{"line":2,"sou');
    const resumed = await FileOutputSink.open(dir, { append: true });
    resumed.deadLetter({ position: { source: 'in', offset: '3' }, stage: 'decode', reason: 'r', value: 'y' });
    await resumed.close();
    const lines = readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([1, 3]);
    expect(existsSync(join(dir, 'models.jsonl'))).toBe(true);
  });

  it('the highest version of each key in models.jsonl: thousands of keys, long lines, a cut last line', async () => {
    const dir = tmp();
    const path = join(dir, 'models.jsonl');
    expect(await highestVersions(path)).toEqual(new Map()); // no file
    const want = new Map<string, number>();
    const lines: string[] = [];
    // 5,000 keys (one with quotes, a backslash and a newline, one "__proto__"), versions out of
    // order, every 1,000th line over 1 MiB so lines straddle the reader's chunks
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    keys[7] = 'a "quoted"\\ key\nwith é';
    keys[8] = '__proto__';
    for (let i = 0; i < 20_000; i++) {
      const key = keys[(i * 7919) % keys.length];
      const version = 1 + ((i * 31) % 97);
      const coefficients = { [`f${i}`]: 1, ...(i % 1000 === 0 ? { pad: 'x'.repeat(1.2 * 2 ** 20) } : {}) };
      lines.push(JSON.stringify({ key, version, offset: i, source: 'online', coefficients }));
      want.set(key, Math.max(want.get(key) ?? 0, version));
    }
    // a line of another field order is read whole; a line that is not JSON names nothing
    lines.push(JSON.stringify({ version: 500, key: 'k1' }), 'not json');
    want.set('k1', 500);
    writeFileSync(path, `${lines.join('\n')}\n{"key":"k2","version":999,"off`);
    const got = await highestVersions(path);
    expect(got.size).toBe(want.size);
    expect(got).toEqual(want);
    expect(got.get('__proto__')).toBe(want.get('__proto__'));

    // a resumed sink cuts the last line and numbers above what is left
    const sink = await FileOutputSink.open(dir, { append: true });
    expect(sink.publishedVersion('k2')).toBe(want.get('k2'));
    expect(sink.publishedVersion('k1')).toBe(500);
    expect(sink.publishedVersion('never')).toBe(0);
    await sink.close();
    // a fresh (truncating) sink has nothing published
    const fresh = await FileOutputSink.open(dir);
    expect(fresh.publishedVersion('k1')).toBe(0);
    await fresh.close();
  });

  it('state settings: defaults filled in, feature names as data, output-only settings left out', () => {
    const config = (model: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      checkEngineConfig({ model: { family: 'gaussian', ...model }, ...extra });
    const plain = stateSettings(config({}));
    expect(stateSettings(config({ lambda: 'auto', standardize: 'auto', learner: 'ftrl' }))).toEqual(plain);
    expect(stateSettings(config({}, { snapshots: { everyEvents: 5 }, replay: { batchSize: 7 } }))).toEqual(
      plain,
    );
    expect(stateSettings(config({ maxLiveModels: 3 }, { refit: { threads: 0 } }))).toEqual(plain);
    // where the sequential input test runs (checkpoints restore on either)
    for (const threads of [0, 1]) expect(stateSettings(config({}, { drift: { threads } }))).toEqual(plain);
    const named = stateSettings(
      config({ penaltyFactors: JSON.parse('{"__proto__": 0, "a.b": 2}') as unknown }),
    );
    expect(named).toContainEqual(['model.penaltyFactors["__proto__"]', '0']);
    expect(named).toContainEqual(['model.penaltyFactors["a.b"]', '2']);
    expect(new Map(stateSettings(config({ hashBits: 18 }))).get('model.hashBits')).toBe('18');
    expect(new Map(plain).get('model.hashBits')).toBe('null');
  });
});

import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { validateEvent, type L1Event } from '../../src/core/event.js';
import { reasonClass } from '../../src/engine/engine.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import { keyFunction, routeByKey } from '../../src/stream/routeByKey.js';
import type { DeadLetter, EventBatch } from '../../src/stream/types.js';
import { configProblems } from '../helpers/configProblems.js';

const ev = (campaign: unknown, key?: string): L1Event =>
  ({ ...(key !== undefined ? { key } : {}), label: 1, features: { campaign, x: 1 } }) as L1Event;

function batch(events: L1Event[]): EventBatch {
  return {
    events,
    positions: events.map((_, i) => ({ source: 't', offset: String(i + 1) })),
    rejected: 0,
    records: [],
  };
}

describe('routeByKey', () => {
  it('splits each batch by key, keeping each key in stream order, and dead-letters events without a key', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, flush }) => {
      const letters: DeadLetter[] = [];
      const values = {
        a: batch([ev('c1'), ev('c2'), ev('c1'), ev(7), ev(null), ev(['x'])]),
        b: batch([ev('__proto__'), ev('c2'), ev(''), ev('7'), ev(true)]),
      };
      const out = cold('a--b|', values).pipe(
        routeByKey(keyFunction('campaign', 'default'), { deadLetter: (l) => letters.push(l) }),
        map((r) => r.parts.map((p) => `${p.key}:${p.positions.map((q) => q.offset).join('.')}`).join(' ')),
      );
      expectObservable(out).toBe('a--b|', { a: 'c1:1.3 c2:2 7:4', b: '__proto__:1 c2:2 7:4 true:5' });
      flush();
      expect(letters.map((l) => [l.position.offset, l.stage, l.reason])).toEqual([
        ['5', 'validate', 'feature "campaign" (model.keyBy) is missing'],
        [
          '6',
          'validate',
          'feature "campaign" (model.keyBy) is a list: it must be one string, number or boolean',
        ],
        ['3', 'validate', 'feature "campaign" (model.keyBy) is an empty string: give it a non-empty value'],
      ]);
    });
  });

  it('keys by the event key, or sends everything to one model', () => {
    const events = [ev('c1', 'u1'), ev('c1'), ev('c2', 'u2'), ev('c2', '')];
    expect(events.map(keyFunction('key', 'default'))).toEqual([
      'u1',
      {
        missing:
          'the event has no "key" (model.keyBy is "key": the event\'s own field, not a Kafka record\'s key)',
      },
      'u2',
      { missing: 'the event\'s "key" is empty (model.keyBy is "key"): give it a non-empty key' },
    ]);
    expect(events.map(keyFunction(null, 'solo'))).toEqual(['solo', 'solo', 'solo', 'solo']);
  });

  it("an event's own key may be a finite number or boolean: the model of its text, as for a feature field (issue s26-5)", () => {
    const byKey = keyFunction('key', 'default');
    const byField = keyFunction('campaign', 'default');
    for (const value of [7, '7', -0, 0.1, 2 ** 53 - 1, -1e-300, true, false]) {
      const v = validateEvent({ key: value, label: 1, features: { campaign: value } }, 'binomial');
      expect(v.ok, String(value)).toBe(true);
      if (!v.ok) continue;
      expect(byKey(v.event)).toBe(byField(v.event));
    }
    const seven = validateEvent({ key: 7, features: {} }, 'gaussian');
    expect(seven.ok && seven.event.key).toBe('7');
    // not a key: each says why
    const reasons = [{ id: 1 }, ['u1'], Infinity, NaN].map((key) => {
      const v = validateEvent({ key, label: 1, features: { a: 1 } }, 'binomial');
      return v.ok ? 'ok' : v.reason;
    });
    expect(reasons).toEqual([
      '"key" must be a string, a finite number or a boolean, got an object',
      '"key" must be a string, a finite number or a boolean, got a list',
      '"key" must be a string, a finite number or a boolean, got a number that is not finite',
      '"key" must be a string, a finite number or a boolean, got a number that is not finite',
    ]);
  });
});

describe('keys that would merge models', () => {
  it('a keyBy feature holding an integer past 2^53 is a dead letter; an event’s own key is its double’s text, in the fast reader too', () => {
    // 12345678901234567890 and ...891 parse to one double: two customers were one model, keyed
    // "12345678901234567000" in every output
    const reason =
      'an integer past 2^53 whose digits a double does not keep (other ids would share its model): send the id as text (a JSON string; a string field in an Avro schema)';
    for (const text of ['12345678901234567890', '9007199254740993', '-9007199254740993', '1e21']) {
      const line = `{"key":${text},"label":1,"features":{"cust":${text},"x":1}}`;
      const slow = validateEvent(JSON.parse(line), 'binomial');
      const fast = new JsonEventReader().decodeEvent(line, 'binomial');
      expect(fast, text).toEqual(slow);
      // (not refused: without keyBy "key" it keys nothing, and one model learns the event)
      expect(slow.ok && slow.event.key).toBe(String(Number(text)));
      const byField = keyFunction(
        'cust',
        'default',
      )({ label: 1, features: { cust: Number(text) } } as L1Event);
      expect(byField).toEqual({
        missing: `feature "cust" (model.keyBy) is the number ${String(Number(text))}, ${reason}`,
      });
    }
    // 2^53 itself is exact, but 2^53 + 1 parses to it: refused too; 2^53 − 1 keys its model
    expect(keyFunction('cust', 'd')({ label: 1, features: { cust: 2 ** 53 } } as L1Event)).toHaveProperty(
      'missing',
    );
    expect(keyFunction('cust', 'd')({ label: 1, features: { cust: 2 ** 53 - 1 } } as L1Event)).toBe(
      '9007199254740991',
    );
  });

  it('missing-value texts are keys like others ("NA" is North America); only "" is no key', () => {
    const keyOf = keyFunction('campaign', 'default');
    for (const text of ['NA', 'NaN', 'null', 'N/A', 'None']) expect(keyOf(ev(text))).toBe(text);
  });
});

describe('keyFunction: a key field missing from an event', () => {
  const missing = (keyBy: string, features: Record<string, unknown>): string => {
    const key = keyFunction(keyBy, 'default')({ label: 1, features } as L1Event);
    if (typeof key === 'string') throw new Error(`keyed ${key}`);
    return key.missing;
  };

  it('names the feature it probably meant (a typo, or the same name in another case), else none', () => {
    const features = { campaign: 'c7', x: 1, region: 'n' };
    expect(missing('campagin', features)).toBe(
      'feature "campagin" (model.keyBy) is missing; did you mean "campaign"?',
    );
    expect(missing('Campaign', features)).toBe(
      'feature "Campaign" (model.keyBy) is missing; did you mean "campaign"?',
    );
    expect(missing('segment', features)).toBe('feature "segment" (model.keyBy) is missing');
    // names are data: an own __proto__ feature is a name like any other
    const proto = JSON.parse('{"__proto__": "p", "x": 1}') as Record<string, unknown>;
    expect(missing('__proto_', proto)).toBe(
      'feature "__proto_" (model.keyBy) is missing; did you mean "__proto__"?',
    );
    // the same verdict from the remembered distances, event after event
    const keyOf = keyFunction('campagin', 'default');
    for (let i = 0; i < 3; i++)
      expect(keyOf({ label: 1, features: { x: 1, campaign: `c${i}` } } as L1Event)).toEqual({
        missing: 'feature "campagin" (model.keyBy) is missing; did you mean "campaign"?',
      });
  });

  it("counts as one reason with the setting's field and its guess kept (the summary's most common reason)", () => {
    const reason = missing('campagin', { campaign: 'c7' });
    expect(reasonClass(reason)).toBe(reason);
    expect(
      reasonClass('feature "campagin" (model.keyBy) is a list: it must be one string, number or boolean'),
    ).toBe('feature "campagin" (model.keyBy) is a list: it must be one string, number or boolean');
  });
});

describe('keyFunction from JavaScript', () => {
  it('refuses a keyBy that is no field name or null, and a missing key for the one model', () => {
    const found = configProblems(() => keyFunction(undefined as never, 'default'));
    expect(Object.fromEntries(found)).toEqual({
      'keyFunction: keyBy':
        'must be a feature field\'s name, "key" (the event\'s own) or null (one model), got undefined',
    });
    expect(Object.fromEntries(configProblems(() => keyFunction(null, undefined as never)))).toEqual({
      'keyFunction: defaultKey': 'must be a non-empty string (the key of the one model), got undefined',
    });
    expect(Object.fromEntries(configProblems(() => keyFunction(5 as never, '')))).toEqual({
      'keyFunction: keyBy':
        'must be a feature field\'s name, "key" (the event\'s own) or null (one model), got 5',
    });
    // the default key is read only without keyBy (score --key-by passes none)
    expect(() => keyFunction('campaign', '')).not.toThrow();
  });
});

describe('routeByKey arguments from JavaScript', () => {
  it('names a keyOf that is no function and a missing dead-letter sink at once (a TypeError at the first batch)', () => {
    expect(
      Object.fromEntries(configProblems(() => routeByKey('campaign' as never, undefined as never))),
    ).toEqual({
      'routeByKey: keyOf': 'must be a key function, got "campaign": pass keyFunction(keyBy, defaultKey)',
      'routeByKey: deadLetters':
        'must be a dead-letter sink (an object with a deadLetter(letter) method), got undefined',
    });
    expect(() =>
      routeByKey(keyFunction('campaign', 'default'), { deadLetter: () => undefined }),
    ).not.toThrow();
  });
});

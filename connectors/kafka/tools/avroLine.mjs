/**
 * `kafka:produce --avro`'s encoding of one JSONL line (kept apart from the tool so tests can use
 * it without a broker).
 */

/**
 * An event line as the shipped schema takes it (`shipped` true): a number key as text (l1stream
 * reads it so), a `null` feature left out (absent, as in JSON). Features go into an object without
 * a prototype, so one named `__proto__` is an own property like any other (avsc writes the map's
 * `Object.keys`). Another schema gets the object as it is.
 */
export function avroValue(event, shipped) {
  if (!shipped || typeof event !== 'object' || event === null) return event;
  const value = { ...event };
  if (typeof value.key === 'number') value.key = String(value.key);
  if (typeof value.features === 'object' && value.features !== null) {
    const features = Object.create(null);
    for (const [name, x] of Object.entries(value.features)) if (x !== null) features[name] = x;
    value.features = features;
  }
  return value;
}

/**
 * The Avro message of a line (`{ value }`: the body, framed in the Confluent wire format with
 * `writer.id` unless `framing` is "raw"), or why the schema cannot encode it (`{ problem }`).
 */
export function encodeLine(writer, line, { framing, shipped }) {
  let event;
  try {
    event = avroValue(JSON.parse(line), shipped);
  } catch (e) {
    return { problem: `not JSON (${e.message})` };
  }
  let problem = 'not an object';
  const valid = writer.type.isValid(event, {
    errorHook: (path, value, type) => {
      problem = `${path.join('.') || 'the event'} = ${JSON.stringify(value) ?? 'missing'} is not ${JSON.stringify(type.schema())}`;
    },
  });
  if (!valid) return { problem };
  const body = writer.type.toBuffer(event);
  if (framing === 'raw') return { value: body };
  const header = Buffer.alloc(5);
  header.writeUInt32BE(writer.id, 1);
  return { value: Buffer.concat([header, body]) };
}

/**
 * A wrong schema-registry URL is told from an unknown schema id: a server whose 404s lack the
 * Confluent API's error code (Apicurio's root instead of its /apis/ccompat/v7) fails at once,
 * naming kafka.avro.registryUrl, instead of every record being dead-lettered as "unknown schema".
 */
import { createServer, type Server } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RegistryUrlError, SchemaRegistryClient, UnknownSchemaError } from '../../connectors/kafka/index.js';

/** The answers Apicurio 3.3.3 gave (curl): under /api the Confluent API, elsewhere RESTEASY's 404. */
function apicurioLike(): Server {
  return createServer((req, res) => {
    const json = (status: number, doc: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc));
    };
    const url = req.url ?? '';
    if (url === '/api/schemas/types') return json(200, ['JSON', 'PROTOBUF', 'AVRO']);
    const m = url.match(/^\/api\/schemas\/ids\/(\d+)$/);
    if (m) return json(404, { message: `Schema ${m[1]} not found.`, error_code: 40403 });
    if (url.startsWith('/api/subjects/'))
      return json(404, { message: 'Subject not found.', error_code: 40401 });
    if (url.startsWith('/html/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>a web page</html>');
    }
    const text = `RESTEASY003210: Could not find resource for full path: http://h${url}`;
    json(404, { detail: `NotFoundException: ${text}`, title: text, status: 404, name: 'NotFoundException' });
  });
}

describe('SchemaRegistryClient: wrong URL vs unknown schema', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = apicurioLike();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('an id the API does not know (404 with error_code 40403) is an unknown schema', async () => {
    const client = new SchemaRegistryClient({ url: `${base}/api` });
    await expect(client.check()).resolves.toBeUndefined();
    await expect(client.schemaById(7)).rejects.toBeInstanceOf(UnknownSchemaError);
    await expect(client.lookup('s-value', '"string"')).rejects.toThrow(
      /not registered under subject "s-value"/,
    );
  });

  it('a 404 without the error code is a wrong URL, for schemas by id, lookups, registrations and the check', async () => {
    const client = new SchemaRegistryClient({ url: base });
    const wrong = /kafka\.avro\.registryUrl.*\/apis\/ccompat\/v7/;
    const byId = client.schemaById(1);
    await expect(byId).rejects.toBeInstanceOf(RegistryUrlError);
    await expect(byId).rejects.toThrow(/RESTEASY003210/);
    await expect(byId).rejects.toThrow(wrong);
    await expect(client.lookup('s-value', '"string"')).rejects.toThrow(wrong);
    await expect(client.register('s-value', '"string"')).rejects.toThrow(wrong);
    await expect(client.check()).rejects.toThrow(wrong);
    const error = await client.check().catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'L1S_REGISTRY_URL', retriable: false });
  });

  it('a URL that answers something other than the API fails the check', async () => {
    await expect(new SchemaRegistryClient({ url: `${base}/html` }).check()).rejects.toBeInstanceOf(
      RegistryUrlError,
    );
  });
});

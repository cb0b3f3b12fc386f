/**
 * An in-process fake of the Confluent schema-registry REST API subset l1stream uses, as a test
 * double; the same tests also run against a real registry (Apicurio Registry, see
 * test/kafka/registries.ts), which is what checks the fake's assumptions. It keeps ids global and
 * stable like the real one: the same schema text under any subject gets the same id.
 *
 *   POST /subjects/{subject}/versions   {schema}  → {id}
 *   POST /subjects/{subject}            {schema}  → {subject, version, id, schema} | 404 (40403)
 *   GET  /schemas/ids/{id}                        → {schema} | 404 (40403)
 *   GET  /schemas/types                           → ["AVRO"] (the client's start-up check)
 */
import { createServer, type Server } from 'node:http';

export interface FakeRegistry {
  readonly url: string;
  /** Requests seen, as `METHOD path`. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeRegistry(firstId = 1): Promise<FakeRegistry> {
  const ids = new Map<string, number>();
  const schemas = new Map<number, string>();
  const subjects = new Map<string, string[]>();
  const requests: string[] = [];
  let nextId = firstId;
  const canonical = (text: string) => JSON.stringify(JSON.parse(text));
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = req.url ?? '';
      requests.push(`${req.method} ${url}`);
      const send = (status: number, doc: unknown) => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(doc));
      };
      let m: RegExpMatchArray | null;
      if (req.method === 'GET' && url === '/schemas/types') return send(200, ['AVRO']);
      if (req.method === 'GET' && (m = url.match(/^\/schemas\/ids\/(\d+)$/))) {
        const schema = schemas.get(Number(m[1]));
        return schema === undefined
          ? send(404, { error_code: 40403, message: 'Schema not found' })
          : send(200, { schema });
      }
      if (req.method === 'POST' && (m = url.match(/^\/subjects\/([^/]+)(\/versions)?$/))) {
        const subject = decodeURIComponent(m[1]);
        let schema: string;
        try {
          schema = canonical((JSON.parse(body) as { schema: string }).schema);
        } catch {
          return send(422, { error_code: 42201, message: 'Invalid schema' });
        }
        const versions = subjects.get(subject) ?? [];
        if (m[2]) {
          let id = ids.get(schema);
          if (id === undefined) {
            id = nextId++;
            ids.set(schema, id);
            schemas.set(id, schema);
          }
          if (!versions.includes(schema)) subjects.set(subject, [...versions, schema]);
          return send(200, { id });
        }
        const version = versions.indexOf(schema);
        if (version < 0) return send(404, { error_code: 40403, message: 'Schema not found' });
        return send(200, { subject, version: version + 1, id: ids.get(schema), schema });
      }
      return send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('fake registry has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

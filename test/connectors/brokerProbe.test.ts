import { createServer, type Server } from 'node:net';

import { describe, expect, it } from 'vitest';

import { probeBrokers } from '../../connectors/kafka/brokerProbe.js';

/** A port nothing listens on: one the system gave a server that is closed again. */
async function closedPort(): Promise<number> {
  const server = await listening();
  const port = portOf(server);
  await new Promise((done) => server.close(done));
  return port;
}

function listening(): Promise<Server> {
  return new Promise((done) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => done(server));
  });
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

describe('probeBrokers', () => {
  it('says which brokers refused, and that none answered', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const probe = await probeBrokers([`127.0.0.1:${a}`, `127.0.0.1:${b}`]);
    expect(probe.reachable).toBe(false);
    expect([...probe.failures].sort()).toEqual(
      [`127.0.0.1:${a}: ECONNREFUSED`, `127.0.0.1:${b}: ECONNREFUSED`].sort(),
    );
  });

  it('is reachable when one broker of the list takes the connection', async () => {
    const server = await listening();
    try {
      const probe = await probeBrokers([`127.0.0.1:${await closedPort()}`, `127.0.0.1:${portOf(server)}`]);
      expect(probe.reachable).toBe(true);
    } finally {
      server.close();
    }
  });

  it('an empty list reaches nothing', async () => {
    expect(await probeBrokers([])).toEqual({ reachable: false, failures: [] });
  });
});

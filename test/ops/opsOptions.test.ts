/**
 * `new OpsServer(options)` and `new EngineMetrics(options)` from plain JavaScript: a misspelled key
 * was ignored, so `{ prot: 9464 }` listened on an ephemeral port and `{ hots: "127.0.0.1" }` on
 * every interface (0.0.0.0); `{ maxreasons: 5 }` kept the default. Each is now a ConfigError
 * naming every problem, before anything listens.
 */
import { describe, expect, it } from 'vitest';

import {
  EngineMetrics,
  OpsServer,
  type EngineMetricsOptions,
  type OpsServerOptions,
} from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const metrics = { contentType: 'text/plain', metrics: () => Promise.resolve('') };
const readiness = () => null;

describe('the options of OpsServer and EngineMetrics', () => {
  it('OpsServer refuses a misspelled port or host, and a port that is not one', () => {
    const found = problems(
      () =>
        new OpsServer({ prot: 9464, hots: '127.0.0.1', metrics, readiness } as unknown as OpsServerOptions),
    );
    expect([...found.keys()]).toEqual(['OpsServer: prot', 'OpsServer: hots']);
    expect(found.get('OpsServer: prot')).toMatch(/^unknown option; did you mean "port"\?/);
    expect(found.get('OpsServer: hots')).toMatch(/^unknown option; did you mean "host"\?/);
    const typed = problems(
      () =>
        new OpsServer({
          port: '9464',
          host: 1,
          metrics: null,
          readiness: 'yes',
        } as unknown as OpsServerOptions),
    );
    expect([...typed.keys()]).toEqual([
      'OpsServer: port',
      'OpsServer: host',
      'OpsServer: readiness',
      'OpsServer: metrics',
    ]);
    expect(typed.get('OpsServer: port')).toBe(
      'must be a TCP port, a whole number in 0..65535 (0: an ephemeral one), got "9464": a number in quotes is a string; write it without them',
    );
    expect(() => new OpsServer({ port: 0, host: '127.0.0.1', metrics, readiness })).not.toThrow();
  });

  it('EngineMetrics refuses a misspelled option', () => {
    const found = problems(() => new EngineMetrics({ maxreasons: 5 } as EngineMetricsOptions));
    expect(found.get('EngineMetrics: maxreasons')).toMatch(/^unknown option; did you mean "maxReasons"\?/);
  });
});

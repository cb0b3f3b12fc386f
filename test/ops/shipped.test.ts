import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkKafkaConfig } from '../../connectors/kafka/config.js';
import { checkEngineConfig } from '../../src/engine/config.js';

const root = resolve(import.meta.dirname, '../..');
const text = (path: string) => readFileSync(resolve(root, path), 'utf8');

describe('the shipped monitoring configuration', () => {
  it('the compose service serves metrics on the port that docker-compose.yml publishes and Prometheus scrapes', () => {
    const doc = JSON.parse(text('connectors/kafka/compose.config.json')) as Record<string, unknown>;
    const { snapshotEvery: _legacy, ...kafka } = doc.kafka as Record<string, unknown>;
    const config = checkEngineConfig(
      { ...doc, kafka },
      { sections: { kafka: (raw, path) => checkKafkaConfig(raw, path) } },
    );
    expect(config.http).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(text('docker-compose.yml')).toContain("- '9464:9464'");
    expect(text('docker-compose.yml')).toContain('http://127.0.0.1:9464/healthz');
    const prometheus = text('config/prometheus.yml');
    expect(prometheus).toMatch(/job_name: l1stream\n/);
    expect(prometheus).toContain("targets: ['localhost:9464']");
    expect(text('Dockerfile')).toContain('EXPOSE 9464');
  });
});

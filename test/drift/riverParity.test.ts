import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { generate, type StreamSpec } from '../../bench/drift/streams.js';
import { Adwin, type AdwinOptions } from '../../src/drift/adwin.js';
import { PageHinkley, type PageHinkleyOptions } from '../../src/drift/pageHinkley.js';
import type { ScalarDetector } from '../../src/drift/protocol.js';

/** Written by scripts/fixtures/drift/river_detectors.py (River's detection indices). */
interface Fixture {
  readonly river: string;
  readonly streams: Record<string, StreamSpec>;
  readonly cases: ReadonlyArray<{
    readonly stream: string;
    readonly detector: string;
    readonly kind: 'adwin' | 'ph';
    readonly params: Record<string, number | string>;
    readonly detections: readonly number[];
  }>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/drift/river_detectors.json', import.meta.url), 'utf8'),
) as Fixture;

function fromRiver(kind: 'adwin' | 'ph', p: Record<string, number | string>): ScalarDetector {
  if (kind === 'adwin') {
    const o: AdwinOptions = {
      delta: p.delta as number | undefined,
      clock: p.clock as number | undefined,
      maxBuckets: p.max_buckets as number | undefined,
      minWindowLength: p.min_window_length as number | undefined,
      gracePeriod: p.grace_period as number | undefined,
    };
    return new Adwin(o);
  }
  const o: PageHinkleyOptions = {
    minInstances: p.min_instances as number | undefined,
    delta: p.delta as number | undefined,
    threshold: p.threshold as number | undefined,
    alpha: p.alpha as number | undefined,
    mode: p.mode as PageHinkleyOptions['mode'],
  };
  return new PageHinkley(o);
}

function detections(det: ScalarDetector, xs: Float64Array): number[] {
  const hits: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    det.update(xs[i]);
    if (det.driftDetected) hits.push(i);
  }
  return hits;
}

describe(`ADWIN and Page-Hinkley fire where River ${fixture.river} fires`, () => {
  const streams = new Map(Object.entries(fixture.streams).map(([k, s]) => [k, generate(s)]));
  for (const c of fixture.cases) {
    it(`${c.detector} on ${c.stream} (${c.detections.length} detections)`, () => {
      expect(detections(fromRiver(c.kind, c.params), streams.get(c.stream)!)).toEqual(c.detections);
    });
  }

  it('the fixture exercises both detectors, with and without detections', () => {
    expect(fixture.cases.filter((c) => c.kind === 'adwin' && c.detections.length > 1).length).toBeGreaterThan(
      3,
    );
    expect(fixture.cases.filter((c) => c.kind === 'ph' && c.detections.length > 10).length).toBeGreaterThan(
      3,
    );
  });
});

import { jsonDecoder, type RecordDecoder } from '../../../src/index.js';

/** Encodes a value as UTF-8 JSON bytes (models, scores, alerts and events in JSON mode). */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Decodes one UTF-8 JSON document per record (the engine's decoder, re-exported for symmetry). */
export const decodeJson: RecordDecoder = jsonDecoder;

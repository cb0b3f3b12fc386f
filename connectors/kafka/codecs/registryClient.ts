import { LRUCache } from 'lru-cache';

import { ConfigError, ConnectorError } from '../../../src/index.js';
import { optionProblems } from '../../../src/internal.js';

/** A schema id the registry does not know: the record cannot be decoded (dead letter, not retried). */
export class UnknownSchemaError extends ConnectorError {
  readonly schemaId: number;
  constructor(schemaId: number, options: { cause?: unknown } = {}) {
    super(
      'L1S_REGISTRY_UNKNOWN_SCHEMA',
      `unknown schema id ${schemaId} (the schema registry has no such schema)`,
      options,
    );
    this.schemaId = schemaId;
  }
}

/**
 * The registry's URL answers, but not with the Confluent API (a 404 without the API's error code,
 * or an answer that is not its JSON): the base URL is wrong. Not retried: every record would fail.
 */
export class RegistryUrlError extends ConnectorError {
  constructor(url: string, what: string, options: { cause?: unknown } = {}) {
    super(
      'L1S_REGISTRY_URL',
      `the schema registry URL ${url} does not serve the Confluent schema-registry API (${what}); set kafka.avro.registryUrl to the API's base URL: http://HOST:8081 for Confluent Schema Registry, http://HOST:PORT/apis/ccompat/v7 for Apicurio Registry`,
      options,
    );
  }
}

export interface SchemaRegistryClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** Schemas kept by id (default 1000). */
  readonly cacheSize?: number;
  /** Milliseconds per request (default 10 000). */
  readonly timeoutMs?: number;
  /** `Authorization` header value, if the registry needs one. */
  readonly authorization?: string;
}

const contentType = 'application/vnd.schemaregistry.v1+json';

/**
 * A client for the Confluent schema-registry REST API subset l1stream uses: schema by id,
 * register, look up. Schemas by id and ids by (subject, schema) are cached (ids are immutable in
 * a registry, so the cache never goes stale); concurrent requests for the same id share one call.
 */
export class SchemaRegistryClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly authorization: string | undefined;
  private readonly schemas: LRUCache<number, string>;
  private readonly ids: LRUCache<string, number>;
  private readonly inFlight = new Map<number, Promise<string>>();

  constructor(options: SchemaRegistryClientOptions) {
    // from JavaScript, a misspelled key (`timout`) was ignored: the default was used
    const kinds = [
      ['url', 'string'],
      ['authorization', 'string'],
      ['cacheSize', 'wholePositive'],
    ] as const;
    const problems = optionProblems(
      'SchemaRegistryClient',
      options,
      kinds,
      ['url'],
      [...kinds.map(([key]) => key), 'timeoutMs'],
    );
    if (problems.length > 0) throw new ConfigError(problems);
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.authorization = options.authorization;
    const max = options.cacheSize ?? 1000;
    this.schemas = new LRUCache({ max });
    this.ids = new LRUCache({ max });
  }

  /** The schema (JSON text) with this id; `UnknownSchemaError` if the registry has none. */
  async schemaById(id: number): Promise<string> {
    const cached = this.schemas.get(id);
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.request('GET', `/schemas/ids/${id}`)
        .then((body) => {
          const schema = (body as { schema?: unknown }).schema;
          if (typeof schema !== 'string')
            throw new ConnectorError('L1S_REGISTRY', `registry answered /schemas/ids/${id} without a schema`);
          this.schemas.set(id, schema);
          return schema;
        })
        .catch((err: unknown) => {
          if (err instanceof RegistryHttpError && err.status === 404) {
            // 40403 is the API's "schema not found"; any other 404 is a path the server lacks
            if (err.errorCode === 40403) throw new UnknownSchemaError(id, { cause: err });
            throw this.wrongUrl(err);
          }
          throw err;
        })
        .finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  /**
   * Checks that the URL serves the Confluent API (`GET /schemas/types`, which Confluent Schema
   * Registry 5.5+ and Apicurio's `/apis/ccompat/v7` answer), so a wrong URL fails at start rather
   * than dead-lettering every record. Throws `RegistryUrlError` for a wrong URL, `RegistryHttpError`
   * for other refusals (401, 403: credentials), `L1S_REGISTRY_UNREACHABLE` (retriable) if none answers.
   */
  async check(): Promise<void> {
    let body: unknown;
    try {
      body = await this.request('GET', '/schemas/types');
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) throw this.wrongUrl(err);
      if (err instanceof ConnectorError && err.code === 'L1S_REGISTRY')
        throw new RegistryUrlError(this.url, err.message, { cause: err });
      throw err;
    }
    if (!Array.isArray(body))
      throw new RegistryUrlError(this.url, 'GET /schemas/types did not answer a list of schema types');
  }

  private wrongUrl(err: RegistryHttpError): RegistryUrlError {
    return new RegistryUrlError(this.url, `HTTP 404 without the API's error code: ${err.detail}`, {
      cause: err,
    });
  }

  /** Registers `schema` under `subject` (idempotent in the registry) and returns its id. */
  async register(subject: string, schema: string): Promise<number> {
    return this.idFor('register', subject, schema);
  }

  /** The id of `schema` under `subject`, which must already be registered. */
  async lookup(subject: string, schema: string): Promise<number> {
    return this.idFor('lookup', subject, schema);
  }

  private async idFor(how: 'register' | 'lookup', subject: string, schema: string): Promise<number> {
    const cacheKey = `${subject}\u0000${schema}`;
    const cached = this.ids.get(cacheKey);
    if (cached !== undefined) return cached;
    const path =
      how === 'register'
        ? `/subjects/${encodeURIComponent(subject)}/versions`
        : `/subjects/${encodeURIComponent(subject)}`;
    let body: unknown;
    try {
      body = await this.request('POST', path, { schema });
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) {
        // the API's 404s carry an error code (40401 subject, 40403 schema not found)
        if (how === 'register' || err.errorCode === undefined) throw this.wrongUrl(err);
        throw new ConnectorError(
          'L1S_REGISTRY_NOT_REGISTERED',
          `schema not registered under subject "${subject}"; register it or enable registerSchemas`,
          { cause: err },
        );
      }
      if (how === 'register' && err instanceof RegistryHttpError && err.status === 409) {
        throw new ConnectorError(
          'L1S_REGISTRY_INCOMPATIBLE',
          `the schema registry refused the schema for subject "${subject}" as incompatible with the versions registered under it (${err.detail}); make the schema compatible (new fields need defaults), or change the subject's compatibility level (PUT /config/${subject})`,
          { cause: err },
        );
      }
      throw err;
    }
    const id = (body as { id?: unknown }).id;
    if (typeof id !== 'number')
      throw new ConnectorError('L1S_REGISTRY', `registry answered ${path} without an id`);
    this.ids.set(cacheKey, id);
    this.schemas.set(id, schema);
    return id;
  }

  private async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: contentType };
    if (json !== undefined) headers['content-type'] = contentType;
    if (this.authorization) headers.authorization = this.authorization;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ConnectorError(
        'L1S_REGISTRY_UNREACHABLE',
        `schema registry ${this.url} did not answer ${method} ${path}: ${(err as Error).message}`,
        {
          retriable: true,
          cause: err,
        },
      );
    }
    const text = await response.text();
    if (!response.ok) throw new RegistryHttpError(method, path, response.status, text);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ConnectorError(
        'L1S_REGISTRY',
        `schema registry answered ${method} ${path} with non-JSON: ${text.slice(0, 200)}`,
        { cause: err },
      );
    }
  }
}

/** A non-2xx answer from the registry; 5xx is retriable. */
export class RegistryHttpError extends ConnectorError {
  readonly status: number;
  /** What the registry said: the `message` of its JSON error body, else the body's start. */
  readonly detail: string;
  /** The `error_code` of the API's JSON error body (40403: schema not found), if any. */
  readonly errorCode: number | undefined;
  constructor(method: string, path: string, status: number, body: string) {
    super(
      'L1S_REGISTRY_HTTP',
      `schema registry answered ${method} ${path} with HTTP ${status}: ${body.slice(0, 300)}`,
      {
        retriable: status >= 500,
      },
    );
    this.status = status;
    const parsed = errorBody(body);
    this.detail = typeof parsed?.message === 'string' ? parsed.message.slice(0, 300) : body.slice(0, 300);
    this.errorCode = typeof parsed?.error_code === 'number' ? parsed.error_code : undefined;
  }
}

/** A Confluent-style error body (`{"error_code": 40403, "message": "..."}`), if the body is JSON. */
function errorBody(body: string): { message?: unknown; error_code?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

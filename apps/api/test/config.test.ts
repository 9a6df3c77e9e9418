import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkerEnvSchema } from '../../worker/src/config.ts';
import { ApiEnvSchema, loadApiConfig, PUBLISHED_JWT_SECRETS } from '../src/config.ts';

describe('API configuration', () => {
  it('.env.example documents every variable the API and the worker read', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z_]+)=/gm)].map((match) => match[1]));
    const keys = [
      ...Object.keys(ApiEnvSchema.properties),
      ...Object.keys(WorkerEnvSchema.properties),
    ];
    expect(keys.filter((key) => !documented.has(key))).toEqual([]);
  });

  it('when secrets and URLs are missing, then start-up names each of them', () => {
    expect(() => loadApiConfig({})).toThrow(
      /DATABASE_URL: is required[\s\S]*REDIS_URL: is required|REDIS_URL: is required/,
    );
    expect(() => loadApiConfig({})).toThrow(/JWT_SECRET: is required/);
  });

  it('when the JWT secret is short or the ports collide, then start-up refuses', () => {
    const base = { DATABASE_URL: 'postgresql://x', REDIS_URL: 'redis://x' };
    expect(() => loadApiConfig({ ...base, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(() =>
      loadApiConfig({ ...base, JWT_SECRET: 's'.repeat(32), PORT: '9000', METRICS_PORT: '9000' }),
    ).toThrow(/PORT, METRICS_PORT: must be different ports/);
  });

  it('when a published demo JWT secret is used in production, then start-up refuses', () => {
    const base = { DATABASE_URL: 'postgresql://x', REDIS_URL: 'redis://x' };
    for (const secret of PUBLISHED_JWT_SECRETS) {
      expect(() => loadApiConfig({ ...base, JWT_SECRET: secret })).toThrow(
        /NODE_ENV, JWT_SECRET: the JWT secret is a published demo value/,
      );
      expect(() => loadApiConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: secret })).toThrow(
        /published demo value/,
      );
      // A developer's machine or a test run may still use one.
      expect(loadApiConfig({ ...base, NODE_ENV: 'development', JWT_SECRET: secret })).toMatchObject(
        { NODE_ENV: 'development' },
      );
    }
    expect(loadApiConfig({ ...base, JWT_SECRET: 'a'.repeat(64) })).toMatchObject({
      NODE_ENV: 'production',
    });
  });

  it('when the replica lag bound is not longer than its status interval, then start-up refuses', () => {
    const base = {
      DATABASE_URL: 'postgresql://x',
      REDIS_URL: 'redis://x',
      JWT_SECRET: 's'.repeat(32),
    };
    expect(() =>
      loadApiConfig({ ...base, REPLICA_MAX_LAG_MS: '500', REPLICA_STATUS_INTERVAL_MS: '500' }),
    ).toThrow(/REPLICA_MAX_LAG_MS, REPLICA_STATUS_INTERVAL_MS: the lag bound must be longer/);
    expect(loadApiConfig(base)).toMatchObject({
      REPLICA_MAX_LAG_MS: 2_000,
      REPLICA_STATUS_INTERVAL_MS: 500,
    });
  });
});

import { readFileSync } from 'node:fs';
import { queueRedisTarget } from '@headroom/jobs/queue-redis';
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
      /DATABASE_URL: is required[\s\S]*JWT_SECRET: is required[\s\S]*REDIS_URL, REDIS_SENTINELS: set exactly one/,
    );
  });

  it("when the queues' Redis is named both ways, neither, or by Sentinels without their name, then start-up says which variables", () => {
    const base = { DATABASE_URL: 'postgresql://x', JWT_SECRET: 's'.repeat(32) };
    const sentinels = {
      REDIS_SENTINELS: '10.0.0.1:26379,sentinel-b.example:26380',
      REDIS_SENTINEL_NAME: 'queue',
      REDIS_PASSWORD: 'the-queue-password',
    };
    expect(queueRedisTarget(loadApiConfig({ ...base, ...sentinels }))).toEqual({
      kind: 'sentinels',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.example', port: 26380 },
      ],
      name: 'queue',
      password: 'the-queue-password',
    });
    expect(queueRedisTarget(loadApiConfig({ ...base, REDIS_URL: 'redis://x:6379' }))).toEqual({
      kind: 'server',
      url: 'redis://x:6379',
    });

    const exactlyOne = /REDIS_URL, REDIS_SENTINELS: set exactly one/;
    expect(() => loadApiConfig(base)).toThrow(exactlyOne);
    expect(() => loadApiConfig({ ...base, ...sentinels, REDIS_URL: 'redis://x' })).toThrow(
      exactlyOne,
    );
    expect(() => loadApiConfig({ ...base, REDIS_SENTINELS: 'a:26379' })).toThrow(
      /REDIS_SENTINELS, REDIS_SENTINEL_NAME: the Sentinels need the name/,
    );
    expect(() => loadApiConfig({ ...base, ...sentinels, REDIS_SENTINELS: 'a:26379;b' })).toThrow(
      /REDIS_SENTINELS: .*\(got "a:26379;b"\)/,
    );
    expect(() => loadApiConfig({ ...base, REDIS_URL: 'redis://x', REDIS_PASSWORD: 'p' })).toThrow(
      /REDIS_URL, REDIS_PASSWORD: a REDIS_URL carries its own password/,
    );
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

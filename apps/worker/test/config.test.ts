// The worker's env rules that span variables: exactly one place for emails to go, and a
// stalled-job check at least as frequent as a lock lasts. And the process itself: a bad
// environment stops it with one message naming every bad variable, the log level included.
import { startProcess } from '@headroom/testing/processes';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../src/config.ts';

const base = { DATABASE_URL: 'postgresql://x', REDIS_URL: 'redis://x' };

describe('worker configuration', () => {
  it('when emails have one destination, then the defaults fill in the rest', () => {
    const config = loadWorkerConfig({ ...base, EMAIL_FILE_DIR: '/tmp/mail' });
    expect(config).toMatchObject({
      QUEUE_PREFIX: 'headroom',
      JOB_ATTEMPTS: 5,
      FAN_OUT_BATCH_SIZE: 1_000,
      RENDER_ARTICLE_CONCURRENCY: 4,
    });
  });

  it("when the queues' Redis is named by its Sentinels, then the worker accepts them as the API does", () => {
    const sentinels = {
      DATABASE_URL: 'postgresql://x',
      EMAIL_FILE_DIR: '/tmp/mail',
      REDIS_SENTINELS: '127.0.0.1:16382,127.0.0.1:16383,127.0.0.1:16384',
      REDIS_SENTINEL_NAME: 'queue',
      REDIS_PASSWORD: 'the-queue-password',
    };
    expect(loadWorkerConfig(sentinels)).toMatchObject({ REDIS_SENTINEL_NAME: 'queue' });
    expect(() => loadWorkerConfig({ ...sentinels, ...base })).toThrow(
      /REDIS_URL, REDIS_SENTINELS: set exactly one/,
    );
  });

  it('when both or neither of SMTP_URL and EMAIL_FILE_DIR are set, then start-up refuses', () => {
    const message = /SMTP_URL, EMAIL_FILE_DIR: set exactly one/;
    expect(() => loadWorkerConfig(base)).toThrow(message);
    expect(() =>
      loadWorkerConfig({ ...base, SMTP_URL: 'smtp://mailpit:1025', EMAIL_FILE_DIR: '/tmp/mail' }),
    ).toThrow(message);
  });

  it('when the stalled check is rarer than a lock lasts, then start-up refuses', () => {
    expect(() =>
      loadWorkerConfig({
        ...base,
        EMAIL_FILE_DIR: '/tmp/mail',
        JOB_LOCK_DURATION_MS: '2000',
        JOB_STALLED_INTERVAL_MS: '5000',
      }),
    ).toThrow(/JOB_STALLED_INTERVAL_MS, JOB_LOCK_DURATION_MS/);
  });

  it('when LOG_LEVEL and another variable are invalid, then the worker process exits 1 naming both', async () => {
    const worker = startProcess('apps/worker/src/main.ts', {
      ...base,
      EMAIL_FILE_DIR: '/tmp/mail',
      METRICS_PORT: '99999',
      LOG_LEVEL: 'loud',
    });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('Invalid environment');
    expect(worker.output()).toMatch(/LOG_LEVEL: .*\(got "loud"\)/);
    expect(worker.output()).toMatch(/METRICS_PORT: .*\(got "99999"\)/);
  });
});

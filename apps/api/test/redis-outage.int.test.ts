// An API process whose Redis is down from the start keeps running: liveness stays 200 and
// readiness says 503, so the orchestrator waits for Redis instead of restarting the process.
import { apiTestEnv } from '@headroom/testing/api-env';
import { freePort, startProcess } from '@headroom/testing/processes';
import { describe, expect, it } from 'vitest';

describe('Redis down at start-up', () => {
  it('when Redis refuses connections, then the process stays up: healthz 200, readyz 503', async () => {
    const [port, metricsPort, closedRedisPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const api = startProcess(
      'apps/api/src/main.ts',
      apiTestEnv({
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        REDIS_URL: `redis://127.0.0.1:${closedRedisPort}`,
        LOG_LEVEL: 'warn',
      }),
    );
    const baseUrl = `http://127.0.0.1:${port}`;
    const status = async (path: string) => {
      if (api.child.exitCode !== null) return `exited:\n${api.output()}`;
      return fetch(`${baseUrl}${path}`).then(
        (response) => response.status,
        () => 'not listening',
      );
    };
    try {
      // startApiProcess waits for readyz 200, which never comes here: wait for liveness instead.
      await expect.poll(() => status('/api/healthz'), { timeout: 20_000 }).toBe(200);
      expect(await status('/api/readyz')).toBe(503);
      // Connection errors are logged as warnings while ioredis keeps retrying.
      await expect
        .poll(() => api.output(), { timeout: 10_000 })
        .toContain('redis connection error');
      expect(await status('/api/healthz')).toBe(200);
      expect(api.child.exitCode).toBeNull();
    } finally {
      await api.stop('SIGKILL');
    }
  });
});

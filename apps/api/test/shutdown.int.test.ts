// SIGTERM while a request is still arriving: the process stops accepting, finishes the
// request, closes its pools and exits 0 within SHUTDOWN_TIMEOUT_MS.
import { connect } from 'node:net';
import { apiTestEnv } from '@headroom/testing/api-env';
import { startApiProcess } from '@headroom/testing/processes';
import { describe, expect, it } from 'vitest';

describe('graceful shutdown', () => {
  it('when SIGTERM arrives mid-request, then that request is answered and the process exits 0', async () => {
    const api = await startApiProcess(
      // debug: the API logs each request as it arrives; unbuffered, so it shows at once.
      apiTestEnv({ SHUTDOWN_TIMEOUT_MS: '5000', LOG_LEVEL: 'debug', LOG_BUFFER_BYTES: '0' }),
    );
    const { port } = new URL(api.baseUrl);
    const body = JSON.stringify({ user: { email: 'nobody@example.com', password: 'password123' } });

    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // Headers and part of the body: the request is in flight (the server has logged it) when
    // the signal arrives.
    socket.write(
      `POST /api/users/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await expect.poll(() => api.output()).toContain('"url":"/api/users/login"');
    api.child.kill('SIGTERM');

    // New connections are refused while the old request finishes.
    await expect
      .poll(async () =>
        fetch(`${api.baseUrl}/api/healthz`).then(
          () => 'accepted',
          () => 'refused',
        ),
      )
      .toBe('refused');

    socket.write(body.slice(10));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(await api.exited).toBe(0);
    expect(api.output()).toContain('shutdown complete');
  });

  it('when a request outlives SHUTDOWN_TIMEOUT_MS, then the process exits non-zero on time', async () => {
    const api = await startApiProcess(
      apiTestEnv({ SHUTDOWN_TIMEOUT_MS: '500', LOG_LEVEL: 'debug', LOG_BUFFER_BYTES: '0' }),
    );
    const { port } = new URL(api.baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /api/users/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );

    await expect.poll(() => api.output()).toContain('"url":"/api/users/login"');
    const signalledAt = Date.now();
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(1);
    expect(Date.now() - signalledAt).toBeLessThan(3_000);
    socket.destroy();
  });
});

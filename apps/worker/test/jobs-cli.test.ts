// The operator CLI as a person meets it with nothing exported: help without any environment,
// the local stack's Redis when REDIS_URL is unset (and a line saying so), and a bad URL as one
// line and exit code 2, never a stack trace. The commands themselves: dead-letter.int.test.ts.
import { freePort } from '@headroom/testing/processes';
import { describe, expect, it } from 'vitest';
import { runJobsCli } from './support/jobs-cli.ts';

describe('npm run jobs, for a person', () => {
  it('when asked for --help with an empty environment, then it prints the usage and exits 0', async () => {
    const result = await runJobsCli({}, '--help');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('usage: npm run jobs -- dlq list');
  });

  it('when REDIS_URL is malformed, then one line names it and the CLI exits 2', async () => {
    const result = await runJobsCli({ REDIS_URL: 'localhost:6379' }, 'dlq', 'list');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('jobs: REDIS_URL: must be a redis:// URL (got "localhost:6379")\n');
  });

  it("when REDIS_URL is unset, then it uses the local stack's Redis and says which", async () => {
    // The stack profile's Redis moved to a port nothing listens on: the URL printed must be
    // the one services.sh computes, and the CLI must give up at once rather than hang. Its
    // replica moves too: after a failover of a stack on this machine the Sentinels name the
    // replica the primary, and REDIS_URL would be the replica's.
    const closedPort = await freePort();
    const result = await runJobsCli(
      {
        HEADROOM_REDIS_PORT: String(closedPort),
        HEADROOM_REDIS_REPLICA_PORT: String(await freePort()),
      },
      'dlq',
      'list',
    );
    // The stack's Redis may require a password: printed hidden, as `***@`.
    expect(result.stderr).toMatch(
      new RegExp(
        `^jobs: REDIS_URL is not set; using the local stack's, redis://(\\*{3}@)?127\\.0\\.0\\.1:${closedPort}$`,
        'm',
      ),
    );
    expect(result.stderr).toContain(`cannot reach Redis at 127.0.0.1:${closedPort}`);
    expect(result.code).toBe(1);
  });
});

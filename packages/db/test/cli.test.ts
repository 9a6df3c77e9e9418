// The migration and seed commands as a person meets them with nothing exported: help without
// any environment, the local stack's Postgres when DATABASE_URL is unset (and a line saying
// so), and a bad URL as one line and exit code 2, never a stack trace.
import { freePort, runNpmScript } from '@headroom/testing/processes';
import { describe, expect, it } from 'vitest';

const commands = [
  { script: 'db:migrate', tool: 'migrate', usage: 'usage: migrate-cli.ts deploy' },
  { script: 'db:seed', tool: 'seed', usage: 'usage: seed-cli.ts [options]' },
] as const;

describe.each(commands)('npm run $script, for a person', ({ script, tool, usage }) => {
  it('when asked for --help with an empty environment, then it prints the usage and exits 0', async () => {
    const result = await runNpmScript(script, {}, '--help');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(usage);
  });

  it('when DATABASE_URL is malformed, then one line names it and the command exits 2', async () => {
    const result = await runNpmScript(script, { DATABASE_URL: 'mysql://root@127.0.0.1/app' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `${tool}: DATABASE_URL: must be a postgresql:// URL (got "mysql://***@127.0.0.1/app")\n`,
    );
  });

  it("when DATABASE_URL is unset, then it uses the local stack's Postgres and says which", async () => {
    // The stack profile's Postgres moved to a port nothing listens on: the URL printed must be
    // the one services.sh computes, and the command must fail rather than touch a database.
    const closedPort = await freePort();
    const result = await runNpmScript(script, { HEADROOM_PG_PORT: String(closedPort) });
    expect(result.stderr).toContain(
      `${tool}: DATABASE_URL is not set; using the local stack's, postgresql://***@127.0.0.1:${closedPort}/headroom\n`,
    );
    expect(result.code).toBe(1);
  });
});

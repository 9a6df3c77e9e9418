// Both Alertmanager configurations pass Alertmanager's own check (`amtool check-config`, from
// Debian's prometheus-alertmanager package, which the native set-up and CI install): compose's
// alertmanager.yml as it is, and native.yml.template as stack.sh renders it.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const configDir = fileURLToPath(new URL('..', import.meta.url));

function checkConfig(file: string) {
  const run = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  if (run.error) throw new Error(`amtool: ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Alertmanager configuration (infra/alertmanager)', () => {
  it("when amtool checks compose's alertmanager.yml, then it is valid and mails one receiver", () => {
    const { status, output } = checkConfig(join(configDir, 'alertmanager.yml'));
    expect(status, output).toBe(0);
    expect(output).toContain('1 receivers');
  });

  it('when the native template is rendered as stack.sh renders it, then amtool finds it valid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'headroom-alertmanager-'));
    try {
      const settings: Record<string, string> = {
        ALERT_SINK_URL: 'http://127.0.0.1:19094/',
        ALERTMANAGER_GROUP_WAIT: '10s',
        ALERTMANAGER_GROUP_INTERVAL: '1m',
        ALERTMANAGER_REPEAT_INTERVAL: '4h',
      };
      const template = await readFile(join(configDir, 'native.yml.template'), 'utf8');
      const rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => settings[name] ?? '');
      await writeFile(join(dir, 'alertmanager.yml'), rendered);
      const { status, output } = checkConfig(join(dir, 'alertmanager.yml'));
      expect(status, output).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

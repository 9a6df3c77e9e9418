// The native profiles' ports as the scripts list them (stack.sh ports, services.sh ports, read
// through packages/testing/src/native-services.ts): the ones infra/topology/ports.txt gives,
// clear of each other and of the ephemeral range. A server port inside
// the range Linux draws outgoing connections' local ports from can be held by a client socket,
// even one in TIME_WAIT after it closed, and the server then fails to bind: CI once lost the
// stack's Postgres (:55432) that way, right after the test suite's load runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nativeServicePorts, nativeStackPorts } from '@headroom/testing/native-services';
import { freePort, TEST_PORT_BAND } from '@headroom/testing/processes';
import { describe, expect, it } from 'vitest';
import {
  listedPart,
  NATIVE_PROFILES,
  readTopology,
  topologyPort,
} from '../../topology/topology.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Linux's default ephemeral range starts here; a machine may set its own (read below). */
const LINUX_DEFAULT_EPHEMERAL_LOW = 32768;

/** The environment without HEADROOM_* overrides, so the scripts print their defaults. */
function defaultsEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('HEADROOM_')),
  );
}

/** A profile's parts and ports, named `<profile> <part>` so the profiles can be listed together. */
function ports(
  profile: 'stack' | 'test' | 'e2e',
  overrides: Record<string, string> = {},
): Map<string, number> {
  const env = { ...defaultsEnv(), ...overrides };
  const listed =
    profile === 'test' ? nativeServicePorts(profile, env) : nativeStackPorts(profile, env);
  return new Map([...listed].map(([part, port]) => [`${profile} ${part}`, port]));
}

function ephemeralLow(): number {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
  return Math.min(Number(low), LINUX_DEFAULT_EPHEMERAL_LOW);
}

const byProfile = [ports('stack'), ports('test'), ports('e2e')];
const everyPort = byProfile.flatMap((profile) => [...profile]);

describe('native ports', () => {
  it('when a profile is listed, then its services and every process it starts have a port', () => {
    expect([...byProfile[0]!.keys()]).toEqual(
      expect.arrayContaining([
        'stack postgres',
        'stack postgres-replica',
        'stack redis',
        'stack redis-cache',
        'stack edge',
        'stack pgbouncer',
      ]),
    );
    // No replica in the test profile: the tests that need one make their own.
    expect([...byProfile[1]!.keys()]).toEqual(['test postgres', 'test redis', 'test redis-cache']);
    expect([...byProfile[2]!.keys()]).toEqual(
      expect.arrayContaining([
        'e2e postgres',
        'e2e postgres-replica',
        'e2e redis',
        'e2e redis-cache',
        'e2e edge',
        'e2e api-1',
      ]),
    );
    for (const [, port] of everyPort) expect(Number.isInteger(port) && port > 0).toBe(true);
  });

  it('when the scripts list their ports, then each part and port is the one infra/topology/ports.txt gives, overrides applied alike', () => {
    const topology = readTopology();
    const overrides = { HEADROOM_REDIS_PORT: '12001', HEADROOM_E2E_API_BASE_PORT: '12100' };
    for (const env of [{}, overrides]) {
      for (const profile of NATIVE_PROFILES) {
        const listed = [...ports(profile, env)].map(
          ([name, port]) => [name.slice(profile.length + 1), port] as const,
        );
        const expected = listed.map(([name]) => {
          const { part, replica } = listedPart(name, topology);
          return [name, topologyPort(profile, part, env, replica, topology)] as const;
        });
        expect(listed).toEqual(expected);
        // And no part of the profile is left out.
        const listedParts = new Set(listed.map(([name]) => listedPart(name, topology).part));
        const parts = topology
          .filter((part) => part.startedBy !== 'compose' && part.ports[profile] !== undefined)
          .map((part) => part.name);
        expect([...listedParts].sort()).toEqual(parts.sort());
      }
    }
  });

  it('when the defaults are used, then no port lies in the ephemeral range of outgoing connections', () => {
    const low = ephemeralLow();
    expect(everyPort.filter(([, port]) => port >= low)).toEqual([]);
  });

  it('when stack, test and e2e run at once, then no two of their parts share a port', () => {
    const owners = new Map<number, string[]>();
    for (const [name, port] of everyPort) owners.set(port, [...(owners.get(port) ?? []), name]);
    expect([...owners.values()].filter((names) => names.length > 1)).toEqual([]);
  });

  it('when a test asks for a free port, then it gets one outside the ephemeral range and clear of every profile', async () => {
    const low = ephemeralLow();
    expect(TEST_PORT_BAND.high).toBeLessThanOrEqual(low);
    const inBand = everyPort.filter(
      ([, port]) => port >= TEST_PORT_BAND.low && port < TEST_PORT_BAND.high,
    );
    expect(inBand).toEqual([]);
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(TEST_PORT_BAND.low);
    expect(port).toBeLessThan(TEST_PORT_BAND.high);
  });

  it('when a port or replica count is set for one profile, then the other profiles keep theirs', () => {
    const exported = {
      HEADROOM_PG_PORT: '12345',
      HEADROOM_EDGE_PORT: '12346',
      HEADROOM_API_REPLICAS: '3',
      HEADROOM_E2E_EDGE_PORT: '12347',
    };
    const stack = ports('stack', exported);
    expect(stack.get('stack postgres')).toBe(12345);
    expect(stack.get('stack edge')).toBe(12346);
    expect(stack.get('stack api-3')).toBe(3003);
    expect(ports('test', exported).get('test postgres')).toBe(15442);
    const e2e = ports('e2e', exported);
    expect(e2e.get('e2e postgres')).toBe(15452);
    expect(e2e.get('e2e edge')).toBe(12347);
    expect(e2e.has('e2e api-2')).toBe(false);
  });

  it('when a port is moved into the ephemeral range, then start-up warns about it', () => {
    const warnFor = (port: number) =>
      spawnSync(
        'bash',
        ['-c', `source infra/native/lib.sh && warn_if_ephemeral_port postgres ${port}`],
        { cwd: repoRoot, encoding: 'utf8' },
      );
    const inside = warnFor(55432);
    expect(inside.status).toBe(0);
    expect(inside.stderr).toContain('postgres port 55432 is inside');
    expect(warnFor(15432).stderr).toBe('');
  });
});

// A network hop a test can degrade: a network namespace joined to this one by a veth pair, for
// processes started inside it (the fault suites' API), and relays on the host's end of the pair
// to servers on this machine's loopback. Everything those processes say to the servers crosses
// the veth, where a test adds a fault and takes it away again:
//   - loss and partition: nftables rules in the namespace drop that share (or all) of the
//     packets to and from a relay's port, in both directions. The kernel's TCP sees real loss:
//     retransmissions with back-off, or a connection that stays open and silent, never a reset.
//   - latency: the relay holds every chunk it forwards for the delay, each way. netem, the usual
//     tool for this, is a kernel module, and this machine's kernel is built without it
//     (CONFIG_NET_SCH_NETEM unset: `tc qdisc add ... netem` says "Specified qdisc kind is
//     unknown"), as container and micro-VM kernels often are.
// Traffic stays on this machine: the pair's addresses are a private /30 routed nowhere else.
// Needs root, `ip` (iproute2) and `nft` (nftables); .ci/run and stack.sh install both.
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Every namespace this file makes is named so; the pid in it tells whose it is. */
const NAMESPACE_PREFIX = 'headroom-hop-';
const NFT_TABLE = 'headroom_faults';

export type NetworkFault =
  | { kind: 'latency'; delayMs: number }
  | { kind: 'loss'; percent: number }
  | { kind: 'partition' };

export interface NetworkHop {
  namespace: string;
  /** The host's end of the pair: processes in the namespace reach the relays here. */
  hostAddress: string;
  /** The namespace's end: a server started inside listens here, and the host reaches it by it. */
  namespaceAddress: string;
  /**
   * Relays hostAddress:<port> to 127.0.0.1:`targetPort`; resolves with that port. A URL for a
   * process in the namespace is `url` with its host and port replaced (see `urlThrough`).
   */
  relay: (targetPort: number) => Promise<number>;
  /** `url` (postgresql://, redis://) as a process in the namespace reaches it: through a relay. */
  urlThrough: (url: string, relayPort: number) => string;
  /** Adds `fault` between the namespace and the relays on `relayPorts` (and only those). */
  degrade: (relayPorts: readonly number[], fault: NetworkFault) => Promise<void>;
  /** Takes every fault away. */
  heal: () => Promise<void>;
  /** Closes the relays and deletes the namespace (and with it the pair). */
  remove: () => Promise<void>;
}

export async function createNetworkHop(): Promise<NetworkHop> {
  await removeOrphanedNamespaces();
  const id = randomBytes(3).toString('hex');
  const namespace = `${NAMESPACE_PREFIX}${process.pid}-${id}`;
  // Interface names are at most 15 characters.
  const [hostEnd, namespaceEnd] = [`hrh${id}`, `hrn${id}`];
  // A random /30 in 10.200.0.0/13, so that hops of test files running at once do not collide.
  const base = `10.${200 + randomInt(8)}.${randomInt(256)}.${randomInt(64) * 4}`;
  const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
  const hostAddress = `${a}.${b}.${c}.${d + 1}`;
  const namespaceAddress = `${a}.${b}.${c}.${d + 2}`;

  const inNamespace = (command: string, ...args: string[]) =>
    run('ip', ['netns', 'exec', namespace, command, ...args]);
  await run('ip', ['netns', 'add', namespace]);
  try {
    await run('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', namespaceEnd]);
    await run('ip', ['link', 'set', namespaceEnd, 'netns', namespace]);
    await run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostEnd]);
    await run('ip', ['link', 'set', hostEnd, 'up']);
    await inNamespace('ip', 'addr', 'add', `${namespaceAddress}/30`, 'dev', namespaceEnd);
    await inNamespace('ip', 'link', 'set', namespaceEnd, 'up');
    await inNamespace('ip', 'link', 'set', 'lo', 'up');
    await inNamespace('nft', `add table inet ${NFT_TABLE}`);
    for (const [chain, hook] of [
      ['to_relays', 'output'],
      ['from_relays', 'input'],
    ] as const) {
      await inNamespace(
        'nft',
        `add chain inet ${NFT_TABLE} ${chain} { type filter hook ${hook} priority 0; policy accept; }`,
      );
    }
  } catch (error) {
    await run('ip', ['netns', 'delete', namespace]).catch(() => undefined);
    await run('ip', ['link', 'delete', hostEnd]).catch(() => undefined);
    throw error;
  }

  let delayMs = 0;
  const delayedPorts = new Set<number>();
  const relays: { server: Server; sockets: Set<Socket> }[] = [];

  async function relay(targetPort: number): Promise<number> {
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        // Either side gone: so is the connection (as it would be end to end).
        socket.once('close', () => {
          client.destroy();
          upstream.destroy();
        });
        socket.on('error', () => undefined);
      }
      const port = () => (server.address() as { port: number }).port;
      const delay = () => (delayedPorts.has(port()) ? delayMs : 0);
      forwardWithDelay(client, upstream, delay);
      forwardWithDelay(upstream, client, delay);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Port 0: the kernel's choice is free, and nothing needs it again after a restart.
      server.listen(0, hostAddress, resolve);
    });
    relays.push({ server, sockets });
    return (server.address() as { port: number }).port;
  }

  async function heal() {
    delayMs = 0;
    delayedPorts.clear();
    await inNamespace('nft', `flush table inet ${NFT_TABLE}`);
  }

  return {
    namespace,
    hostAddress,
    namespaceAddress,
    relay,
    urlThrough: (url, relayPort) => {
      const parsed = new URL(url);
      parsed.hostname = hostAddress;
      parsed.port = String(relayPort);
      return parsed.href;
    },
    degrade: async (relayPorts, fault) => {
      await heal();
      if (fault.kind === 'latency') {
        delayMs = fault.delayMs;
        for (const port of relayPorts) delayedPorts.add(port);
        return;
      }
      // numgen draws per packet: `percent` of them (to the tenth) are dropped.
      const share =
        fault.kind === 'loss' ? `numgen random mod 1000 < ${Math.round(fault.percent * 10)} ` : '';
      for (const port of relayPorts) {
        await inNamespace(
          'nft',
          `add rule inet ${NFT_TABLE} to_relays ip daddr ${hostAddress} tcp dport ${port} ${share}drop`,
        );
        await inNamespace(
          'nft',
          `add rule inet ${NFT_TABLE} from_relays ip saddr ${hostAddress} tcp sport ${port} ${share}drop`,
        );
      }
    },
    heal,
    remove: async () => {
      for (const { server, sockets } of relays) {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
      await run('ip', ['netns', 'delete', namespace]).catch(() => undefined);
      // Deleting the namespace deletes its end of the pair, and with it the host's end.
      await run('ip', ['link', 'delete', hostEnd]).catch(() => undefined);
    },
  };
}

/**
 * Forwards what `from` sends to `to`, each chunk `delay()` ms after it arrived, in order: a
 * chunk never overtakes an earlier one when the delay drops.
 */
function forwardWithDelay(from: Socket, to: Socket, delay: () => number) {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const drain = () => {
    timer = undefined;
    const now = Date.now();
    while (queue[0] && queue[0].due <= now) {
      const next = queue.shift();
      if (next && !to.destroyed) to.write(next.chunk);
    }
    if (queue[0]) timer = setTimeout(drain, queue[0].due - now);
  };
  from.on('data', (chunk: Buffer) => {
    const ms = delay();
    if (ms === 0 && queue.length === 0) {
      to.write(chunk);
      return;
    }
    const due = Math.max(Date.now() + ms, queue.at(-1)?.due ?? 0);
    queue.push({ due, chunk });
    timer ??= setTimeout(drain, due - Date.now());
  });
  from.once('close', () => clearTimeout(timer));
}

/** Namespaces left by test processes that died before removing them (and their pairs). */
async function removeOrphanedNamespaces() {
  const { stdout } = await run('ip', ['netns', 'list']);
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = Number(name.slice(NAMESPACE_PREFIX.length).split('-')[0]);
    if (!name.startsWith(NAMESPACE_PREFIX) || !Number.isInteger(pid) || isAlive(pid)) continue;
    await run('ip', ['netns', 'delete', name]).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

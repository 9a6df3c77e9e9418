// The operations side every long-running Headroom process shares (the API and the worker): the
// Prometheus scrape endpoint on a port of its own, which the load balancer never exposes, and
// the graceful shutdown on SIGTERM or SIGINT, with a deadline. What each app closes, and in which
// order, stays in its main.ts; so does the decision to exit, which main.ts passes in as `exit`.
import { createServer, type Server } from 'node:http';
import { flushTelemetry } from './lifecycle.ts';

/** What the server needs of a prom-client Registry. */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** What it needs of a pino logger (Fastify's `app.log` is one). */
export interface OpsLog {
  info(fields: object, message: string): void;
  info(message: string): void;
  warn(fields: object, message: string): void;
  error(message: string): void;
}

/** Serves `registry` at GET /metrics, 404 elsewhere; call `listen(port, host)` to start it. */
export function createMetricsServer(options: { registry: MetricsRegistry; log: OpsLog }): Server {
  const { registry, log } = options;
  return createServer(async (request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    // Collected before the status line is written: a failed collection must become a 503, not
    // a second writeHead on a response already sent (which throws and kills the process).
    try {
      const body = await registry.metrics();
      response.writeHead(200, { 'content-type': registry.contentType }).end(body);
    } catch (error) {
      log.warn({ err: error }, 'metrics collection failed');
      response.writeHead(503).end();
    }
  });
}

/**
 * On the first SIGTERM or SIGINT: logs it, runs `stop` (the app's own closing steps), flushes
 * telemetry and exits 0. If `stop` outlives `timeoutMs`, logs `timedOutMessage` and exits 1
 * anyway: the orchestrator would kill the process soon after.
 */
export function shutDownOnSignals(options: {
  timeoutMs: number;
  /** What was still running when the deadline passed, and what becomes of it. */
  timedOutMessage: string;
  stop: () => Promise<void>;
  log: OpsLog;
  exit: (code: number) => never;
}): void {
  const { timeoutMs, timedOutMessage, stop, log, exit } = options;
  let shuttingDown = false;
  async function shutdown(signal: NodeJS.Signals) {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal, timeoutMs }, 'shutting down');
    setTimeout(() => {
      log.error(timedOutMessage);
      exit(1);
    }, timeoutMs).unref();
    await stop();
    log.info('shutdown complete');
    await flushTelemetry();
    exit(0);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal));
  }
}

// Sends a scenario plan's requests with autocannon, phase after phase, and records every
// response (label, status, time) and every connection error.
import { RECONNECT_EVERY_REQUESTS } from '@headroom/testing/load-client';
import autocannon from 'autocannon';
import {
  type ApiRequest,
  type Fixtures,
  type Phase,
  requestHeaders,
  type ScenarioPlan,
} from '../scenarios.ts';
import type { Recorder } from '../stats.ts';

/** Seconds before autocannon gives up on a response and counts a timeout. */
const REQUEST_TIMEOUT_SECONDS = 10;
/** Long phases print a progress line this often. */
const PROGRESS_EVERY_SECONDS = 10;
/**
 * autocannon meters a rate per connection and per wall-clock second: each connection sends its
 * quota back to back when the second starts, then idles. At 400 requests/s over 100
 * connections that is 100 requests at once, and the latency measured is a burst's, not a
 * steady rate's. A rate phase therefore runs as this many autocannon instances started a
 * tenth of a second apart, each with a tenth of the rate and connections: bursts ten times
 * smaller, ten times as often. (k6's arrival-rate executors spread requests evenly already.)
 */
const RATE_SLICES = 10;

/** What autocannon carries from a request's set-up to its response, per connection. */
interface RequestContext {
  request?: ApiRequest;
  sentAt?: number;
}

export async function runPlan({
  plan,
  fixtures,
  baseUrl,
  recorder,
  log,
}: {
  plan: ScenarioPlan;
  fixtures: Fixtures;
  baseUrl: string;
  recorder: Recorder;
  log: (line: string) => void;
}): Promise<void> {
  const runStart = performance.now();
  const secondsSinceStart = () => (performance.now() - runStart) / 1000;

  for (const phase of plan.phases) {
    log(
      `${phase.name}: ${phase.seconds} s, ${phase.rate === null ? 'as fast as possible' : `${phase.rate} requests/s`}, ${phase.connections} connections`,
    );
    const progress =
      phase.seconds > PROGRESS_EVERY_SECONDS * 1.5
        ? setInterval(() => {
            const { responses, errors } = recorder.counts();
            log(`  ${Math.round(secondsSinceStart())} s: ${responses} responses, ${errors} errors`);
          }, PROGRESS_EVERY_SECONDS * 1000)
        : undefined;
    try {
      await Promise.all(
        slices(phase).map(async ({ delaySeconds, rate, connections }) => {
          await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
          await runInstance({ connections, rate, seconds: phase.seconds });
        }),
      );
    } finally {
      clearInterval(progress);
    }

    function runInstance(slice: { connections: number; rate: number | null; seconds: number }) {
      const options: autocannon.Options = {
        url: baseUrl,
        connections: slice.connections,
        duration: slice.seconds,
        ...(slice.rate === null ? {} : { overallRate: slice.rate }),
        timeout: REQUEST_TIMEOUT_SECONDS,
        // The stack is behind nginx, which closes a connection after 1,000 requests.
        reconnectRate: RECONNECT_EVERY_REQUESTS,
        requests: [
          {
            // autocannon builds each request just before writing it, with a fresh context; the
            // same context comes back with its response (one request in flight per connection).
            setupRequest: (defaults, rawContext) => {
              const context = rawContext as RequestContext;
              const request = plan.request(fixtures, Math.random);
              context.request = request;
              context.sentAt = performance.now();
              return {
                ...defaults,
                method: request.method,
                path: request.path,
                headers: { ...defaults.headers, ...requestHeaders(request) },
                body: request.body ?? '',
              };
            },
            onResponse: (status, _body, rawContext, headers) => {
              const { request, sentAt } = rawContext as RequestContext;
              if (request === undefined || sentAt === undefined) return;
              recorder.response({
                label: request.label,
                phase: phase.name,
                status,
                expected: request.expect.includes(status),
                ms: performance.now() - sentAt,
                at: secondsSinceStart(),
                cacheStatus: cacheStatusOf(headers),
              });
            },
          },
        ],
      };
      return new Promise<void>((resolve, reject) => {
        const instance = autocannon(options, (error) => (error ? reject(error) : resolve()));
        instance.on('reqError', (error: Error) => {
          const timedOut = error.message === 'request timed out';
          recorder.connectionError(phase.name, secondsSinceStart(), timedOut);
        });
      });
    }
  }
}

/**
 * The edge's X-Cache-Status. autocannon passes the response headers as sent (nginx writes
 * `X-Cache-Status`), not lower-cased as Node's http does.
 */
function cacheStatusOf(
  headers: Record<string, string | string[] | undefined> | undefined,
): string | undefined {
  const value = headers?.['X-Cache-Status'] ?? headers?.['x-cache-status'];
  return Array.isArray(value) ? value[0] : value;
}

/** A closed-loop phase runs as one instance; a rate phase as staggered slices (RATE_SLICES). */
export function slices(
  phase: Phase,
): { delaySeconds: number; rate: number | null; connections: number }[] {
  if (phase.rate === null) return [{ delaySeconds: 0, rate: null, connections: phase.connections }];
  const count = Math.max(1, Math.min(RATE_SLICES, phase.rate, phase.connections));
  const share = (total: number, index: number) =>
    Math.floor(total / count) + (index < total % count ? 1 : 0);
  return Array.from({ length: count }, (_, index) => ({
    delaySeconds: index / count,
    rate: share(phase.rate!, index),
    connections: share(phase.connections, index),
  }));
}

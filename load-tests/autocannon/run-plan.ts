// Sends a scenario plan's requests with autocannon, one autocannon instance per phase, and
// records every response (label, status, time) and every connection error.
import autocannon from 'autocannon';
import { type ApiRequest, type Fixtures, requestHeaders, type ScenarioPlan } from '../scenarios.ts';
import type { Recorder } from '../stats.ts';

/** Seconds before autocannon gives up on a response and counts a timeout. */
const REQUEST_TIMEOUT_SECONDS = 10;
/** Long phases print a progress line this often. */
const PROGRESS_EVERY_SECONDS = 10;

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
    const options: autocannon.Options = {
      url: baseUrl,
      connections: phase.connections,
      duration: phase.seconds,
      ...(phase.rate === null ? {} : { overallRate: phase.rate }),
      timeout: REQUEST_TIMEOUT_SECONDS,
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
          onResponse: (status, _body, rawContext) => {
            const { request, sentAt } = rawContext as RequestContext;
            if (request === undefined || sentAt === undefined) return;
            recorder.response({
              label: request.label,
              phase: phase.name,
              status,
              expected: request.expect.includes(status),
              ms: performance.now() - sentAt,
              at: secondsSinceStart(),
            });
          },
        },
      ],
    };
    const progress =
      phase.seconds > PROGRESS_EVERY_SECONDS * 1.5
        ? setInterval(() => {
            const { responses, errors } = recorder.counts();
            log(`  ${Math.round(secondsSinceStart())} s: ${responses} responses, ${errors} errors`);
          }, PROGRESS_EVERY_SECONDS * 1000)
        : undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const instance = autocannon(options, (error) => (error ? reject(error) : resolve()));
        instance.on('reqError', (error: Error) => {
          const timedOut = error.message === 'request timed out';
          recorder.connectionError(phase.name, secondsSinceStart(), timedOut);
        });
      });
    } finally {
      clearInterval(progress);
    }
  }
}

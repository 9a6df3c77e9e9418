// Clients that keep asking while a fault suite breaks something, and remember every answer with
// its time: what each request got (2xx, 503 with Retry-After, anything else, or nothing before
// a hang deadline), so a suite can say when service stopped and when it came back.

/** A request with no answer after this has hung, as far as a client is concerned. */
export const HANG_DEADLINE_MS = 15_000;

export type Outcome = 'ok' | 'unavailable' | 'unexpected' | 'hung' | 'failed';

export interface Answer {
  /** When the request was sent, and when its answer (or the failure) came. */
  at: number;
  answeredAt: number;
  name: string;
  /** The request this answers. */
  request: RequestSpec;
  outcome: Outcome;
  status?: number;
  detail?: string;
}

export interface RequestSpec {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  token?: string;
  body?: unknown;
}

export async function ask(baseUrl: string, spec: RequestSpec): Promise<Answer> {
  const at = Date.now();
  return { at, request: spec, ...(await send(baseUrl, spec)), answeredAt: Date.now() };
}

async function send(
  baseUrl: string,
  spec: RequestSpec,
): Promise<Omit<Answer, 'at' | 'answeredAt' | 'request'>> {
  try {
    const response = await fetch(`${baseUrl}${spec.path}`, {
      method: spec.method,
      headers: {
        ...(spec.token && { authorization: `Token ${spec.token}` }),
        ...(spec.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(spec.body !== undefined && { body: JSON.stringify(spec.body) }),
      signal: AbortSignal.timeout(HANG_DEADLINE_MS),
    });
    const text = await response.text();
    const { status } = response;
    if (status >= 200 && status < 300) return { name: spec.name, outcome: 'ok', status };
    if (status === 503 && response.headers.get('retry-after')) {
      return { name: spec.name, outcome: 'unavailable', status, detail: text.slice(0, 300) };
    }
    return { name: spec.name, outcome: 'unexpected', status, detail: text.slice(0, 300) };
  } catch (error) {
    const name = (error as Error).name;
    return {
      name: spec.name,
      outcome: name === 'TimeoutError' ? 'hung' : 'failed',
      detail: String((error as Error).message),
    };
  }
}

/**
 * `concurrency` loops, each sending the next request of `next()` as soon as the previous one
 * is answered, until stop() is called; stop() resolves with every answer.
 */
export function startRequestLoops(
  baseUrl: string,
  concurrency: number,
  next: (loop: number, index: number) => RequestSpec,
) {
  const answers: Answer[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async (_, loop) => {
    for (let index = 0; running; index++) {
      answers.push(await ask(baseUrl, next(loop, index)));
    }
  });
  return {
    answers,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

/** Counts of each outcome, and the unexpected ones themselves (for a failure message). */
export function summarise(answers: Answer[]) {
  const counts: Record<Outcome, number> = {
    ok: 0,
    unavailable: 0,
    unexpected: 0,
    hung: 0,
    failed: 0,
  };
  for (const answer of answers) counts[answer.outcome]++;
  const wrong = answers.filter(
    (answer) => answer.outcome !== 'ok' && answer.outcome !== 'unavailable',
  );
  return { counts, wrong: wrong.slice(0, 5) };
}

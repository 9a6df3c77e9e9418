// The one place the site talks HTTP. Requests go to /api on the page's own origin: the edge
// (infra/nginx/edge.conf.template) passes them to the API, so the site needs no CORS and no
// configuration per environment.
import type { FieldErrors } from './types.ts';

export const API_BASE = '/api';

/** The `network` problem: the request or its answer was cut off on the way. */
const UNREACHABLE = 'could not reach the server; check your connection';

/**
 * A failed request, always with RealWorld-shaped `errors`. `status` is 0 when no answer came
 * back (offline, or the connection dropped).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: FieldErrors;

  constructor(status: number, errors: FieldErrors) {
    super(
      Object.entries(errors)
        .map(([field, messages]) => `${field} ${messages.join(', ')}`)
        .join('; '),
    );
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export interface HttpClient {
  request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options?: { body?: unknown; signal?: AbortSignal | undefined },
  ): Promise<T>;
}

export interface HttpClientOptions {
  /** The signed-in user's JWT, sent as `Authorization: Token <jwt>`. */
  token: string | null;
  /** Called when a request that carried a token is refused with 401: the session is over. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  return {
    async request<T>(
      method: string,
      path: string,
      { body, signal }: { body?: unknown; signal?: AbortSignal | undefined } = {},
    ): Promise<T> {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (options.token) headers.Authorization = `Token ${options.token}`;

      let response: Response;
      try {
        response = await send(`${API_BASE}${path}`, {
          method,
          headers,
          body: body === undefined ? null : JSON.stringify(body),
          signal: signal ?? null,
          // The browser may keep answers, but asks the edge before each use (a 304 when
          // unchanged). The API's anonymous answers allow stale-while-revalidate, meant for the
          // edge; without this a browser could show a page from before the user's own write
          // (signed out since, so no longer told apart by Authorization) while it revalidates.
          cache: 'no-cache',
        });
      } catch (error) {
        if (isAbort(error)) throw error;
        throw new ApiError(0, { network: [UNREACHABLE] });
      }

      if (response.status === 401 && options.token) options.onUnauthorized?.();
      if (response.status === 204) return undefined as T;
      const payload = await readJson(response);
      if (response.ok) return payload as T;
      throw new ApiError(response.status, errorsOf(payload, response.status));
    },
  };
}

async function readJson(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // The headers came, then the connection dropped while the body was on its way.
    if (isAbort(error)) throw error;
    throw new ApiError(0, { network: [UNREACHABLE] });
  }
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    // An HTML error page from a proxy (502 from the edge while the API restarts).
    return null;
  }
}

function errorsOf(payload: unknown, status: number): FieldErrors {
  const errors = (payload as { errors?: unknown } | null)?.errors;
  if (typeof errors === 'object' && errors !== null && !Array.isArray(errors)) {
    return Object.fromEntries(
      Object.entries(errors).map(([field, messages]) => [
        field,
        Array.isArray(messages) ? messages.map(String) : [String(messages)],
      ]),
    );
  }
  return {
    server:
      status >= 500 ? ['is unavailable right now; try again'] : [`answered ${status} unexpectedly`],
  };
}

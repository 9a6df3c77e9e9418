// Errors that services throw and the HTTP layer turns into RealWorld error bodies:
//   { "errors": { "<field>": ["<message>"] } }
// A service says what went wrong (`throw new NotFoundError('article')`); the status code is
// decided in one place, `statusOf`, by looking the class up in a table.

export type ErrorBody = { errors: Record<string, string[]> };

/** A failure the client can act on; its `problems` are safe to show. */
export abstract class ClientError extends Error {
  readonly problems: Record<string, string[]>;

  constructor(problems: Record<string, string[]>) {
    super(
      Object.entries(problems)
        .map(([field, messages]) => `${field} ${messages.join(', ')}`)
        .join('; '),
    );
    this.name = new.target.name;
    this.problems = problems;
  }

  toBody(): ErrorBody {
    return { errors: this.problems };
  }
}

/** 422: the request was understood but its content is not acceptable. */
export class ValidationError extends ClientError {}

/** 401: no credentials, or credentials that do not check out. */
export class UnauthorizedError extends ClientError {
  static missingToken(): UnauthorizedError {
    return new UnauthorizedError({ token: ['is missing'] });
  }

  static invalidToken(): UnauthorizedError {
    return new UnauthorizedError({ token: ['is invalid'] });
  }

  static invalidCredentials(): UnauthorizedError {
    return new UnauthorizedError({ credentials: ['invalid'] });
  }
}

/** 403: authenticated, but not allowed to touch this resource (or not with this proof). */
export class ForbiddenError extends ClientError {
  constructor(resource: string, message = 'forbidden') {
    super({ [resource]: [message] });
  }
}

/** 404: the named resource does not exist. */
export class NotFoundError extends ClientError {
  constructor(resource: string) {
    super({ [resource]: ['not found'] });
  }
}

/** 409: a unique value is already taken by someone else. */
export class ConflictError extends ClientError {
  constructor(...fields: string[]) {
    super(Object.fromEntries(fields.map((field) => [field, ['has already been taken']])));
  }
}

/** 429: too many attempts. The rate limiter has already set Retry-After on the reply. */
export class TooManyRequestsError extends ClientError {
  constructor() {
    super({ request: ['too many attempts, retry later'] });
  }
}

/**
 * 503: a dependency this request needs is unavailable; the caller sets Retry-After. Used where
 * answering without the dependency would be unsafe (a fail-closed rate limit with Redis down).
 */
export class ServiceUnavailableError extends ClientError {
  constructor(dependency: string) {
    super({ [dependency]: ['temporarily unavailable, retry later'] });
  }
}

const statusByErrorClass = new Map<abstract new (...args: never[]) => ClientError, number>([
  [ValidationError, 422],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [TooManyRequestsError, 429],
  [ServiceUnavailableError, 503],
]);

export function statusOf(error: ClientError): number {
  const status = statusByErrorClass.get(error.constructor as typeof ClientError);
  if (status === undefined) throw new TypeError(`No status mapped for ${error.name}`);
  return status;
}

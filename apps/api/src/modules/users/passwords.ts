// Password hashing with argon2id (OWASP's first choice). The cost parameters come from config;
// each hash records its own parameters, so raising the cost later keeps old hashes verifiable.
// @node-rs/argon2 hashes on libuv's thread pool: the event loop keeps serving while it works,
// and neither the event-loop delay nor the database pool shows a queue there. So the hasher sheds
// its own load: past `maxInFlight` hashes at once, a request's password work is refused with the
// load-shedding 503 instead of queueing behind the others.
import { hash, verify } from '@node-rs/argon2';
import { OverloadedError } from '../../plugins/load-shedding.ts';

/** `Algorithm.Argon2id` in @node-rs/argon2; its enum is `const` and cannot be imported as a value. */
const ARGON2ID = 2;

export function createPasswordHasher(options: {
  memoryKib: number;
  iterations: number;
  /** Hashes in flight past which new password work answers 503 (PASSWORD_HASH_MAX_IN_FLIGHT); 0: no limit. */
  maxInFlight: number;
}) {
  const parameters = {
    algorithm: ARGON2ID,
    memoryCost: options.memoryKib,
    timeCost: options.iterations,
    parallelism: 1,
  };
  // Verifying against this when the email is unknown makes "no such user" take as long as
  // "wrong password", so response times do not reveal which emails are registered.
  const decoyHash = hash('not-a-real-password', parameters);
  let inFlight = 0;
  // The decoy verify is admitted like a real one: a refusal must not tell the two apart either.
  async function admitted<Result>(work: () => Promise<Result>): Promise<Result> {
    if (options.maxInFlight > 0 && inFlight >= options.maxInFlight) {
      throw new OverloadedError('passwordHashes');
    }
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
    }
  }

  return {
    hash: (password: string): Promise<string> => admitted(() => hash(password, parameters)),

    verify: (passwordHash: string | null, password: string): Promise<boolean> =>
      admitted(async () => {
        if (passwordHash === null) {
          await verify(await decoyHash, password);
          return false;
        }
        return verify(passwordHash, password);
      }),
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;

// Password hashing with argon2id (OWASP's first choice). The cost parameters come from config;
// each hash records its own parameters, so raising the cost later keeps old hashes verifiable.
// @node-rs/argon2 hashes on libuv's thread pool: the event loop keeps serving while it works.
import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` in @node-rs/argon2; its enum is `const` and cannot be imported as a value. */
const ARGON2ID = 2;

export function createPasswordHasher(options: { memoryKib: number; iterations: number }) {
  const parameters = {
    algorithm: ARGON2ID,
    memoryCost: options.memoryKib,
    timeCost: options.iterations,
    parallelism: 1,
  };
  // Verifying against this when the email is unknown makes "no such user" take as long as
  // "wrong password", so response times do not reveal which emails are registered.
  const decoyHash = hash('not-a-real-password', parameters);

  return {
    hash: (password: string): Promise<string> => hash(password, parameters),

    async verify(passwordHash: string | null, password: string): Promise<boolean> {
      if (passwordHash === null) {
        await verify(await decoyHash, password);
        return false;
      }
      return verify(passwordHash, password);
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;

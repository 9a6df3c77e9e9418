// Text Postgres cannot hold. A NUL (U+0000) in any value that reaches a query fails it with
// SQLSTATE 22021. An unpaired UTF-16 surrogate (half of a pair, "\ud800") is valid in JSON and
// in a JavaScript string but has no UTF-8 form: a json column refuses it (22P02, a 500 on
// POST /api/articles found by the schema-driven fuzzer), and a text column would silently
// store U+FFFD instead. So every string a request carries (path parameters, query string,
// body) is checked once, here, before validation, and either is a 422 naming its field. A path
// parameter gets the same 422 rather than a 404: nothing was looked up, the input is malformed.
import { ValidationError } from '@headroom/errors/http-errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const NUL = '\u0000';
/** In a `u` regular expression a surrogate pair is one code point: this finds unpaired halves. */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/** What is wrong with a string Postgres cannot store, if anything. */
function problemWith(text: string): string | undefined {
  if (text.includes(NUL)) return 'must not contain the NUL character';
  if (UNPAIRED_SURROGATE.test(text)) return 'must be valid Unicode (an unpaired surrogate)';
  return undefined;
}

export const nulCharactersPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request) => {
      const found =
        fieldWithProblem(request.params, 'params') ??
        fieldWithProblem(request.query, 'query') ??
        fieldWithProblem(request.body, 'body');
      if (found !== undefined) throw new ValidationError({ [found.field]: [found.problem] });
    });
  },
  { name: 'nul-characters' },
);

/**
 * The first field whose string value Postgres cannot store, at any depth (a string in a list
 * is named after the list, as validation errors are). Walked with a stack, not recursion: a
 * body nested ten thousand levels deep must not overflow the call stack.
 */
function fieldWithProblem(
  input: unknown,
  name: string,
): { field: string; problem: string } | undefined {
  const pending: [value: unknown, field: string][] = [[input, name]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, field] = next;
    if (typeof value === 'string') {
      const problem = problemWith(value);
      if (problem !== undefined) return { field, problem };
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push([item, field]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) pending.push([item, key]);
    }
  }
  return undefined;
}

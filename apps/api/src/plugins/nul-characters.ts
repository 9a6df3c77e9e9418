// Postgres text cannot hold U+0000: a NUL in any value that reaches a query fails it with
// SQLSTATE 22021. So every string a request carries (path parameters, query string, body) is
// checked once, here, before validation, and a NUL is a 422 naming its field. A path
// parameter gets the same 422 rather than a 404: nothing was looked up, the input is malformed.
import { ValidationError } from '@headroom/errors/http-errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const NUL = '\u0000';

export const nulCharactersPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request) => {
      const field =
        fieldHoldingNul(request.params, 'params') ??
        fieldHoldingNul(request.query, 'query') ??
        fieldHoldingNul(request.body, 'body');
      if (field !== undefined) {
        throw new ValidationError({ [field]: ['must not contain the NUL character'] });
      }
    });
  },
  { name: 'nul-characters' },
);

/**
 * The name of the field whose string value holds a NUL, at any depth (a string in a list is
 * named after the list, as validation errors are). Walked with a stack, not recursion: a body
 * nested ten thousand levels deep must not overflow the call stack.
 */
function fieldHoldingNul(input: unknown, name: string): string | undefined {
  const pending: [value: unknown, field: string][] = [[input, name]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, field] = next;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return field;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push([item, field]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) pending.push([item, key]);
    }
  }
  return undefined;
}

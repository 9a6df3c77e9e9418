import { describe, expect, it } from 'vitest';
import { isRecordNotFound, isUniqueViolation } from '../src/prisma-errors.ts';

// Shapes Prisma 7 produces through @prisma/adapter-pg, with errorFormat "minimal" (production).
const slugTaken = {
  code: 'P2002',
  message: 'Unique constraint failed',
  meta: {
    modelName: 'Article',
    driverAdapterError: {
      name: 'DriverAdapterError',
      cause: { kind: 'UniqueConstraintViolation', constraint: { index: 'articles_slug_key' } },
    },
  },
};
const emailTaken = { code: 'P2002', message: '', meta: { modelName: 'User', target: ['email'] } };

describe('isUniqueViolation', () => {
  it('recognises the column in a constraint name or a target list, not in the message', () => {
    expect(isUniqueViolation(slugTaken, 'slug')).toBe(true);
    expect(isUniqueViolation(slugTaken, 'title')).toBe(false);
    expect(isUniqueViolation(emailTaken, 'email')).toBe(true);
    expect(isUniqueViolation(emailTaken, 'username')).toBe(false);
    expect(
      isUniqueViolation({ ...emailTaken, meta: {}, message: 'on the fields: (`email`)' }, 'email'),
    ).toBe(false);
  });

  it('is false for other errors', () => {
    expect(isUniqueViolation(new Error('P2002'), 'slug')).toBe(false);
    expect(isUniqueViolation({ code: 'P2025' })).toBe(false);
    expect(isRecordNotFound({ code: 'P2025', message: '' })).toBe(true);
  });
});

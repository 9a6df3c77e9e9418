import { describe, expect, it } from 'vitest';
import {
  isForeignKeyViolation,
  isInvalidDataError,
  isRecordNotFound,
  isUniqueViolation,
} from '../src/prisma-errors.ts';

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

// Recorded from Prisma 7.10 through @prisma/adapter-pg against Postgres.
const articleVanished = {
  code: 'P2003',
  message: '',
  meta: {
    modelName: 'Favorite',
    driverAdapterError: {
      name: 'DriverAdapterError',
      cause: {
        originalCode: '23503',
        kind: 'ForeignKeyConstraintViolation',
        constraint: { index: 'favorites_article_id_fkey' },
      },
    },
  },
};
const nulInText = {
  code: 'P2039',
  message: '',
  meta: {
    modelName: 'Article',
    driverAdapterError: {
      name: 'DriverAdapterError',
      cause: { originalCode: '22021', kind: 'postgres', code: '22021' },
    },
  },
};
const idOutOfRange = {
  code: 'P2020',
  message: '',
  meta: {
    modelName: 'Notification',
    driverAdapterError: {
      name: 'DriverAdapterError',
      cause: { originalCode: '22003', kind: 'ValueOutOfRange' },
    },
  },
};

/** What a raw query (a single-statement insert) reports for the same violation. */
const articleVanishedInRawQuery = {
  code: 'P2010',
  message: 'Raw query failed.',
  meta: {
    driverAdapterError: {
      name: 'DriverAdapterError',
      cause: {
        originalCode: '23503',
        kind: 'ForeignKeyConstraintViolation',
        constraint: { index: 'comments_article_id_fkey' },
      },
    },
  },
};

describe('isForeignKeyViolation', () => {
  it('when a raw query broke the foreign key, then it is recognised by its column too', () => {
    expect(isForeignKeyViolation(articleVanishedInRawQuery, 'article_id')).toBe(true);
    expect(isForeignKeyViolation(articleVanishedInRawQuery, 'author_id')).toBe(false);
    expect(isForeignKeyViolation({ ...articleVanishedInRawQuery, meta: {} })).toBe(false);
  });

  it('recognises the foreign key by its column', () => {
    expect(isForeignKeyViolation(articleVanished)).toBe(true);
    expect(isForeignKeyViolation(articleVanished, 'article_id')).toBe(true);
    expect(isForeignKeyViolation(articleVanished, 'user_id')).toBe(false);
    expect(isForeignKeyViolation(slugTaken)).toBe(false);
  });
});

describe('isInvalidDataError', () => {
  it('recognises values Postgres cannot hold, and nothing else', () => {
    expect(isInvalidDataError(nulInText)).toBe(true);
    expect(isInvalidDataError(idOutOfRange)).toBe(true);
    expect(isInvalidDataError(articleVanished)).toBe(false);
    expect(isInvalidDataError({ code: 'P2039', message: '', meta: {} })).toBe(false);
    expect(isInvalidDataError(new Error('22021'))).toBe(false);
  });
});

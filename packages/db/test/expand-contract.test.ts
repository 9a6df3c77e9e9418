// The expand/contract rule (docs/database.md, "Expand and contract"): the checker on small
// SQL samples that must pass and must fail, then on every migration in prisma/migrations.
import { describe, expect, it } from 'vitest';
import {
  contractStepOf,
  findDestructiveChanges,
  findExpandContractViolations,
  GRANDFATHERED_MIGRATIONS,
  GRANDFATHERING_ENDS,
  readMigrations,
  splitStatements,
} from '../src/expand-contract.ts';
import { MIGRATIONS_DIR } from '../src/migrate.ts';

const kinds = (sql: string) => findDestructiveChanges(sql).map((change) => change.kind);

describe('findDestructiveChanges, on changes the previous release survives', () => {
  it.each([
    ['a new table', 'CREATE TABLE "t" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL);'],
    ['a nullable column', 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;'],
    [
      'a NOT NULL column with a default',
      'ALTER TABLE "users" ADD COLUMN "score" INTEGER NOT NULL DEFAULT 0;',
    ],
    ['a serial column', 'ALTER TABLE "t" ADD COLUMN "n" BIGSERIAL NOT NULL;'],
    ['an index', 'CREATE INDEX "i" ON "t"("a");'],
    ['an index dropped concurrently', 'DROP INDEX CONCURRENTLY "i";'],
    ['a constraint dropped', 'ALTER TABLE "t" DROP CONSTRAINT "t_a_fkey";'],
    ['a foreign key', 'ALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "u"("id");'],
    ['an index renamed', 'ALTER INDEX "a" RENAME TO "b";'],
    ['a default set', 'ALTER TABLE "t" ALTER COLUMN "a" SET DEFAULT 1;'],
    ['NOT NULL loosened', 'ALTER TABLE "t" ALTER COLUMN "a" DROP NOT NULL;'],
    ['a backfill', `UPDATE "t" SET "a" = 'DROP TABLE users' WHERE "a" IS NULL;`],
    [
      'a function whose body drops and renames',
      `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN EXECUTE 'DROP TABLE x'; ALTER TABLE y RENAME TO z; RETURN NULL; END; $$;`,
    ],
    ['a comment that says DROP', '-- DROP TABLE "users";\nCREATE INDEX "i" ON "t"("a");'],
    ['a column whose name contains rename', 'ALTER TABLE "t" ADD COLUMN "rename_count" INTEGER;'],
  ])('when the migration adds %s, then nothing is destructive', (_what, sql) => {
    expect(kinds(sql)).toEqual([]);
  });
});

describe('findDestructiveChanges, on changes that break the previous release', () => {
  it.each([
    ['a table dropped', 'DROP TABLE "follows";', ['drop-table']],
    ['a column dropped', 'ALTER TABLE "users" DROP COLUMN "bio";', ['drop-column']],
    ['a column dropped without the keyword', 'ALTER TABLE "users" DROP "bio";', ['drop-column']],
    ['an index dropped under a lock', 'DROP INDEX "users_email_key";', ['drop-index-locking']],
    ['a column renamed', 'ALTER TABLE "users" RENAME COLUMN "bio" TO "about";', ['rename']],
    ['a table renamed', 'ALTER TABLE "users" RENAME TO "accounts";', ['rename']],
    ['a type renamed', 'ALTER TYPE "kind" RENAME TO "sort";', ['rename']],
    [
      'a type narrowed',
      'ALTER TABLE "users" ALTER COLUMN "bio" SET DATA TYPE VARCHAR(100);',
      ['type-change'],
    ],
    [
      'a type changed',
      'ALTER TABLE "t" ALTER COLUMN "a" TYPE integer USING a::int;',
      ['type-change'],
    ],
    ['NOT NULL set', 'ALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL;', ['set-not-null']],
    ['a default dropped', 'ALTER TABLE "t" ALTER COLUMN "a" DROP DEFAULT;', ['drop-default']],
    [
      'a NOT NULL column without a default',
      'ALTER TABLE "users" ADD COLUMN "score" INTEGER NOT NULL;',
      ['add-not-null-without-default'],
    ],
    ['a function dropped', 'DROP FUNCTION "count_favorite"();', ['drop-object']],
    ['a trigger dropped', 'DROP TRIGGER "t" ON "favorites";', ['drop-object']],
    ['a table emptied', 'TRUNCATE "notifications";', ['truncate']],
    ['a DO block', "DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;", ['unchecked-do-block']],
    [
      'several actions in one ALTER TABLE',
      `ALTER TABLE "t" ADD COLUMN "ok" TEXT, ALTER COLUMN "a" SET NOT NULL,
         ADD COLUMN "b" NUMERIC(10, 2) NOT NULL, DROP COLUMN "c";`,
      ['set-not-null', 'add-not-null-without-default', 'drop-column'],
    ],
  ])('when the migration has %s, then it is found', (_what, sql, expected) => {
    expect(kinds(sql)).toEqual(expected);
  });
});

describe('splitStatements', () => {
  it('when a string holds a semicolon or a quote, then it stays inside its statement', () => {
    expect(splitStatements(`UPDATE t SET a = 'x;y''z'; -- c;\nSELECT 1 /* ; */;`)).toEqual([
      "UPDATE T SET A = ''",
      'SELECT 1',
    ]);
  });
});

describe('findExpandContractViolations', () => {
  const expand = {
    name: '20270101000000_add_about',
    sql: 'ALTER TABLE "users" ADD COLUMN "about" TEXT;',
  };
  const contract = (marker: string) => ({
    name: '20270201000000_drop_bio',
    sql: `-- contract-of: ${marker}\nALTER TABLE "users" DROP COLUMN "bio";`,
  });

  it('when a destructive migration names an older expand, then it is a valid contract step', () => {
    expect(contractStepOf(contract(expand.name).sql)).toBe(expand.name);
    expect(findExpandContractViolations([expand, contract(expand.name)])).toEqual([]);
  });

  it('when a destructive migration has no marker, then it is a violation listing its changes', () => {
    const unmarked = {
      name: '20270201000000_drop_bio',
      sql: 'ALTER TABLE "users" DROP COLUMN "bio";',
    };
    expect(findExpandContractViolations([expand, unmarked])).toEqual([
      expect.objectContaining({
        migration: unmarked.name,
        changes: [{ kind: 'drop-column', statement: 'ALTER TABLE "USERS" DROP COLUMN "BIO"' }],
      }),
    ]);
  });

  it('when the marker names a migration that does not exist, then it is a violation', () => {
    const [violation] = findExpandContractViolations([expand, contract('20260101000000_nothing')]);
    expect(violation?.reason).toContain('not a migration');
  });

  it('when the marker names a migration that is not older, then it is a violation', () => {
    const later = { name: '20270301000000_later', sql: 'SELECT 1;' };
    const [violation] = findExpandContractViolations([expand, contract(later.name), later]);
    expect(violation?.reason).toContain('not older');
  });

  it('when a grandfathered migration makes a change its entry does not list, then it is a violation', () => {
    const old = { name: '20261101000000_old', sql: 'DROP INDEX "i"; DROP TABLE "t";' };
    expect(
      findExpandContractViolations([old], { [old.name]: ['drop-index-locking'] }),
    ).toHaveLength(1);
    expect(
      findExpandContractViolations([old], { [old.name]: ['drop-index-locking', 'drop-table'] }),
    ).toEqual([]);
  });
});

describe('the migrations in prisma/migrations', () => {
  it('when read, then every destructive change is in a contract step or grandfathered', async () => {
    const migrations = await readMigrations(MIGRATIONS_DIR);
    expect(findExpandContractViolations(migrations, GRANDFATHERED_MIGRATIONS)).toEqual([]);
  });

  it('when grandfathered, then the migration predates the rule and still makes exactly the changes listed', async () => {
    const migrations = await readMigrations(MIGRATIONS_DIR);
    for (const [name, accepted] of Object.entries(GRANDFATHERED_MIGRATIONS)) {
      expect(name < GRANDFATHERING_ENDS, `${name} was written after the rule`).toBe(true);
      const migration = migrations.find((candidate) => candidate.name === name);
      expect(migration, `${name} is not a migration`).toBeDefined();
      const found = new Set(kinds(migration?.sql ?? ''));
      expect([...found].sort(), name).toEqual([...accepted].sort());
    }
  });
});

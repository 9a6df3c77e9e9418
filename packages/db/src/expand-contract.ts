// Expand/contract: every migration must leave the schema usable by the code that ran before it,
// so a deploy can migrate first and roll its processes back afterwards (docs/database.md,
// "Expand and contract"). This module reads migration SQL and names the changes that break the
// previous release: drops, renames, type changes, new NOT NULL rules. Such a change is allowed
// only in a contract step, a migration that says which earlier expand it completes:
//
//   -- contract-of: 20270101000000_add_users_display_name
//
// The deploy (stack.sh deploy, which runs migrate-cli.ts deploy --expand-only) refuses to apply a
// contract step unless forced: contract steps ship once no running code needs what they remove.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The marker comment naming the expand migration a contract step completes. */
export const CONTRACT_MARKER = /^--\s*contract-of:\s*(\S+)\s*$/m;

export type DestructiveKind =
  | 'drop-table'
  | 'drop-object'
  | 'drop-column'
  | 'drop-index-locking'
  | 'rename'
  | 'type-change'
  | 'set-not-null'
  | 'drop-default'
  | 'add-not-null-without-default'
  | 'truncate'
  | 'unchecked-do-block';

export type DestructiveChange = { kind: DestructiveKind; statement: string };

export type Migration = { name: string; sql: string };

/** A migration whose destructive changes are not covered by a valid contract marker. */
export type ExpandContractViolation = {
  migration: string;
  reason: string;
  changes: DestructiveChange[];
};

/**
 * Migrations written before this check existed (and before any release), accepted with the
 * destructive changes listed, each judged below. No migration written after
 * GRANDFATHERING_ENDS may be added here: it must be an expand, or a marked contract step.
 * The test fails on an entry that no longer matches its migration, so the list cannot rot.
 */
export const GRANDFATHERING_ENDS = '20261205000000';
export const GRANDFATHERED_MIGRATIONS: Readonly<Record<string, readonly DestructiveKind[]>> = {
  // Drops follows(following_id) after creating (following_id, follower_id), which serves every
  // query the old index did. Old code keeps working; on a live table the plain DROP INDEX
  // takes an ACCESS EXCLUSIVE lock for a moment. Today: a later DROP INDEX CONCURRENTLY.
  '20261121073721_outbox_notifications_rendering': ['drop-index-locking'],
  // article_tags.created_at: added nullable, backfilled, then SET NOT NULL with a default in the
  // same migration. Old writers keep working (the default and the BEFORE INSERT trigger fill
  // it), but SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock, and the old
  // (tag_id, article_id) index is dropped without CONCURRENTLY. Today: a CHECK constraint
  // NOT VALID, VALIDATE in a contract step, the drop in another.
  '20261204190000_article_tags_created_at': ['set-not-null', 'drop-index-locking'],
  // Drops the NOTIFY trigger the relay of the previous release was woken by. That relay still
  // polls, so rolled back it delivers late (its poll interval), never loses an event.
  '20261204200000_outbox_notify_from_writers': ['drop-object'],
  // Drops articles(author_id, created_at) after creating (author_id, created_at, id), which
  // starts with the same columns: old queries are served; the plain DROP INDEX locks briefly.
  '20261204211500_articles_author_created_at_id': ['drop-index-locking'],
};

/** Reads every `<name>/migration.sql` under `migrationsDir`, oldest first. */
export async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      sql: await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8'),
    })),
  );
}

/** The expand migration a contract step names, or null when the SQL carries no marker. */
export function contractStepOf(sql: string): string | null {
  return CONTRACT_MARKER.exec(sql)?.[1] ?? null;
}

/**
 * The changes in `sql` that would break code written for the schema before it. Comments,
 * string literals and dollar-quoted bodies (functions) are not read as statements.
 */
export function findDestructiveChanges(sql: string): DestructiveChange[] {
  return splitStatements(sql).flatMap(destructiveChangesIn);
}

/**
 * Every migration in `migrations` (oldest first) that makes a destructive change without being
 * a valid contract step: the marker must name a migration that exists and is older.
 */
export function findExpandContractViolations(
  migrations: readonly Migration[],
  grandfathered: Readonly<Record<string, readonly DestructiveKind[]>> = {},
): ExpandContractViolation[] {
  const names = migrations.map((migration) => migration.name);
  const violations: ExpandContractViolation[] = [];
  for (const [index, migration] of migrations.entries()) {
    const changes = findDestructiveChanges(migration.sql);
    const expand = contractStepOf(migration.sql);
    if (expand !== null) {
      const expandIndex = names.indexOf(expand);
      if (expandIndex === -1) {
        violations.push({
          migration: migration.name,
          reason: `its contract-of marker names ${expand}, which is not a migration`,
          changes,
        });
      } else if (expandIndex >= index) {
        violations.push({
          migration: migration.name,
          reason: `its contract-of marker names ${expand}, which is not older than it`,
          changes,
        });
      }
      continue;
    }
    if (changes.length === 0) continue;
    const accepted = grandfathered[migration.name];
    if (accepted !== undefined && changes.every((change) => accepted.includes(change.kind))) {
      continue;
    }
    violations.push({
      migration: migration.name,
      reason: 'it makes destructive changes without a "-- contract-of: <expand migration>" marker',
      changes,
    });
  }
  return violations;
}

/** The pending migrations (by name) that are contract steps: what an expand-only deploy refuses. */
export function contractSteps(migrations: readonly Migration[]): Migration[] {
  return migrations.filter((migration) => contractStepOf(migration.sql) !== null);
}

// --- reading SQL ---------------------------------------------------------------------------

/**
 * The statements of a script, each upper-cased with whitespace collapsed, without comments,
 * and with string literals and dollar-quoted bodies replaced by a placeholder: a function
 * body that says DROP is not a DROP.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let index = 0;
  while (index < sql.length) {
    const rest = sql.slice(index);
    const dollarTag = /^\$[A-Za-z_]*\$/.exec(rest)?.[0];
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', index);
      index = end === -1 ? sql.length : end;
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', index + 2);
      index = end === -1 ? sql.length : end + 2;
      current += ' ';
    } else if (rest.startsWith("'")) {
      index = endOfQuoted(sql, index, "'");
      current += "''";
    } else if (rest.startsWith('"')) {
      // Quoted identifiers keep their text: rules match on names such as "created_at".
      const end = endOfQuoted(sql, index, '"');
      current += sql.slice(index, end);
      index = end;
    } else if (dollarTag !== undefined) {
      const end = sql.indexOf(dollarTag, index + dollarTag.length);
      index = end === -1 ? sql.length : end + dollarTag.length;
      current += '$BODY$';
    } else if (rest.startsWith(';')) {
      statements.push(current);
      current = '';
      index += 1;
    } else {
      current += sql[index];
      index += 1;
    }
  }
  statements.push(current);
  return statements
    .map((statement) => statement.replace(/\s+/g, ' ').trim().toUpperCase())
    .filter((statement) => statement !== '');
}

/** The index just past the closing quote of the literal opening at `start` ('' escapes '). */
function endOfQuoted(sql: string, start: number, quote: string): number {
  let index = start + 1;
  while (index < sql.length) {
    if (sql[index] === quote) {
      if (sql[index + 1] === quote) {
        index += 2;
        continue;
      }
      return index + 1;
    }
    index += 1;
  }
  return sql.length;
}

/** Splits on commas outside parentheses: the actions of one ALTER TABLE. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of text) {
    if (character === '(') depth += 1;
    if (character === ')') depth -= 1;
    if (character === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current.trim());
  return parts;
}

const DROPPED_OBJECTS =
  /^DROP (?:MATERIALIZED VIEW|VIEW|TYPE|DOMAIN|SCHEMA|SEQUENCE|FUNCTION|PROCEDURE|TRIGGER|EXTENSION)\b/;

/** A column whose type supplies its own value needs no DEFAULT to be NOT NULL. */
const SELF_FILLING_COLUMN = /\b(?:SMALLSERIAL|SERIAL|BIGSERIAL|GENERATED)\b/;

function destructiveChangesIn(statement: string): DestructiveChange[] {
  const change = (kind: DestructiveKind) => ({ kind, statement });
  if (/^DROP TABLE\b/.test(statement)) return [change('drop-table')];
  if (DROPPED_OBJECTS.test(statement)) return [change('drop-object')];
  // A plain DROP INDEX holds an ACCESS EXCLUSIVE lock on the table; CONCURRENTLY does not.
  if (/^DROP INDEX\b/.test(statement) && !/^DROP INDEX CONCURRENTLY\b/.test(statement)) {
    return [change('drop-index-locking')];
  }
  if (/^TRUNCATE\b/.test(statement)) return [change('truncate')];
  // The statements inside a DO block are text this checker does not read.
  if (/^DO\b/.test(statement)) return [change('unchecked-do-block')];
  const alterTable = /^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?\S+ (.*)$/.exec(statement);
  if (alterTable === null) {
    // Renaming an index changes nothing the code refers to; a view, type or schema it reads does.
    const unquoted = statement.replace(/"[^"]*"/g, '""');
    return /^ALTER (?!INDEX\b)/.test(statement) && /\bRENAME\b/.test(unquoted)
      ? [change('rename')]
      : [];
  }
  return topLevelParts(alterTable[1] ?? '').flatMap((action): DestructiveChange[] => {
    if (/^RENAME\b/.test(action)) return [change('rename')];
    if (/^DROP (?!CONSTRAINT\b)/.test(action)) return [change('drop-column')];
    if (/^ALTER (?:COLUMN )?\S+ (?:SET DATA )?TYPE\b/.test(action)) return [change('type-change')];
    if (/^ALTER (?:COLUMN )?\S+ SET NOT NULL\b/.test(action)) return [change('set-not-null')];
    if (/^ALTER (?:COLUMN )?\S+ DROP DEFAULT\b/.test(action)) return [change('drop-default')];
    if (
      /^ADD (?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)/.test(action) &&
      /\bNOT NULL\b/.test(action) &&
      !/\bDEFAULT\b/.test(action) &&
      !SELF_FILLING_COLUMN.test(action)
    ) {
      return [change('add-not-null-without-default')];
    }
    return [];
  });
}

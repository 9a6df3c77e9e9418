-- AlterTable
ALTER TABLE "articles" ADD COLUMN     "favorites_count" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "tags" ADD COLUMN     "articles_count" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "articles_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "favorites_count" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "counters" (
    "name" TEXT NOT NULL,
    "value" BIGINT NOT NULL,

    CONSTRAINT "counters_pkey" PRIMARY KEY ("name")
);

-- Counters kept exact by the database (docs/database.md#counts), so a page never counts rows:
-- articles.favorites_count, users.articles_count, users.favorites_count, tags.articles_count,
-- and counters('articles'). Triggers see every write, cascades included (an ON DELETE CASCADE
-- runs one DELETE per parent row, which fires these triggers like any other).
--
-- Two trigger styles, chosen by measurement:
-- - favorites: FOR EACH ROW. Favoriting is the commonest write and touches one row; a row
--   trigger costs it half what a statement trigger does. Its cascades never update one counter
--   twice (a user's favorites are of distinct articles, an article's are by distinct users).
-- - articles and article_tags: FOR EACH STATEMENT over the transition table. Deleting a user
--   deletes all their articles in one statement; a row trigger would update that user's row,
--   the counters row and each popular tag's row once per article, and Postgres walks every
--   earlier version of a row updated repeatedly in one transaction: quadratic time. Per
--   statement, each counter moves once, by the number of rows.
-- A key that changes (UPDATE) moves one unit from the old parent to the new one, row by row.
-- When the old parent no longer exists, its id itself was changed (ON UPDATE CASCADE) and its
-- counter went with the row: nothing to move.

CREATE FUNCTION "count_favorite"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "articles" SET "favorites_count" = "favorites_count" + 1 WHERE "id" = NEW."article_id";
    UPDATE "users" SET "favorites_count" = "favorites_count" + 1 WHERE "id" = NEW."user_id";
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "articles" SET "favorites_count" = "favorites_count" - 1 WHERE "id" = OLD."article_id";
    UPDATE "users" SET "favorites_count" = "favorites_count" - 1 WHERE "id" = OLD."user_id";
  ELSE
    IF NEW."article_id" <> OLD."article_id" THEN
      UPDATE "articles" SET "favorites_count" = "favorites_count" - 1 WHERE "id" = OLD."article_id";
      IF FOUND THEN
        UPDATE "articles" SET "favorites_count" = "favorites_count" + 1 WHERE "id" = NEW."article_id";
      END IF;
    END IF;
    IF NEW."user_id" <> OLD."user_id" THEN
      UPDATE "users" SET "favorites_count" = "favorites_count" - 1 WHERE "id" = OLD."user_id";
      IF FOUND THEN
        UPDATE "users" SET "favorites_count" = "favorites_count" + 1 WHERE "id" = NEW."user_id";
      END IF;
    END IF;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "favorites_count" AFTER INSERT OR DELETE ON "favorites"
  FOR EACH ROW EXECUTE FUNCTION "count_favorite"();
CREATE TRIGGER "favorites_count_moves" AFTER UPDATE OF "article_id", "user_id" ON "favorites"
  FOR EACH ROW EXECUTE FUNCTION "count_favorite"();

CREATE FUNCTION "count_added_articles"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "users" SET "articles_count" = "users"."articles_count" + added."n"
    FROM (SELECT "author_id", count(*) AS "n" FROM new_rows GROUP BY "author_id") added
    WHERE "users"."id" = added."author_id";
  UPDATE "counters" SET "value" = "value" + (SELECT count(*) FROM new_rows) WHERE "name" = 'articles';
  RETURN NULL;
END;
$$;

CREATE FUNCTION "count_removed_articles"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "users" SET "articles_count" = "users"."articles_count" - removed."n"
    FROM (SELECT "author_id", count(*) AS "n" FROM old_rows GROUP BY "author_id") removed
    WHERE "users"."id" = removed."author_id";
  UPDATE "counters" SET "value" = "value" - (SELECT count(*) FROM old_rows) WHERE "name" = 'articles';
  RETURN NULL;
END;
$$;

CREATE FUNCTION "count_moved_article"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "users" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."author_id";
  IF FOUND THEN
    UPDATE "users" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."author_id";
  END IF;
  RETURN NULL;
END;
$$;

-- Postgres allows a transition table on a trigger of one event only: one trigger per event.
CREATE TRIGGER "articles_count_added" AFTER INSERT ON "articles"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_added_articles"();
CREATE TRIGGER "articles_count_removed" AFTER DELETE ON "articles"
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_removed_articles"();
CREATE TRIGGER "articles_count_moves" AFTER UPDATE OF "author_id" ON "articles"
  FOR EACH ROW WHEN (OLD."author_id" <> NEW."author_id") EXECUTE FUNCTION "count_moved_article"();

CREATE FUNCTION "count_added_article_tags"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "tags" SET "articles_count" = "tags"."articles_count" + added."n"
    FROM (SELECT "tag_id", count(*) AS "n" FROM new_rows GROUP BY "tag_id") added
    WHERE "tags"."id" = added."tag_id";
  RETURN NULL;
END;
$$;

CREATE FUNCTION "count_removed_article_tags"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "tags" SET "articles_count" = "tags"."articles_count" - removed."n"
    FROM (SELECT "tag_id", count(*) AS "n" FROM old_rows GROUP BY "tag_id") removed
    WHERE "tags"."id" = removed."tag_id";
  RETURN NULL;
END;
$$;

CREATE FUNCTION "count_moved_article_tag"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "tags" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."tag_id";
  IF FOUND THEN
    UPDATE "tags" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."tag_id";
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "article_tags_count_added" AFTER INSERT ON "article_tags"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_added_article_tags"();
CREATE TRIGGER "article_tags_count_removed" AFTER DELETE ON "article_tags"
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_removed_article_tags"();
CREATE TRIGGER "article_tags_count_moves" AFTER UPDATE OF "tag_id" ON "article_tags"
  FOR EACH ROW WHEN (OLD."tag_id" <> NEW."tag_id") EXECUTE FUNCTION "count_moved_article_tag"();

-- TRUNCATE fires no DELETE trigger: it zeroes what the emptied table counted.
CREATE FUNCTION "count_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'favorites' THEN
    UPDATE "articles" SET "favorites_count" = 0 WHERE "favorites_count" <> 0;
    UPDATE "users" SET "favorites_count" = 0 WHERE "favorites_count" <> 0;
  ELSIF TG_TABLE_NAME = 'articles' THEN
    UPDATE "users" SET "articles_count" = 0 WHERE "articles_count" <> 0;
    UPDATE "counters" SET "value" = 0 WHERE "name" = 'articles';
  ELSIF TG_TABLE_NAME = 'article_tags' THEN
    UPDATE "tags" SET "articles_count" = 0 WHERE "articles_count" <> 0;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "favorites_count_truncated" AFTER TRUNCATE ON "favorites"
  FOR EACH STATEMENT EXECUTE FUNCTION "count_truncated"();
CREATE TRIGGER "articles_count_truncated" AFTER TRUNCATE ON "articles"
  FOR EACH STATEMENT EXECUTE FUNCTION "count_truncated"();
CREATE TRIGGER "article_tags_count_truncated" AFTER TRUNCATE ON "article_tags"
  FOR EACH STATEMENT EXECUTE FUNCTION "count_truncated"();

-- Backfill after the triggers exist: ALTER TABLE and CREATE TRIGGER above hold locks that keep
-- writers out of these tables until this migration commits, so no write falls between the
-- counts below and the triggers that maintain them.
INSERT INTO "counters" ("name", "value") SELECT 'articles', count(*) FROM "articles";
UPDATE "articles" SET "favorites_count" = counted."n"
  FROM (SELECT "article_id", count(*) AS "n" FROM "favorites" GROUP BY "article_id") counted
  WHERE "articles"."id" = counted."article_id";
UPDATE "users" SET "favorites_count" = counted."n"
  FROM (SELECT "user_id", count(*) AS "n" FROM "favorites" GROUP BY "user_id") counted
  WHERE "users"."id" = counted."user_id";
UPDATE "users" SET "articles_count" = counted."n"
  FROM (SELECT "author_id", count(*) AS "n" FROM "articles" GROUP BY "author_id") counted
  WHERE "users"."id" = counted."author_id";
UPDATE "tags" SET "articles_count" = counted."n"
  FROM (SELECT "tag_id", count(*) AS "n" FROM "article_tags" GROUP BY "tag_id") counted
  WHERE "tags"."id" = counted."tag_id";

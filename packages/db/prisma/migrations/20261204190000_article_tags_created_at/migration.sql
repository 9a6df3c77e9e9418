-- A tag's page lists its articles newest first. With the date only on articles, Postgres either
-- walks the articles' date index testing each one for the tag (6 s at a million articles for a
-- tag on three of them) or gathers every article of the tag and sorts them (a second for a
-- common tag 10,000 rows deep). A copy of the article's date on each tag link, indexed after the
-- tag, serves any tag at any depth from one index walk (docs/database.md, "Deep pages"). It
-- replaces the (tag_id, article_id) index, which nothing else needed.

-- AlterTable
ALTER TABLE "article_tags" ADD COLUMN "created_at" TIMESTAMPTZ(3);
UPDATE "article_tags" SET "created_at" = "articles"."created_at"
  FROM "articles" WHERE "articles"."id" = "article_tags"."article_id";
ALTER TABLE "article_tags" ALTER COLUMN "created_at" SET NOT NULL,
  ALTER COLUMN "created_at" SET DEFAULT CURRENT_TIMESTAMP;

-- DropIndex
DROP INDEX "article_tags_tag_id_article_id_idx";

-- CreateIndex
CREATE INDEX "article_tags_tag_id_created_at_article_id_idx" ON "article_tags"("tag_id", "created_at" DESC, "article_id" DESC);

-- The date is always the article's, whatever a writer passes (articles.created_at never changes).
CREATE FUNCTION "article_tag_created_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT "created_at" INTO NEW."created_at" FROM "articles" WHERE "id" = NEW."article_id";
  RETURN NEW;
END;
$$;

CREATE TRIGGER "article_tags_created_at" BEFORE INSERT ON "article_tags"
  FOR EACH ROW EXECUTE FUNCTION "article_tag_created_at"();

-- Accounts (issue 9, docs/security.md "Accounts and tokens"):
--   token_version      carried in every token; a password or email change bumps it, and every
--                      token carrying an older one is refused from then on
--   email_verified_at  set when the link the worker emails is followed; notification emails go
--                      only to verified addresses. Existing rows stay unverified: nobody
--                      verified them (they can ask for a link: POST /api/user/verification).
--   email_verification_*  the pending link: the SHA-256 digest of its random token (the token
--                      itself is only in the email), when it expires, when one was last asked for
--   usernames          unique regardless of case: lower() under ICU's root collation, which
--                      lowers every script the way JavaScript's toLowerCase() does (the C
--                      collation lowers ASCII only); the application cache's `username:` key
--                      uses the same form (packages/cache/src/keys.ts).

-- AlterTable
ALTER TABLE "users" ADD COLUMN "token_version" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "email_verified_at" TIMESTAMPTZ(3),
  ADD COLUMN "email_verification_digest" TEXT,
  ADD COLUMN "email_verification_expires_at" TIMESTAMPTZ(3),
  ADD COLUMN "email_verification_requested_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_verification_digest_key" ON "users"("email_verification_digest");

-- Names that differ only in case could be registered before this migration. The oldest
-- account keeps its name; each later one becomes "<name>-<id>" (still a valid username, and
-- unique because ids are), so the index below can be built whatever the data holds.
UPDATE "users" SET "username" = "username" || '-' || "id"
 WHERE "id" IN (
   SELECT "id" FROM (
     SELECT "id", row_number() OVER (
       PARTITION BY lower("username" COLLATE "und-x-icu") ORDER BY "id") AS "rank"
       FROM "users") AS "ranked"
    WHERE "rank" > 1);

-- CreateIndex
CREATE UNIQUE INDEX "users_username_lower_key" ON "users" (lower("username" COLLATE "und-x-icu"));

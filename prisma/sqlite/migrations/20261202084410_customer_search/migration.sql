-- DropIndex
DROP INDEX "Customer_lastSeenAt_idx";

-- CreateIndex
CREATE INDEX "Customer_lastSeenAt_id_idx" ON "Customer"("lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "ChannelIdentity_externalId_idx" ON "ChannelIdentity"("externalId");

-- Admin name search (hand-written: Prisma does not know these objects).
-- Each customer's names (its own and its channel identities') become one document of tokens: every
-- character and every pair of neighbouring characters. A search text of two or more characters is found
-- through its pairs, one character through itself, so Chinese names (often two characters) are found by
-- any part, which a trigram index cannot do. The FTS5 index is contentless (it stores no text) and keyed by
-- CustomerSearchKey's INTEGER PRIMARY KEY, which VACUUM (and so a backup) keeps, unlike a TEXT-keyed
-- table's rowid. Triggers keep it in step with every name change, merge and delete, and search verifies
-- candidates against the names themselves (src/store/customer-search.ts).
CREATE TABLE "CustomerSearchKey" (
  "id" INTEGER NOT NULL PRIMARY KEY,
  "customerId" TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE "CustomerNameSearch" USING fts5(grams, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER "Customer_search_insert" AFTER INSERT ON "Customer" WHEN NEW."displayName" IS NOT NULL BEGIN
  INSERT OR IGNORE INTO "CustomerSearchKey" ("customerId") SELECT NEW.id WHERE EXISTS (SELECT 1 FROM "Customer" WHERE id = NEW.id);
  DELETE FROM "CustomerNameSearch" WHERE rowid = (SELECT id FROM "CustomerSearchKey" WHERE "customerId" = NEW.id);
  INSERT INTO "CustomerNameSearch" (rowid, grams)
  SELECT k.id, g.grams FROM "CustomerSearchKey" k, (SELECT (
    WITH RECURSIVE
      names(n) AS (
        SELECT "displayName" FROM "Customer" WHERE id = NEW.id AND "displayName" IS NOT NULL
        UNION ALL SELECT "displayName" FROM "ChannelIdentity" WHERE "customerId" = NEW.id AND "displayName" IS NOT NULL),
      at(n, i) AS (SELECT n, 1 FROM names WHERE length(n) > 0 UNION ALL SELECT n, i + 1 FROM at WHERE i < length(n))
    SELECT group_concat(substr(n, i, 1) || ' ' || substr(n, i, 2), ' ') FROM at) AS grams) g
  WHERE k."customerId" = NEW.id AND g.grams IS NOT NULL;
END;
CREATE TRIGGER "Customer_search_update" AFTER UPDATE OF "displayName" ON "Customer"
WHEN OLD."displayName" IS NOT NEW."displayName" BEGIN
  INSERT OR IGNORE INTO "CustomerSearchKey" ("customerId") SELECT NEW.id WHERE EXISTS (SELECT 1 FROM "Customer" WHERE id = NEW.id);
  DELETE FROM "CustomerNameSearch" WHERE rowid = (SELECT id FROM "CustomerSearchKey" WHERE "customerId" = NEW.id);
  INSERT INTO "CustomerNameSearch" (rowid, grams)
  SELECT k.id, g.grams FROM "CustomerSearchKey" k, (SELECT (
    WITH RECURSIVE
      names(n) AS (
        SELECT "displayName" FROM "Customer" WHERE id = NEW.id AND "displayName" IS NOT NULL
        UNION ALL SELECT "displayName" FROM "ChannelIdentity" WHERE "customerId" = NEW.id AND "displayName" IS NOT NULL),
      at(n, i) AS (SELECT n, 1 FROM names WHERE length(n) > 0 UNION ALL SELECT n, i + 1 FROM at WHERE i < length(n))
    SELECT group_concat(substr(n, i, 1) || ' ' || substr(n, i, 2), ' ') FROM at) AS grams) g
  WHERE k."customerId" = NEW.id AND g.grams IS NOT NULL;
END;
CREATE TRIGGER "Customer_search_delete" AFTER DELETE ON "Customer" BEGIN
  DELETE FROM "CustomerNameSearch" WHERE rowid = (SELECT id FROM "CustomerSearchKey" WHERE "customerId" = OLD.id);
  DELETE FROM "CustomerSearchKey" WHERE "customerId" = OLD.id;
END;
CREATE TRIGGER "ChannelIdentity_search_insert" AFTER INSERT ON "ChannelIdentity" WHEN NEW."displayName" IS NOT NULL BEGIN
  INSERT OR IGNORE INTO "CustomerSearchKey" ("customerId") SELECT NEW."customerId" WHERE EXISTS (SELECT 1 FROM "Customer" WHERE id = NEW."customerId");
  DELETE FROM "CustomerNameSearch" WHERE rowid = (SELECT id FROM "CustomerSearchKey" WHERE "customerId" = NEW."customerId");
  INSERT INTO "CustomerNameSearch" (rowid, grams)
  SELECT k.id, g.grams FROM "CustomerSearchKey" k, (SELECT (
    WITH RECURSIVE
      names(n) AS (
        SELECT "displayName" FROM "Customer" WHERE id = NEW."customerId" AND "displayName" IS NOT NULL
        UNION ALL SELECT "displayName" FROM "ChannelIdentity" WHERE "customerId" = NEW."customerId" AND "displayName" IS NOT NULL),
      at(n, i) AS (SELECT n, 1 FROM names WHERE length(n) > 0 UNION ALL SELECT n, i + 1 FROM at WHERE i < length(n))
    SELECT group_concat(substr(n, i, 1) || ' ' || substr(n, i, 2), ' ') FROM at) AS grams) g
  WHERE k."customerId" = NEW."customerId" AND g.grams IS NOT NULL;
END;
CREATE TRIGGER "ChannelIdentity_search_update" AFTER UPDATE OF "displayName", "customerId" ON "ChannelIdentity"
WHEN OLD."displayName" IS NOT NEW."displayName" OR OLD."customerId" IS NOT NEW."customerId" BEGIN
  INSERT OR IGNORE INTO "CustomerSearchKey" ("customerId") SELECT OLD."customerId" WHERE EXISTS (SELECT 1 FROM "Customer" WHERE id = OLD."customerId");
  DELETE FROM "CustomerNameSearch" WHERE rowid = (SELECT id FROM "CustomerSearchKey" WHERE "customerId" = OLD."customerId");
  INSERT INTO "CustomerNameSearch" (rowid, grams)
  SELECT k.id, g.grams FROM "CustomerSearchKey" k, (SELECT (
    WITH RECURSIVE
      names(n) AS (
        SELECT "displayName" FROM "Customer" WHERE id = OLD."customerId" AND "displayName" IS NOT NULL
        UNION ALL SELECT "displayName" FROM "ChannelIdentity" WHERE "customerId" = OLD."customerId" AND "displayName" IS NOT NULL),
      at(n, i) AS (SELECT n, 1 FROM names WHERE length(n) > 0 UNION ALL SELECT n, i + 1 FROM at WHERE i < length(n))
    SELECT group_concat(substr(n, i, 1) || ' ' || substr(n, i, 2), ' ') FROM at) AS grams) g
  WHERE k."customerId" = OLD."customerId" AND g.grams IS NOT NULL;
  INSERT OR IGNORE INTO "CustomerSearchKey" ("customerId") SELECT NEW."customerId" WHERE EXISTS (SELECT 1 FROM "Customer" WHERE id = NEW."customerId");
  DELETE FROM "CustomerNameSearch" WHERE rowid = (SELECT id FROM "CustomerSearchKey" WHERE "customerId" = NEW."customerId");
  INSERT INTO "CustomerNameSearch" (rowid, grams)
  SELECT k.id, g.grams FROM "CustomerSearchKey" k, (SELECT (
    WITH RECURSIVE
      names(n) AS (
        SELECT "displayName" FROM "Customer" WHERE id = NEW."customerId" AND "displayName" IS NOT NULL
        UNION ALL SELECT "displayName" FROM "ChannelIdentity" WHERE "customerId" = NEW."customerId" AND "displayName" IS NOT NULL),
      at(n, i) AS (SELECT n, 1 FROM names WHERE length(n) > 0 UNION ALL SELECT n, i + 1 FROM at WHERE i < length(n))
    SELECT group_concat(substr(n, i, 1) || ' ' || substr(n, i, 2), ' ') FROM at) AS grams) g
  WHERE k."customerId" = NEW."customerId" AND g.grams IS NOT NULL;
END;
CREATE TRIGGER "ChannelIdentity_search_delete" AFTER DELETE ON "ChannelIdentity" WHEN OLD."displayName" IS NOT NULL BEGIN
  INSERT OR IGNORE INTO "CustomerSearchKey" ("customerId") SELECT OLD."customerId" WHERE EXISTS (SELECT 1 FROM "Customer" WHERE id = OLD."customerId");
  DELETE FROM "CustomerNameSearch" WHERE rowid = (SELECT id FROM "CustomerSearchKey" WHERE "customerId" = OLD."customerId");
  INSERT INTO "CustomerNameSearch" (rowid, grams)
  SELECT k.id, g.grams FROM "CustomerSearchKey" k, (SELECT (
    WITH RECURSIVE
      names(n) AS (
        SELECT "displayName" FROM "Customer" WHERE id = OLD."customerId" AND "displayName" IS NOT NULL
        UNION ALL SELECT "displayName" FROM "ChannelIdentity" WHERE "customerId" = OLD."customerId" AND "displayName" IS NOT NULL),
      at(n, i) AS (SELECT n, 1 FROM names WHERE length(n) > 0 UNION ALL SELECT n, i + 1 FROM at WHERE i < length(n))
    SELECT group_concat(substr(n, i, 1) || ' ' || substr(n, i, 2), ' ') FROM at) AS grams) g
  WHERE k."customerId" = OLD."customerId" AND g.grams IS NOT NULL;
END;

-- Names stored before this migration.
INSERT INTO "CustomerSearchKey" ("customerId")
SELECT id FROM "Customer" c
WHERE c."displayName" IS NOT NULL OR EXISTS (SELECT 1 FROM "ChannelIdentity" i WHERE i."customerId" = c.id AND i."displayName" IS NOT NULL);
INSERT INTO "CustomerNameSearch" (rowid, grams)
SELECT k.id, (
    WITH RECURSIVE
      names(n) AS (
        SELECT "displayName" FROM "Customer" WHERE id = k."customerId" AND "displayName" IS NOT NULL
        UNION ALL SELECT "displayName" FROM "ChannelIdentity" WHERE "customerId" = k."customerId" AND "displayName" IS NOT NULL),
      at(n, i) AS (SELECT n, 1 FROM names WHERE length(n) > 0 UNION ALL SELECT n, i + 1 FROM at WHERE i < length(n))
    SELECT group_concat(substr(n, i, 1) || ' ' || substr(n, i, 2), ' ') FROM at) FROM "CustomerSearchKey" k;

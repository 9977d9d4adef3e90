-- DropIndex
DROP INDEX "Customer_lastSeenAt_idx";

-- CreateIndex
CREATE INDEX "Customer_lastSeenAt_id_idx" ON "Customer"("lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "ChannelIdentity_externalId_idx" ON "ChannelIdentity"("externalId");

-- Admin name search (hand-written: Prisma does not know these objects).
-- Every name (a customer's own, and each of its channel accounts') is indexed as tokens: each character
-- and each pair of neighbouring characters. A search text of two or more characters is found through its
-- pairs, one character through itself, so Chinese names (often two characters) are found by any part,
-- which a trigram index cannot do. NameSearch is a contentless FTS5 index (it stores no text), one row per
-- name, keyed by NameSearchKey's INTEGER PRIMARY KEY: VACUUM (and so a backup) keeps those, unlike the
-- rowids of TEXT-keyed tables. `holder` is the Customer or ChannelIdentity row the name is on. Triggers
-- keep it in step with every name change, merge and delete, and search verifies candidates against the
-- names themselves (src/store/customer-search.ts).
CREATE TABLE "NameSearchKey" (
  "id" INTEGER NOT NULL PRIMARY KEY,
  "holder" TEXT NOT NULL UNIQUE,
  "customerId" TEXT NOT NULL
);
CREATE VIRTUAL TABLE "NameSearch" USING fts5(grams, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER "Customer_search_insert" AFTER INSERT ON "Customer" WHEN NEW."displayName" IS NOT NULL BEGIN
  INSERT OR IGNORE INTO "NameSearchKey" ("holder", "customerId") VALUES (NEW.id, NEW.id);
  INSERT INTO "NameSearch" (rowid, grams)
  SELECT id, (WITH RECURSIVE at(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM at WHERE i < length(NEW."displayName"))
    SELECT group_concat(substr(NEW."displayName", i, 1) || ' ' || substr(NEW."displayName", i, 2), ' ') FROM at) FROM "NameSearchKey" WHERE "holder" = NEW.id;
END;
CREATE TRIGGER "Customer_search_update" AFTER UPDATE OF "displayName" ON "Customer"
WHEN OLD."displayName" IS NOT NEW."displayName" BEGIN
  DELETE FROM "NameSearch" WHERE rowid = (SELECT id FROM "NameSearchKey" WHERE "holder" = NEW.id);
  DELETE FROM "NameSearchKey" WHERE "holder" = NEW.id AND NEW."displayName" IS NULL;
  INSERT OR IGNORE INTO "NameSearchKey" ("holder", "customerId") SELECT NEW.id, NEW.id WHERE NEW."displayName" IS NOT NULL;
  INSERT INTO "NameSearch" (rowid, grams)
  SELECT id, (WITH RECURSIVE at(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM at WHERE i < length(NEW."displayName"))
    SELECT group_concat(substr(NEW."displayName", i, 1) || ' ' || substr(NEW."displayName", i, 2), ' ') FROM at) FROM "NameSearchKey" WHERE "holder" = NEW.id;
END;
CREATE TRIGGER "Customer_search_delete" AFTER DELETE ON "Customer" WHEN OLD."displayName" IS NOT NULL BEGIN
  DELETE FROM "NameSearch" WHERE rowid = (SELECT id FROM "NameSearchKey" WHERE "holder" = OLD.id);
  DELETE FROM "NameSearchKey" WHERE "holder" = OLD.id;
END;
CREATE TRIGGER "ChannelIdentity_search_insert" AFTER INSERT ON "ChannelIdentity" WHEN NEW."displayName" IS NOT NULL BEGIN
  INSERT OR IGNORE INTO "NameSearchKey" ("holder", "customerId") VALUES (NEW.id, NEW."customerId");
  INSERT INTO "NameSearch" (rowid, grams)
  SELECT id, (WITH RECURSIVE at(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM at WHERE i < length(NEW."displayName"))
    SELECT group_concat(substr(NEW."displayName", i, 1) || ' ' || substr(NEW."displayName", i, 2), ' ') FROM at) FROM "NameSearchKey" WHERE "holder" = NEW.id;
END;
CREATE TRIGGER "ChannelIdentity_search_update" AFTER UPDATE OF "displayName" ON "ChannelIdentity"
WHEN OLD."displayName" IS NOT NEW."displayName" BEGIN
  DELETE FROM "NameSearch" WHERE rowid = (SELECT id FROM "NameSearchKey" WHERE "holder" = NEW.id);
  DELETE FROM "NameSearchKey" WHERE "holder" = NEW.id AND NEW."displayName" IS NULL;
  INSERT OR IGNORE INTO "NameSearchKey" ("holder", "customerId") SELECT NEW.id, NEW."customerId" WHERE NEW."displayName" IS NOT NULL;
  INSERT INTO "NameSearch" (rowid, grams)
  SELECT id, (WITH RECURSIVE at(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM at WHERE i < length(NEW."displayName"))
    SELECT group_concat(substr(NEW."displayName", i, 1) || ' ' || substr(NEW."displayName", i, 2), ' ') FROM at) FROM "NameSearchKey" WHERE "holder" = NEW.id;
END;
-- A merge moves an account to another customer: its name goes with it.
CREATE TRIGGER "ChannelIdentity_search_move" AFTER UPDATE OF "customerId" ON "ChannelIdentity"
WHEN OLD."customerId" IS NOT NEW."customerId" BEGIN
  UPDATE "NameSearchKey" SET "customerId" = NEW."customerId" WHERE "holder" = NEW.id;
END;
CREATE TRIGGER "ChannelIdentity_search_delete" AFTER DELETE ON "ChannelIdentity" WHEN OLD."displayName" IS NOT NULL BEGIN
  DELETE FROM "NameSearch" WHERE rowid = (SELECT id FROM "NameSearchKey" WHERE "holder" = OLD.id);
  DELETE FROM "NameSearchKey" WHERE "holder" = OLD.id;
END;

-- Names stored before this migration.
INSERT INTO "NameSearchKey" ("holder", "customerId")
SELECT id, id FROM "Customer" WHERE "displayName" IS NOT NULL
UNION ALL SELECT id, "customerId" FROM "ChannelIdentity" WHERE "displayName" IS NOT NULL;
INSERT INTO "NameSearch" (rowid, grams)
SELECT k.id, (WITH RECURSIVE at(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM at WHERE i < length(n.name))
    SELECT group_concat(substr(n.name, i, 1) || ' ' || substr(n.name, i, 2), ' ') FROM at)
FROM "NameSearchKey" k JOIN (
  SELECT id, "displayName" AS name FROM "Customer" WHERE "displayName" IS NOT NULL
  UNION ALL SELECT id, "displayName" FROM "ChannelIdentity" WHERE "displayName" IS NOT NULL
) n ON n.id = k."holder";

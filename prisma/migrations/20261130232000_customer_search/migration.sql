-- Customer search (docs/decisions/036): one row of searchable text per customer (its id, its
-- email, and the name and email its orders carried), indexed by an FTS5 trigram table, so a
-- search of 3+ characters reads only the customers holding all of its trigrams. Neither table is a
-- Prisma model (scripts/db.mjs lists them as external); triggers keep them exact, so a
-- redaction, an erasure or a shop's deletion removes the text with the customer.
-- A rebuild of "Customer" or "CustomerContact" by a later migration drops these triggers:
-- recreate them there.
CREATE TABLE "CustomerSearchText" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "email" TEXT,
    "contactEmail" TEXT,
    "name" TEXT
);

CREATE UNIQUE INDEX "CustomerSearchText_shopId_customerKey_key" ON "CustomerSearchText"("shopId", "customerKey");

-- External content: the index holds trigrams only; the text lives once, in CustomerSearchText.
-- detail=none: which rows hold a trigram, not where; a search takes the rows holding all of its
-- trigrams and checks its LIKE on their text, so the index stays small and cheap to write.
CREATE VIRTUAL TABLE "CustomerSearch" USING fts5("customerKey", "email", "contactEmail", "name", content="CustomerSearchText", content_rowid="id", tokenize="trigram", detail=none);

-- Customers searched before the index existed.
INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "email", "contactEmail", "name")
SELECT c."shopId", c."customerKey", c."email", k."email", k."name"
FROM "Customer" c LEFT JOIN "CustomerContact" k ON k."shopId" = c."shopId" AND k."customerKey" = c."customerKey";

INSERT INTO "CustomerSearch" ("CustomerSearch") VALUES ('rebuild');

CREATE TRIGGER "CustomerSearchText_insert" AFTER INSERT ON "CustomerSearchText" BEGIN
  INSERT INTO "CustomerSearch" (rowid, "customerKey", "email", "contactEmail", "name") VALUES (NEW."id", NEW."customerKey", NEW."email", NEW."contactEmail", NEW."name");
END;

CREATE TRIGGER "CustomerSearchText_delete" AFTER DELETE ON "CustomerSearchText" BEGIN
  INSERT INTO "CustomerSearch" ("CustomerSearch", rowid, "customerKey", "email", "contactEmail", "name") VALUES ('delete', OLD."id", OLD."customerKey", OLD."email", OLD."contactEmail", OLD."name");
END;

CREATE TRIGGER "CustomerSearchText_update" AFTER UPDATE ON "CustomerSearchText" BEGIN
  INSERT INTO "CustomerSearch" ("CustomerSearch", rowid, "customerKey", "email", "contactEmail", "name") VALUES ('delete', OLD."id", OLD."customerKey", OLD."email", OLD."contactEmail", OLD."name");
  INSERT INTO "CustomerSearch" (rowid, "customerKey", "email", "contactEmail", "name") VALUES (NEW."id", NEW."customerKey", NEW."email", NEW."contactEmail", NEW."name");
END;

-- A customer's row comes and goes with the customer; of its columns only the email is text we
-- search, so a recompute's writes (scores, spend, persona) never touch the index.
CREATE TRIGGER "Customer_search_insert" AFTER INSERT ON "Customer" BEGIN
  INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "email", "contactEmail", "name")
  SELECT NEW."shopId", NEW."customerKey", NEW."email", k."email", k."name"
  FROM (SELECT 1) LEFT JOIN "CustomerContact" k ON k."shopId" = NEW."shopId" AND k."customerKey" = NEW."customerKey"
  WHERE TRUE
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "email" = excluded."email", "contactEmail" = excluded."contactEmail", "name" = excluded."name";
END;

CREATE TRIGGER "Customer_search_email" AFTER UPDATE OF "email" ON "Customer" WHEN OLD."email" IS NOT NEW."email" BEGIN
  UPDATE "CustomerSearchText" SET "email" = NEW."email" WHERE "shopId" = NEW."shopId" AND "customerKey" = NEW."customerKey";
END;

CREATE TRIGGER "Customer_search_delete" AFTER DELETE ON "Customer" BEGIN
  DELETE FROM "CustomerSearchText" WHERE "shopId" = OLD."shopId" AND "customerKey" = OLD."customerKey";
END;

-- Contacts usually arrive before their customer is scored: then there is no row yet, and the
-- customer's insert reads the contact.
CREATE TRIGGER "CustomerContact_search_insert" AFTER INSERT ON "CustomerContact" BEGIN
  UPDATE "CustomerSearchText" SET "contactEmail" = NEW."email", "name" = NEW."name" WHERE "shopId" = NEW."shopId" AND "customerKey" = NEW."customerKey";
END;

CREATE TRIGGER "CustomerContact_search_update" AFTER UPDATE OF "name", "email" ON "CustomerContact"
WHEN OLD."name" IS NOT NEW."name" OR OLD."email" IS NOT NEW."email" BEGIN
  UPDATE "CustomerSearchText" SET "contactEmail" = NEW."email", "name" = NEW."name" WHERE "shopId" = NEW."shopId" AND "customerKey" = NEW."customerKey";
END;

CREATE TRIGGER "CustomerContact_search_delete" AFTER DELETE ON "CustomerContact" BEGIN
  UPDATE "CustomerSearchText" SET "contactEmail" = NULL, "name" = NULL WHERE "shopId" = OLD."shopId" AND "customerKey" = OLD."customerKey";
END;

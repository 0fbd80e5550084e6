-- Customer search, 1–2 characters (docs/decisions/041): no trigram answers them, so they read
-- every customer's text. "lowered" holds a customer's four searchable texts lowercased, one per
-- line, computed when the row is written (a STORED generated column, so every writer keeps it
-- without knowing): a short search is one LIKE per row instead of four lower() calls and LIKEs.
-- SQLite adds a STORED column only by rebuilding the table; the rows keep their ids (the FTS5
-- index's rowids). legacy_alter_table: the rename leaves the Customer and CustomerContact
-- triggers, which name "CustomerSearchText", as they are.
CREATE TABLE "new_CustomerSearchText" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "email" TEXT,
    "contactEmail" TEXT,
    "name" TEXT,
    "lowered" TEXT GENERATED ALWAYS AS (lower("customerKey" || char(10) || coalesce("email", '') || char(10) || coalesce("contactEmail", '') || char(10) || coalesce("name", ''))) STORED
);

INSERT INTO "new_CustomerSearchText" ("id", "shopId", "customerKey", "email", "contactEmail", "name")
SELECT "id", "shopId", "customerKey", "email", "contactEmail", "name" FROM "CustomerSearchText";

PRAGMA legacy_alter_table = ON;
DROP TABLE "CustomerSearchText";
ALTER TABLE "new_CustomerSearchText" RENAME TO "CustomerSearchText";
PRAGMA legacy_alter_table = OFF;

CREATE UNIQUE INDEX "CustomerSearchText_shopId_customerKey_key" ON "CustomerSearchText"("shopId", "customerKey");

-- The FTS5 index's triggers, as 20261130232000_customer_search made them (dropped with the table).
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

-- A new customer's search text waits while its shop's recompute writes many customers
-- (SyncState.totalsPaused, the pause the totals triggers already honour): the text's FTS5
-- index writes a segment at every statement savepoint, so one trigger per inserted customer
-- cost a segment per customer. The recompute fills the missing texts in a few set-based
-- statements before it lifts the pause (app/scoring/customer-totals.server.ts, decision 043).
DROP TRIGGER "Customer_search_insert";
CREATE TRIGGER "Customer_search_insert" AFTER INSERT ON "Customer"
  WHEN NOT EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = NEW."shopId" AND "totalsPaused") BEGIN
  INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "email", "contactEmail", "name")
  SELECT NEW."shopId", NEW."customerKey", NEW."email", k."email", k."name"
  FROM (SELECT 1) LEFT JOIN "CustomerContact" k ON k."shopId" = NEW."shopId" AND k."customerKey" = NEW."customerKey"
  WHERE TRUE
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "email" = excluded."email", "contactEmail" = excluded."contactEmail", "name" = excluded."name";
END;

-- A recompute that writes many customers pauses the shop (SyncState.totalsPaused) and fills
-- their search text afterwards in one statement (fillSearchText), as on SQLite (decision 064):
-- written per chunk by this trigger, the text of a 338k-customer first write took 1.5–2 s of
-- its 9.3 s. Customers of a paused shop are left to that fill.
CREATE OR REPLACE FUNCTION "customer_search_customer_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "lowered")
  SELECT n."shopId", n."customerKey", "customer_search_lowered"(n."customerKey", n."email", k."email", k."name")
  FROM "customer_search_new" n LEFT JOIN "CustomerContact" k ON k."shopId" = n."shopId" AND k."customerKey" = n."customerKey"
  WHERE NOT EXISTS (SELECT 1 FROM "SyncState" s WHERE s."shopId" = n."shopId" AND s."totalsPaused")
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "lowered" = excluded."lowered";
  RETURN NULL;
END
$$;

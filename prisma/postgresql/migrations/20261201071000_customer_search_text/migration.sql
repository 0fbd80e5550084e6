-- Customer search, 1–2 characters (docs/decisions/041): no trigram answers them, so they read
-- every customer's text. Here that text is one row per customer: "lowered" holds its id, its
-- email, and the email and name its orders carried, lowercased, one per line, as SQLite's
-- CustomerSearchText.lowered. A short search reads the shop's rows instead of lower() of four
-- columns over Customer and CustomerContact. Not a Prisma model (scripts/db.mjs lists it as
-- external). COLLATE "C": the index compares bytes; what a search matches does not depend on it.
CREATE TABLE "CustomerSearchText" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "lowered" TEXT COLLATE "C" NOT NULL,
    CONSTRAINT "CustomerSearchText_pkey" PRIMARY KEY ("shopId", "customerKey")
);

CREATE FUNCTION "customer_search_lowered"("customerKey" TEXT, "email" TEXT, "contactEmail" TEXT, "name" TEXT) RETURNS TEXT
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT lower("customerKey" || E'\n' || coalesce("email", '') || E'\n' || coalesce("contactEmail", '') || E'\n' || coalesce("name", ''))
$$;

-- Inserts and deletes are followed once per statement, through its transition table: a
-- recompute's chunk of thousands of new customers is one INSERT … SELECT here, not a trigger
-- call per row. Text changes are followed per row, and only when the text changed: a recompute's
-- updates never name "email", so they never run them.
CREATE FUNCTION "customer_search_customer_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "lowered")
  SELECT n."shopId", n."customerKey", "customer_search_lowered"(n."customerKey", n."email", k."email", k."name")
  FROM "customer_search_new" n LEFT JOIN "CustomerContact" k ON k."shopId" = n."shopId" AND k."customerKey" = n."customerKey"
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "lowered" = excluded."lowered";
  RETURN NULL;
END
$$;

CREATE FUNCTION "customer_search_customer_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "CustomerSearchText" t USING "customer_search_old" o WHERE t."shopId" = o."shopId" AND t."customerKey" = o."customerKey";
  RETURN NULL;
END
$$;

-- A contact arriving for a customer already scored; before that there is no row, and the
-- customer's insert reads the contact.
CREATE FUNCTION "customer_search_contact_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "CustomerSearchText" t SET "lowered" = "customer_search_lowered"(c."customerKey", c."email", n."email", n."name")
  FROM "customer_search_new" n JOIN "Customer" c ON c."shopId" = n."shopId" AND c."customerKey" = n."customerKey"
  WHERE t."shopId" = n."shopId" AND t."customerKey" = n."customerKey";
  RETURN NULL;
END
$$;

CREATE FUNCTION "customer_search_contact_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "CustomerSearchText" t SET "lowered" = "customer_search_lowered"(c."customerKey", c."email", NULL, NULL)
  FROM "customer_search_old" o JOIN "Customer" c ON c."shopId" = o."shopId" AND c."customerKey" = o."customerKey"
  WHERE t."shopId" = o."shopId" AND t."customerKey" = o."customerKey";
  RETURN NULL;
END
$$;

-- One customer's text as its rows hold it now (a changed email, name or contact email).
CREATE FUNCTION "customer_search_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "CustomerSearchText" t SET "lowered" = "customer_search_lowered"(c."customerKey", c."email", k."email", k."name")
  FROM "Customer" c LEFT JOIN "CustomerContact" k ON k."shopId" = c."shopId" AND k."customerKey" = c."customerKey"
  WHERE c."shopId" = NEW."shopId" AND c."customerKey" = NEW."customerKey" AND t."shopId" = c."shopId" AND t."customerKey" = c."customerKey";
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_search_insert" AFTER INSERT ON "Customer"
  REFERENCING NEW TABLE AS "customer_search_new" FOR EACH STATEMENT EXECUTE FUNCTION "customer_search_customer_insert"();

CREATE TRIGGER "Customer_search_delete" AFTER DELETE ON "Customer"
  REFERENCING OLD TABLE AS "customer_search_old" FOR EACH STATEMENT EXECUTE FUNCTION "customer_search_customer_delete"();

CREATE TRIGGER "Customer_search_email" AFTER UPDATE OF "email" ON "Customer"
  FOR EACH ROW WHEN (OLD."email" IS DISTINCT FROM NEW."email") EXECUTE FUNCTION "customer_search_refresh"();

CREATE TRIGGER "CustomerContact_search_insert" AFTER INSERT ON "CustomerContact"
  REFERENCING NEW TABLE AS "customer_search_new" FOR EACH STATEMENT EXECUTE FUNCTION "customer_search_contact_insert"();

CREATE TRIGGER "CustomerContact_search_delete" AFTER DELETE ON "CustomerContact"
  REFERENCING OLD TABLE AS "customer_search_old" FOR EACH STATEMENT EXECUTE FUNCTION "customer_search_contact_delete"();

CREATE TRIGGER "CustomerContact_search_update" AFTER UPDATE OF "name", "email" ON "CustomerContact"
  FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name" OR OLD."email" IS DISTINCT FROM NEW."email") EXECUTE FUNCTION "customer_search_refresh"();

-- Customers searched before the table existed. After the triggers: creating them locked
-- Customer and CustomerContact against writes until this migration commits, so no write falls
-- between this fill and the triggers.
INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "lowered")
SELECT c."shopId", c."customerKey", "customer_search_lowered"(c."customerKey", c."email", k."email", k."name")
FROM "Customer" c LEFT JOIN "CustomerContact" k ON k."shopId" = c."shopId" AND k."customerKey" = c."customerKey";

-- The shop's texts with their customer, so a short search can read them from the index alone
-- (built after the fill: one sorted build rather than a million inserts).
CREATE INDEX "CustomerSearchText_shopId_lowered_idx" ON "CustomerSearchText" ("shopId", "lowered") INCLUDE ("customerKey");

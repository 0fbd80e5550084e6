-- Customer search (docs/decisions/036): trigram GIN indexes on the lowercased text the customer
-- list searches, so `lower(x) LIKE '%q%'` reads the index instead of every customer.
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner may
-- create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "Customer_search_customerKey_idx" ON "Customer" USING gin (lower("customerKey") gin_trgm_ops);

CREATE INDEX "Customer_search_email_idx" ON "Customer" USING gin (lower("email") gin_trgm_ops);

CREATE INDEX "CustomerContact_search_email_idx" ON "CustomerContact" USING gin (lower("email") gin_trgm_ops);

CREATE INDEX "CustomerContact_search_name_idx" ON "CustomerContact" USING gin (lower("name") gin_trgm_ops);

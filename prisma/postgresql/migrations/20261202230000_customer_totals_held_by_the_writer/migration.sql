-- A recompute that writes many customers pauses the shop's totals and rebuilds them in one
-- statement afterwards (docs/decisions/025). customer_total_follow then returned at once for
-- each row, but each row still ran it: a function call and a lookup of the shop's SyncState,
-- 0.46 s of a 338k-customer first write (decision 064). The recompute's own write
-- transactions, which hold only the paused shop's customers, now say so in a transaction-local
-- setting that the triggers' WHEN reads, so no function runs for their rows. Every other
-- writer still goes through the function, which still checks the pause.
DROP TRIGGER "Customer_total_insert_delete" ON "Customer";
DROP TRIGGER "Customer_total_update" ON "Customer";
CREATE TRIGGER "Customer_total_insert_delete" AFTER INSERT OR DELETE ON "Customer" FOR EACH ROW
  WHEN (current_setting('rfm.customer_totals_held', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "customer_total_follow"();
CREATE TRIGGER "Customer_total_update" AFTER UPDATE OF "persona", "r", "f", "m", "lastOrderAt", "firstOrderAt", "guest", "writeStatus", "frequency", "monetaryMinor" ON "Customer" FOR EACH ROW
  WHEN (current_setting('rfm.customer_totals_held', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "customer_total_follow"();

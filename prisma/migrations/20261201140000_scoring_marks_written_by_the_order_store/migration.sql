-- The order store marks changed customers itself, set-based per batch (docs/decisions/050):
-- a trigger per "Order" row cost a first backfill a sixth of its time.
DROP TRIGGER IF EXISTS "Order_scoring_dirty_insert";
DROP TRIGGER IF EXISTS "Order_scoring_dirty_update";
DROP TRIGGER IF EXISTS "Order_scoring_dirty_delete";

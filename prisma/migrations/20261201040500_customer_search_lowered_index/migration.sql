-- Customer search, 1–2 characters (docs/decisions/041): a search with no trigram reads the
-- shop's lowercase texts from this index (the shop's entries only; a table row is read only
-- where the text matches), rather than every table row, which also holds the texts as written.
CREATE INDEX "CustomerSearchText_shopId_lowered_idx" ON "CustomerSearchText"("shopId", "lowered");

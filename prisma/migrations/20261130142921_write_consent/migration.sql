-- The merchant's go-ahead for writing to the store. New shops wait for it ('pending');
-- shops that existed before it was asked for were already writing, so they keep their consent.
ALTER TABLE "Shop" ADD COLUMN "writeConsent" TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE "Shop" ADD COLUMN "writeConsentAt" DATETIME;
UPDATE "Shop" SET "writeConsent" = 'granted', "writeConsentAt" = CAST(strftime('%s', 'now') AS INTEGER) * 1000;

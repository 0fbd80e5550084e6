-- AlterTable
ALTER TABLE "PersonaSnapshot" ADD COLUMN "backdatedUnder" TEXT;

import { cpSync, mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "~/db/index.server";
import { freshDatabase } from "../../test/support/db";
import { migrationsDirFor, readiness } from "./readiness.server";

describe("readiness", () => {
  it("GIVEN a database with every shipped migration WHEN asked THEN ready", async () => {
    const { db } = await freshDatabase();
    expect(await readiness(db)).toEqual({ ready: true });
  });

  it("GIVEN a build that ships a migration the database has not had WHEN asked THEN not ready, naming it", async () => {
    const { db } = await freshDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-migrations-"));
    cpSync(migrationsDirFor(db), dir, { recursive: true });
    mkdirSync(path.join(dir, "29990101000000_next_release"));

    expect(await readiness(db, dir)).toEqual({ ready: false, reason: "migrations pending", pending: ["29990101000000_next_release"] });
  });

  it("GIVEN a database nobody migrated WHEN asked THEN not ready: migrations pending", async () => {
    const { url } = await freshDatabase();
    const empty = url.startsWith("file:") ? openDatabase(`file:${path.join(mkdtempSync(path.join(os.tmpdir(), "rfm-empty-")), "empty.db")}`) : null;
    if (!empty) return; // PostgreSQL: every fresh database is a migrated template's copy
    const state = await readiness(empty, migrationsDirFor(empty));
    expect(state).toMatchObject({ ready: false, reason: "migrations pending" });
    await empty.close();
  });
});

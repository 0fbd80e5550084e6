import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

// A copy of the project's database tooling and schema, so a migration written here never
// touches the real prisma/ (other work may be changing it).
const project = mkdtempSync(path.join(os.tmpdir(), "rfm-db-cli-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));
mkdirSync(path.join(project, "scripts"));
for (const file of ["db.mjs", "pg-server.mjs"]) cpSync(path.join(root, "scripts", file), path.join(project, "scripts", file));
cpSync(path.join(root, "prisma"), path.join(project, "prisma"), { recursive: true });
symlinkSync(path.join(root, "node_modules"), path.join(project, "node_modules"));

const migrationsOf = (dir: string) => readdirSync(path.join(project, dir), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe("npm run db:migration writes both providers' migrations", () => {
  it("GIVEN a new field in prisma/schema.prisma WHEN db:migration runs THEN SQLite and PostgreSQL each get a migration adding it, under the same name", async () => {
    const schema = path.join(project, "prisma", "schema.prisma");
    writeFileSync(schema, readFileSync(schema, "utf8").replace(/(model Shop \{\n)/, "$1  plan String?\n"));
    const before = { sqlite: migrationsOf("prisma/migrations"), postgresql: migrationsOf("prisma/postgresql/migrations") };

    const { stdout } = await run(process.execPath, [path.join(project, "scripts", "db.mjs"), "migration", "shop_plan"], { cwd: project });

    const added = (dir: string, had: string[]) => migrationsOf(dir).filter((m) => !had.includes(m));
    const [sqlite] = added("prisma/migrations", before.sqlite);
    const [postgresql] = added("prisma/postgresql/migrations", before.postgresql);
    expect(stdout).toContain("sqlite: wrote");
    expect(sqlite).toMatch(/^\d{14}_shop_plan$/);
    expect(postgresql).toBe(sqlite);
    expect(readFileSync(path.join(project, "prisma/migrations", sqlite, "migration.sql"), "utf8")).toContain('ALTER TABLE "Shop" ADD COLUMN "plan" TEXT');
    expect(readFileSync(path.join(project, "prisma/postgresql/migrations", postgresql, "migration.sql"), "utf8")).toMatch(/ALTER TABLE "Shop" ADD COLUMN\s+"plan" TEXT/);
    expect(readFileSync(path.join(project, "prisma/postgresql/schema.prisma"), "utf8")).toContain("plan String?");
  });

  it("GIVEN a schema change and no PostgreSQL binaries WHEN db:migration runs THEN it says what to install and writes neither provider's migration", async () => {
    const schema = path.join(project, "prisma", "schema.prisma");
    const original = readFileSync(schema, "utf8");
    writeFileSync(schema, original.replace(/(model Shop \{\n)/, "$1  tier String?\n"));
    const before = [...migrationsOf("prisma/migrations"), ...migrationsOf("prisma/postgresql/migrations")];

    const failure = await run(process.execPath, [path.join(project, "scripts", "db.mjs"), "migration", "shop_tier"], {
      cwd: project,
      env: { ...process.env, PGBIN: path.join(project, "no-postgres-here") },
    }).catch((err: { code: number; stderr: string }) => err);

    writeFileSync(schema, original);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringContaining("apt-get install postgresql") });
    expect([...migrationsOf("prisma/migrations"), ...migrationsOf("prisma/postgresql/migrations")]).toEqual(before);
  });

  it("GIVEN migrations that match the schema WHEN db:migration runs THEN nothing is written for either provider", async () => {
    const before = [...migrationsOf("prisma/migrations"), ...migrationsOf("prisma/postgresql/migrations")];

    const { stdout } = await run(process.execPath, [path.join(project, "scripts", "db.mjs"), "migration", "nothing"], { cwd: project });

    expect(stdout).toContain("sqlite: schema.prisma matches the migrations: nothing to write.");
    expect(stdout).toContain("postgresql: schema.prisma matches the migrations: nothing to write.");
    expect([...migrationsOf("prisma/migrations"), ...migrationsOf("prisma/postgresql/migrations")]).toEqual(before);
  });
});

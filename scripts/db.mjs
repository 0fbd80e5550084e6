// Database tooling that works offline (docs/decisions/001-runtime-and-offline-prisma.md):
//
//   node scripts/db.mjs generate          prisma generate, without the native schema engine
//   node scripts/db.mjs migrate [URL]     apply prisma/migrations (like `prisma migrate deploy`)
//   node scripts/db.mjs migration NAME    write prisma/migrations/<ts>_NAME/migration.sql from the
//                                         difference between the migrations and schema.prisma
//
// Migrations are applied by Prisma's own schema engine compiled to WASM, talking to the
// database through the same driver adapter the app uses. URL defaults to $DATABASE_URL,
// then file:./data/rfm.db (relative to the project root).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const schemaPath = path.join(root, "prisma", "schema.prisma");
const migrationsDir = path.join(root, "prisma", "migrations");
export const DEFAULT_DATABASE_URL = "file:./data/rfm.db";

/** Resolve `file:` URLs relative to the project root, like the app does. */
export function sqliteFilePath(url) {
  if (!url.startsWith("file:")) throw new Error(`not a SQLite file URL: ${url}`);
  const p = url.slice("file:".length);
  return path.isAbsolute(p) ? p : path.join(root, p);
}

// One WASM instance per process: the bindings cache views of its memory, so a
// second instantiation would leave them pointing at the first one's memory.
let enginePromise;
function loadSchemaEngine() {
  enginePromise ??= instantiateSchemaEngine();
  return enginePromise;
}

async function instantiateSchemaEngine() {
  const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasmDir = path.dirname(bgPath);
  const bg = await import(pathToFileURL(bgPath).href);
  const bytes = readFileSync(path.join(wasmDir, "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, {
    "./schema_engine_bg.js": bg,
  });
  bg.__wbg_set_wasm(instance.exports);
  if (typeof instance.exports.__wbindgen_start === "function") instance.exports.__wbindgen_start();
  return bg;
}

async function rawAdapterFactoryFor(url) {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    return new PrismaPg({ connectionString: url });
  }
  const file = sqliteFilePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  const { PrismaBetterSQLite3 } = await import("@prisma/adapter-better-sqlite3");
  return new PrismaBetterSQLite3({ url: file });
}

/**
 * The engine does not close the connections it opens; remember them so they can be
 * disposed of, or the database stays locked for the rest of the process.
 */
function trackingFactory(inner, opened) {
  const track = async (p) => {
    const adapter = await p;
    opened.push(adapter);
    return adapter;
  };
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: () => track(inner.connect()),
    connectToShadowDb: () => track(inner.connectToShadowDb()),
  };
}

function schemaFiles() {
  return [{ path: schemaPath, content: readFileSync(schemaPath, "utf8") }];
}

function migrationsList() {
  const dirs = existsSync(migrationsDir)
    ? readdirSync(migrationsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: file,
          content: existsSync(file)
            ? { tag: "ok", value: readFileSync(file, "utf8") }
            : { tag: "error", value: `missing ${file}` },
        },
      };
    }),
  };
}

const noFilters = { externalTables: [], externalEnums: [] };

async function withEngine(url, fn) {
  const wasm = await loadSchemaEngine();
  const { bindMigrationAwareSqlAdapterFactory } = await import("@prisma/driver-adapter-utils");
  const opened = [];
  const factory = bindMigrationAwareSqlAdapterFactory(trackingFactory(await rawAdapterFactoryFor(url), opened));
  const logs = [];
  const engine = await wasm.SchemaEngine.new(
    { datamodels: schemaFiles().map((f) => [f.path, f.content]) },
    (log) => logs.push(log),
    factory,
  );
  try {
    return await fn(engine);
  } finally {
    engine.free();
    await Promise.all(opened.map((a) => a.dispose()));
  }
}

/** Apply every migration in prisma/migrations that the database has not seen. */
export async function migrate(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL) {
  return withEngine(url, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList: migrationsList(), filters: noFilters });
    return out.appliedMigrationNames;
  });
}

/** Write a new migration: SQL that takes a database from the existing migrations to schema.prisma. */
async function createMigration(name) {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error("migration name must be lower_snake_case, e.g. npm run db:migration -- add_orders");
  }
  // The diff starts from a scratch database with all existing migrations applied.
  const scratch = mkdtempSync(path.join(os.tmpdir(), "rfm-migration-"));
  const url = `file:${path.join(scratch, "scratch.db")}`;
  try {
    // The WASM engine has no shadow database, so the starting point is the schema
    // introspected from a scratch database that has every existing migration applied.
    const script = await withEngine(url, async (engine) => {
      await engine.applyMigrations({ migrationsList: migrationsList(), filters: noFilters });
      const hasMigrations = migrationsList().migrationDirectories.length > 0;
      const from = hasMigrations
        ? {
            tag: "schemaDatamodel",
            files: (
              await engine.introspect({
                schema: { files: schemaFiles() },
                baseDirectoryPath: path.dirname(schemaPath),
                force: true,
                compositeTypeDepth: 0,
                namespaces: null,
              })
            ).schema.files,
          }
        : { tag: "empty" };
      const out = await engine.diff({
        from,
        to: { tag: "schemaDatamodel", files: schemaFiles() },
        shadowDatabaseUrl: null,
        script: true,
        exitCode: null,
        filters: noFilters,
      });
      return out.stdout ?? "";
    });
    if (!script.trim() || /^-- This is an empty migration\.?\s*$/.test(script.trim())) {
      console.log("schema.prisma matches the migrations: nothing to write.");
      return null;
    }
    const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
    const dir = path.join(migrationsDir, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), script);
    const lock = path.join(migrationsDir, "migration_lock.toml");
    if (!existsSync(lock)) {
      writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "sqlite"\n');
    }
    console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
    return dir;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function generate() {
  const prismaCli = require.resolve("prisma/build/index.js");
  execFileSync(process.execPath, [prismaCli, "generate", "--schema", schemaPath], {
    cwd: root,
    stdio: "inherit",
    // Generation uses the bundled WASM; the CLI only insists that a schema engine binary exists.
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true",
      PRISMA_QUERY_ENGINE_LIBRARY: "/bin/true",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    },
  });
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [cmd, arg] = process.argv.slice(2);
  try {
    if (cmd === "generate") generate();
    else if (cmd === "migrate") {
      const applied = await migrate(arg || undefined);
      console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
    } else if (cmd === "migration") await createMigration(arg);
    else {
      console.error("usage: node scripts/db.mjs generate | migrate [URL] | migration NAME");
      process.exit(2);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}

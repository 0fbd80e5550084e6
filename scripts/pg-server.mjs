// A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster in a temp dir,
// on loopback only, trust auth, a free port, its unix socket in the temp dir. Stopped and
// removed on stop(), on process exit, and by a watchdog if this process dies without either.
//
//   npm run pg                  start, migrate database `rfm`, print its DATABASE_URL, run until Ctrl-C
//   npm run pg -- CMD ARGS…     the same, then run CMD with DATABASE_URL set, and stop when it ends
//
// The server binaries come from $PGBIN, else the newest /usr/lib/postgresql/*/bin (Debian's
// `postgresql` package), else `pg_config --bindir`. As root, the cluster runs as the
// `postgres` user (initdb and postgres refuse to run as root).
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** The database every server starts with, owned by the superuser `postgres`. */
const ADMIN_DATABASE = "postgres";

const MISSING_BINARIES =
  "PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql) or set PGBIN to the directory holding initdb";

export function postgresBinDir() {
  if (process.env.PGBIN) {
    if (!existsSync(path.join(process.env.PGBIN, "initdb"))) throw new Error(`PGBIN=${process.env.PGBIN} holds no initdb. ${MISSING_BINARIES}`);
    return process.env.PGBIN;
  }
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(path.join(debian, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(debian, versions[0], "bin");
  }
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(MISSING_BINARIES);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start a fresh server. `fast` turns durability off (fsync, full-page writes, synchronous
 * commit) — right for tests, wrong for benchmarks that report write figures.
 * @param {{ fast?: boolean }} [options]
 */
export async function startPostgres({ fast = false } = {}) {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  // /tmp is traversable by every user, which the postgres user needs to reach its data dir.
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-pg-"));
  const data = path.join(dir, "data");
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const run = (cmd, args) =>
    execFileSync(asRoot ? "runuser" : path.join(bin, cmd), asRoot ? ["-u", "postgres", "--", path.join(bin, cmd), ...args] : args, {
      cwd: dir, // runuser would otherwise warn that it cannot enter root's home
      stdio: ["ignore", "pipe", "pipe"],
    });
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);

  const port = await freePort();
  const settings = [`-c listen_addresses=127.0.0.1`, `-p ${port}`, `-k ${dir}`];
  if (fast) settings.push("-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off");
  run("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-o", settings.join(" "), "start"]);

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stop);
    try {
      // immediate: the cluster is thrown away, nothing needs a clean checkpoint
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch {
      // already gone (the watchdog or an operator stopped it)
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", stop);
  startWatchdog(process.pid, bin, data, dir, asRoot);

  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/${ADMIN_DATABASE}`;
  return {
    /** The superuser's connection to the `postgres` database. */
    adminUrl,
    port,
    dir,
    /** The URL of database `name` on this server. */
    urlFor: (name) => `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`,
    /** Create database `name` (optionally as a copy of `template`) and return its URL. */
    createDatabase: (name, template) => createDatabase(adminUrl, name, template),
    stop,
  };
}

/**
 * Create database `name` on the server of `adminUrl`, as a copy of `template` when given
 * (a file copy: far cheaper than migrating again). Returns the new database's URL.
 */
export async function createDatabase(adminUrl, name, template) {
  const ident = (s) => `"${String(s).replaceAll('"', '""')}"`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${ident(name)}${template ? ` TEMPLATE ${ident(template)}` : ""}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

function postgresUser() {
  const field = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: field("-u"), gid: field("-g") };
  } catch {
    throw new Error("running as root needs a `postgres` user to own the cluster (Debian's postgresql package creates it)");
  }
}

/** A detached shell that stops and removes the cluster once `pid` is gone (killed, crashed). */
function startWatchdog(pid, bin, data, dir, asRoot) {
  const pgCtl = `${asRoot ? "runuser -u postgres -- " : ""}'${path.join(bin, "pg_ctl")}' -D '${data}' -m immediate -w stop`;
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; if [ -d '${data}' ]; then cd '${dir}'; ${pgCtl} >/dev/null 2>&1; rm -rf '${dir}'; fi`;
  spawn("sh", ["-c", script], { detached: true, stdio: "ignore" }).unref();
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const command = process.argv.slice(2);
  let url;
  try {
    const server = await startPostgres();
    url = await server.createDatabase("rfm");
    // Imported here: db.mjs imports this module when it writes a migration.
    const { migrate } = await import("./db.mjs");
    await migrate(url);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
  if (command.length === 0) {
    console.log(`DATABASE_URL=${url}`);
    console.log("PostgreSQL is running; Ctrl-C stops it and removes its data.");
    setInterval(() => {}, 1 << 30);
  } else {
    const child = spawn(command[0], command.slice(1), { stdio: "inherit", env: { ...process.env, DATABASE_URL: url } });
    child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  }
}

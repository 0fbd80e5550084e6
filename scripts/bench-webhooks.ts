/**
 * npm run bench:webhooks [-- --rate 500 --seconds 10] [-- --mode postgres] [-- --build DIR]
 *
 * Webhook receipt under load: signed `orders/create` deliveries (Shopify's documented sample)
 * at a fixed rate against the production build, served as `npm start` serves it, over
 * loopback (build/server/web.js; remix-serve for a build without it); the load generator
 * (loadtest, one delivery every 1000/rate ms, open loop: scripts/lib/webhook-load.ts) runs in
 * its own process. Printed: throughput,
 * acknowledgement p50/p99, non-2xx and connection errors, rows stored = deliveries answered
 * 200 (lost = answered 200 but not stored), and how long the stored deliveries took to be
 * applied after the load stopped.
 *
 * --mode sqlite (default): one web process running its jobs, as the embedded default
 *   (--run-jobs false: receipt alone, nothing applied meanwhile).
 * --mode postgres: a throwaway PostgreSQL (scripts/pg-server.mjs), one web process with
 *   RUN_JOBS=false and 2 worker processes (npm run worker; --workers 0: receipt alone).
 * --warmup-seconds 3: 50/s first, not measured (a production server is warm).
 * --cpu-prof DIR: the web and worker processes write V8 CPU profiles to DIR.
 *
 * Goal: ack p99 ≤ 100 ms and nothing lost at 500/s. The full run: --rate 500 --seconds 60.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { spawnAppProcess, webEntry } from "./lib/app-processes";
import { openDatabase } from "../app/db/index.server";
import { createShop } from "../app/shops/shop.server";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    mode: { type: "string", default: "sqlite" },
    build: { type: "string", default: path.join(root, "build") },
    workers: { type: "string", default: "2" },
    /** sqlite mode: "false" measures receipt alone (nothing applied during the run). */
    "run-jobs": { type: "string", default: "true" },
    /** A directory: the web and worker processes write V8 CPU profiles there (node --cpu-prof). */
    "cpu-prof": { type: "string" },
    /** Seconds of 50/s before the measured run (not counted). */
    "warmup-seconds": { type: "string", default: "3" },
  },
});
const MODE = args.mode === "postgres" ? "postgres" : "sqlite";
/** Whether anything applies the inbox during the run (receipt alone: --run-jobs false, or --workers 0). */
const APPLYING = MODE === "postgres" ? Number(args.workers) > 0 : args["run-jobs"] !== "false";
const BUILD = path.resolve(args.build);
const SHOP = { id: "bench", domain: "bench.myshopify.com" };
const SECRET = "bench-secret";
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function database(): Promise<{ url: string; stop(): void }> {
  if (MODE === "postgres") {
    const { startPostgres } = await import("./pg-server.mjs");
    const server = await startPostgres();
    const url = await server.createDatabase("bench");
    return { url, stop: () => server.stop() };
  }
  return { url: `file:${path.join(mkdtempSync(path.join(os.tmpdir(), "rfm-bench-webhooks-")), "bench.db")}`, stop: () => {} };
}

function start(file: string, argv: string[], env: Record<string, string>, logFile: string): ChildProcess {
  // Profiles are written at exit: a web process with RUN_JOBS=false does not exit on SIGTERM by itself.
  const exitOnTerm = `data:text/javascript,process.once("SIGTERM",()=>setTimeout(()=>process.exit(0),2000))`;
  const profile = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(args["cpu-prof"])}`, "--import", exitOnTerm] : [];
  // Straight into the log file: the access log of every request must not cost this process (or the server) a pipe.
  const out = openSync(logFile, "a");
  return spawnAppProcess(file, argv, env, { flags: profile, stdio: ["ignore", out, out] });
}

async function untilAnswers(url: string, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url} never answered`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (!existsSync(path.join(BUILD, "server", "index.js")) || !existsSync(path.join(BUILD, "server", "worker.js"))) {
  log("no production build: npm run build");
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
}

const db = await database();
execFileSync(process.execPath, [path.join(root, "scripts", "db.mjs"), "migrate", db.url], { stdio: "ignore" });
const seam = openDatabase(db.url);
await createShop(seam, { ...SHOP, platform: "shopify" }, { now: new Date() });
const port = await freePort();
const logDir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-logs-"));
const env = {
  NODE_ENV: "production",
  PORT: String(port),
  DATABASE_URL: db.url,
  SHOPIFY_API_KEY: "bench-key",
  SHOPIFY_API_SECRET: SECRET,
  SHOPIFY_APP_URL: `http://localhost:${port}`,
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  // No store behind the shop: re-reads fail fast against a closed local port and retry later.
  SHOPIFY_ADMIN_SIMULATOR_URL: "http://127.0.0.1:9",
  // Recompute is another bench's subject: none runs during this one.
  RECOMPUTE_DEBOUNCE_MS: "3600000",
  LOG_LEVEL: "error",
};
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  db.stop();
};
process.on("exit", cleanup);
const web = webEntry(BUILD);
children.push(start(web.file, web.argv, { ...env, RUN_JOBS: MODE === "sqlite" ? args["run-jobs"]! : "false" }, path.join(logDir, "web.log")));
if (MODE === "postgres") {
  for (let i = 0; i < Number(args.workers); i++) children.push(start(path.join(BUILD, "server", "worker.js"), [], env, path.join(logDir, `worker-${i}.log`)));
}
await untilAnswers(`http://127.0.0.1:${port}/readyz`);
log(`${MODE}: web on :${port}${MODE === "postgres" ? ` + ${args.workers} workers` : ""}; logs in ${logDir}`);
const count = async (sql: string) => Number(await seam.prepare(sql).pluck().get());

/** The load generator in its own process; resolves with its one JSON line. */
async function sendLoad(rate: string, seconds: string, offset = 0): Promise<string> {
  const load = spawn(
    process.execPath,
    ["--import", "tsx", path.join(root, "scripts", "lib", "webhook-load.ts"), "--url", `http://127.0.0.1:${port}/webhooks`, "--rate", rate, "--seconds", seconds, "--secret", SECRET, "--shop", SHOP.domain, "--offset", String(offset)],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  load.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((r) => load.once("exit", r));
  return out;
}

// A server in production is warm: the first deliveries (lazy modules, JIT, pools, pg-boss) are not measured.
if (Number(args["warmup-seconds"]) > 0) {
  log(`warming up: 50/s for ${args["warmup-seconds"]} s`);
  await sendLoad("50", args["warmup-seconds"]!, 10_000_000);
  const end = Date.now() + 60_000;
  while (APPLYING && Date.now() < end && (await count(`SELECT count(*) FROM "WebhookInbox" WHERE appliedAt IS NULL`)) > 0) await new Promise((r) => setTimeout(r, 100));
}
const warmupRows = await count(`SELECT count(*) FROM "WebhookInbox"`);
const warmupLastId = await count(`SELECT coalesce(max(id), 0) FROM "WebhookInbox"`);
const warmupOrders = await count(`SELECT count(*) FROM "Order"`);
log(`sending ${args.rate}/s for ${args.seconds} s`);
const out = await sendLoad(args.rate!, args.seconds!);
const result = JSON.parse(out.trim().split("\n").at(-1)!) as {
  sent: number;
  answered: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  throughput: number;
  /** loadtest says false when fewer than that share of deliveries were answered at all. */
  p50: number | false;
  p99: number | false;
  max: number;
};
const percentile = (ms: number | false) => (ms === false ? "none: too many deliveries unanswered" : ms);

const loadEnded = Date.now();
while (APPLYING && (await count(`SELECT count(*) FROM "WebhookInbox" WHERE appliedAt IS NULL`)) > 0 && Date.now() - loadEnded < 300_000) {
  await new Promise((r) => setTimeout(r, 100));
}
const drainMs = Date.now() - loadEnded;
// Requests still in flight when the generator stopped may be stored without being counted
// as answered: every answered 200 must be stored, more is fine.
const stored = (await count(`SELECT count(*) FROM "WebhookInbox"`)) - warmupRows;
const applied = await count(`SELECT count(*) FROM "WebhookInbox" WHERE outcome = 'processed' AND id > ${warmupLastId}`);
const orders = (await count(`SELECT count(*) FROM "Order"`)) - warmupOrders;

const report = {
  mode: MODE === "postgres" ? `postgres, 1 web + ${args.workers} workers` : `sqlite, 1 web process ${APPLYING ? "running its jobs" : "(receipt alone)"}`,
  offered: `${args.rate}/s for ${args.seconds} s`,
  throughputPerSecond: Math.round(result.throughput),
  ackP50ms: percentile(result.p50),
  ackP99ms: percentile(result.p99),
  ackMaxMs: result.max,
  non2xx: result.non2xx,
  connectionErrors: result.errors,
  timeouts: result.timeouts,
  answered200: result.ok2xx,
  rowsStored: stored,
  lost: Math.max(0, result.ok2xx - stored),
  appliedAsOrders: `${applied} deliveries, ${orders} orders`,
  appliedWithinMsAfterLoad: drainMs,
  goal: "ack p99 ≤ 100 ms, nothing lost",
};
console.log(JSON.stringify(report, null, 2));
// A graceful stop (bounded) lets profiled processes write their profiles.
await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => { c.once("exit", r); c.kill("SIGTERM"); setTimeout(r, 30_000).unref(); }) : null)));
await seam.close();
cleanup();
process.exit(report.lost === 0 && result.non2xx === 0 && result.errors === 0 ? 0 : 1);

/**
 * The app's production build run as `npm start` / `npm run worker` run it, in child processes
 * of a benchmark: a free loopback port, the processes with their output in log files, and a
 * wait until the web process answers.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The app's environment with the shipped defaults: only what a deployment must set, plus the
 * Shopify simulator in place of Shopify (a fresh token encryption key per run).
 */
export function productionEnv(o: { databaseUrl: string; appUrl: string; apiKey: string; apiSecret: string; simulatorUrl: string }): Record<string, string> {
  return {
    NODE_ENV: "production",
    DATABASE_URL: o.databaseUrl,
    SHOPIFY_API_KEY: o.apiKey,
    SHOPIFY_API_SECRET: o.apiSecret,
    SHOPIFY_APP_URL: o.appUrl,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    SHOPIFY_ADMIN_SIMULATOR_URL: o.simulatorUrl,
    APP_BRIDGE_URL: `${o.simulatorUrl}/__sim/app-bridge.js`,
    LOG_LEVEL: "warn",
  };
}

/** Builds the app once if `build` lacks the web or worker entry. */
export function ensureProductionBuild(build: string, log: (msg: string) => void): void {
  if (existsSync(path.join(build, "server", "index.js")) && existsSync(path.join(build, "server", "worker.js"))) return;
  log("no production build: npm run build");
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * A private copy of the build for a long run: another `npm run build` in the same checkout
 * meanwhile replaces chunks the running processes still import. Kept inside node_modules so
 * the copy resolves packages as the build does.
 */
export function snapshotBuild(build: string): { dir: string; remove(): void } {
  const parent = path.join(root, "node_modules", ".cache");
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, "rfm-build-"));
  cpSync(build, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Node's flags for the app's own processes, as package.json's `start` and `worker` scripts pass
 * them (test/processes/web-server.test.ts holds the two to the same list): a 4 MB semi-space,
 * a 12 MB young generation, as the scoring threads have (docs/decisions/062); and a major
 * collection once the heap has grown 20% past what the last one left, in every thread, where
 * V8 otherwise lets a heap with memory to spare grow up to 4× first: one recompute's garbage
 * was still held when the next one allocated (docs/decisions/063).
 */
export const APP_NODE_FLAGS = ["--max-semi-space-size=4", "--heap-growing-percent=20"] as const;

/**
 * The environment package.json's `start` and `worker` scripts set before node starts (glibc
 * reads it at exec, so no code can): allocations of 128 KB and more, typed arrays among them,
 * each get their own mapping, returned to the system when freed (docs/decisions/063).
 */
export const APP_PROCESS_ENV = { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=131072" } as const;

/** APP_PROCESS_ENV as a shell command's prefix, as package.json's scripts write it. */
export const APP_PROCESS_ENV_PREFIX = Object.entries(APP_PROCESS_ENV).map(([name, value]) => `${name}=${value}`).join(" ");

/** An app process's environment: only PATH, APP_PROCESS_ENV and `env`. */
export function appProcessEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", ...APP_PROCESS_ENV, ...env } as unknown as NodeJS.ProcessEnv;
}

/**
 * An app process as `npm start` / `npm run worker` start one: `node <APP_NODE_FLAGS> <flags> <file>
 * …argv` in appProcessEnv(env). `flags`: a caller's own (a profiler, a preloaded probe).
 */
export function spawnAppProcess(
  file: string,
  argv: string[],
  env: Record<string, string>,
  options: { flags?: string[]; stdio?: StdioOptions; cwd?: string } = {},
): ChildProcess {
  return spawn(process.execPath, [...APP_NODE_FLAGS, ...(options.flags ?? []), file, ...argv], {
    cwd: options.cwd ?? root,
    stdio: options.stdio ?? ["ignore", "pipe", "pipe"],
    env: appProcessEnv(env),
  });
}

/**
 * The running script (`file`) started again as an app process, for a benchmark measuring its
 * own process: node's arguments (APP_NODE_FLAGS, then this runner's own, e.g. tsx's loader) and
 * this environment with APP_PROCESS_ENV.
 */
export function scriptAsAppProcess(file: string, argv: string[]): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: [...APP_NODE_FLAGS, ...process.execArgv, file, ...argv], env: { ...process.env, ...APP_PROCESS_ENV } };
}

/** An app process (spawnAppProcess), its stdout and stderr into `logFile`. */
export function startNode(file: string, argv: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const child = spawnAppProcess(file, argv, env);
  const out = createWriteStream(logFile);
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return child;
}

/** `npm start`'s entry in a build (build/server/web.js); a build from before it had one is served by remix-serve. */
export function webEntry(build: string): { file: string; argv: string[] } {
  const web = path.join(build, "server", "web.js");
  return existsSync(web)
    ? { file: web, argv: [] }
    : { file: path.join(root, "node_modules", "@remix-run", "serve", "dist", "cli.js"), argv: [path.join(build, "server", "index.js")] };
}

/** The web process (as `npm start` runs it) and `workers` worker processes. */
export function startApp(build: string, env: Record<string, string>, logDir: string, workers = 0): ChildProcess[] {
  const entry = webEntry(build);
  const web = startNode(entry.file, entry.argv, env, path.join(logDir, "web.log"));
  const rest = Array.from({ length: workers }, (_, i) => startNode(path.join(build, "server", "worker.js"), [], env, path.join(logDir, `worker-${i}.log`)));
  return [web, ...rest];
}

export async function untilAnswers(url: string, ms = 60_000): Promise<void> {
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

/** SIGTERM (the processes drain, bounded), SIGKILL whatever is still running after `ms`. */
export async function stopProcesses(children: ChildProcess[], ms = 30_000): Promise<void> {
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? null
        : new Promise<void>((resolve) => {
            const timer = setTimeout(() => c.kill("SIGKILL"), ms);
            c.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            c.kill("SIGTERM");
          }),
    ),
  );
}

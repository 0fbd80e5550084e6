/**
 * Once per run, before any browser test: the app's production build must exist and be newer
 * than its sources (the demo stack serves build/), and Chromium must be installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { CHROMIUM, ROOT, SCREENSHOTS } from "./paths";

const SOURCES = ["app", "public", "remix.config.js", "vite.config.ts", "package.json", "package-lock.json"];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return /\.test\.tsx?$/.test(entry) ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

export default function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  }
  const built = path.join(ROOT, "build", "server", "index.js");
  const sources = Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s))));
  if (!existsSync(built) || !existsSync(path.join(ROOT, "build", "client")) || statSync(built).mtimeMs < sources) {
    process.stderr.write("[browser tests] build/ is missing or older than the sources: npm run build…\n");
    // A production build whatever NODE_ENV the test runner set.
    execFileSync("npm", ["run", "build"], { cwd: ROOT, env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit"] });
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The demo stack's database lives here for the run.
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-browser-"));
  project.provide("browserTestDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

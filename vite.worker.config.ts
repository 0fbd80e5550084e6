/**
 * The scoring worker's own build (npm run build runs it after the Remix build): worker
 * threads load a file, and the Remix server build is one bundle, so the worker entry is
 * bundled next to it as build/server/scoring-worker.js. Packages stay external, as in the
 * server build (better-sqlite3 is native).
 */
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

export default defineConfig({
  plugins: [tsconfigPaths()],
  logLevel: "warn",
  publicDir: false,
  build: {
    ssr: "app/scoring/worker.server.ts",
    outDir: "build/server",
    emptyOutDir: false,
    target: "node22",
    rollupOptions: { output: { format: "esm", entryFileNames: "scoring-worker.js" } },
  },
});

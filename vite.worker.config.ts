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
    ssr: true,
    outDir: "build/server",
    emptyOutDir: false,
    target: "node22",
    // The job worker process (npm run worker) is built the same way, as build/server/worker.js,
    // and the production web server (npm start) as build/server/web.js.
    rollupOptions: {
      input: { "scoring-worker": "app/scoring/worker.server.ts", worker: "app/worker.server.ts", web: "app/server/main.server.ts" },
      // Shared chunks next to the entries: the scoring pool finds scoring-worker.js beside its own module.
      output: { format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" },
    },
  },
});

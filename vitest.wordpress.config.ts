import { defineConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * The WordPress plugin on a real WordPress (test/wordpress/*.e2e.ts): MariaDB and `php -S`
 * started per file, on loopback. Kept out of `npm test` (it needs Debian's wordpress,
 * mariadb-server and php-mysql, and half a minute); run with `npm run test:wordpress`.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/wordpress/**/*.e2e.ts"],
    exclude: ["node_modules/**", "build/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

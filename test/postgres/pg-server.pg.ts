import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { startPostgres } from "../../scripts/pg-server.mjs";

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

describe("the throwaway PostgreSQL server (scripts/pg-server.mjs)", () => {
  it("GIVEN a started server WHEN a database is created and the server stopped THEN it served on loopback and leaves nothing behind", async () => {
    const server = await startPostgres({ fast: true });
    const url = await server.createDatabase("shop data");

    const served = await accepts(url);
    server.stop();

    expect(new URL(url).hostname).toBe("127.0.0.1");
    expect(served).toBe(true);
    expect(existsSync(server.dir)).toBe(false);
    expect(await accepts(server.adminUrl)).toBe(false);
  });

  it("GIVEN a process holding a server WHEN it is killed without stopping it THEN the watchdog stops the server and removes its data", async () => {
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { startPostgres } = await import(${JSON.stringify(new URL("../../scripts/pg-server.mjs", import.meta.url).href)});
         const s = await startPostgres({ fast: true });
         console.log(JSON.stringify({ dir: s.dir, url: s.adminUrl }));
         setInterval(() => {}, 1 << 30);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const { value: line } = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
    const { dir, url } = JSON.parse(line as string) as { dir: string; url: string };
    expect(await accepts(url)).toBe(true);

    child.kill("SIGKILL");

    await vi.waitFor(() => expect(existsSync(dir)).toBe(false), { timeout: 30_000, interval: 250 });
    expect(await accepts(url)).toBe(false);
  });
});

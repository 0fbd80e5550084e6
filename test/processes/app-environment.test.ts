/**
 * The app's processes start with APP_PROCESS_ENV (package.json's scripts, the benchmarks'
 * startNode). glibc ignores a tunable it does not know, silently, so this checks that the C
 * library the app runs on reads ours as meant: its dynamic loader lists the tunables in force.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { appProcessEnv } from "../../scripts/lib/app-processes";

/** glibc's dynamic loader, as this process loaded it (none on musl or macOS). */
function dynamicLoader(): string | undefined {
  const report = process.report.getReport() as unknown as { header: { glibcVersionRuntime?: string }; sharedObjects: string[] };
  if (!report.header.glibcVersionRuntime) return undefined;
  return report.sharedObjects.find((file) => /\/ld-linux[^/]*\.so/.test(file));
}

describe.skipIf(!dynamicLoader())("the app's processes' environment (glibc)", () => {
  it("GIVEN the app's environment WHEN glibc starts a process in it THEN allocations of 128 KB and more get mappings of their own (decision 063)", () => {
    const tunables = (env: NodeJS.ProcessEnv) => execFileSync(dynamicLoader()!, ["--list-tunables"], { env, encoding: "utf8" });

    expect(tunables(appProcessEnv({}))).toMatch(/^glibc\.malloc\.mmap_threshold: 0x20000 /m);
    // Without it glibc moves the threshold up to each large block freed, and keeps later ones in its heaps.
    expect(tunables({ PATH: process.env.PATH ?? "" } as unknown as NodeJS.ProcessEnv)).toMatch(/^glibc\.malloc\.mmap_threshold: 0x0 /m);
  });
});

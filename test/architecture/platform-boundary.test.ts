/**
 * The store-adapter seam holds: everything that knows Shopify lives in app/platforms/shopify/,
 * and only the registry switches on platform. A file that crosses the line fails here with
 * its name and what it did.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");

/** Files outside the platform's folder that may still touch Shopify's library, and why. */
const ALLOWED: Record<string, string> = {
  "app/platforms/registry.server.ts": "adapterFor(platform): the one switch, which builds each platform's adapter",
  "app/routes/app.tsx": "the embedded shell: Shopify's library authenticates the admin and renders App Bridge",
  "app/routes/auth.$.tsx": "Shopify's OAuth callback path: the library must authenticate",
  "app/routes/auth.login/route.tsx": "Shopify's login page: the library must authenticate",
  "app/routes/auth.login/error.server.ts": "the library's login errors",
  "app/entry.server.tsx": "the library adds Shopify's document headers (CSP frame-ancestors)",
  "app/platforms/error-boundary.tsx": "admin pages hand errors that are not ours to the one platform whose library throws responses (Shopify)",
};

const SHOPIFY_SERVER_PACKAGE = /from\s+["']@shopify\/(?!polaris|app-bridge-react|polaris-icons)[^"']+["']|import\(\s*["']@shopify\/(?!polaris|app-bridge-react)/;
const SHOPIFY_FOLDER_IMPORT = /from\s+["'](~\/platforms\/shopify\/|(\.\.\/)+platforms\/shopify\/)|import\(\s*["']~\/platforms\/shopify\//;
const SHOPIFY_ID = /gid:\/\/shopify\//;
const GRAPHQL_DOCUMENT = /#graphql/;
const PLATFORM_SWITCH = /\bplatform\s*[!=]==?\s*["'`]|["'`](shopify|woocommerce)["'`]\s*[!=]==?\s*\w*platform/i;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name === "test") continue; // test fixtures beside code
      out.push(...sourceFiles(full));
    } else if (/\.(ts|tsx|mts|mjs)$/.test(name) && !/\.test\.tsx?$/.test(name)) {
      out.push(path.relative(root, full));
    }
  }
  return out;
}

const files = sourceFiles(path.join(root, "app"));
const outside = files.filter((f) => !f.startsWith("app/platforms/shopify/"));

function offenders(rule: RegExp, { allow = ALLOWED }: { allow?: Record<string, string> } = {}): string[] {
  return outside.filter((f) => !(f in allow) && rule.test(readFileSync(path.join(root, f), "utf8")));
}

describe("the platform boundary", () => {
  it("GIVEN the app's source WHEN read THEN it is found (the check looks at real files)", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain("app/platforms/shopify/adapter.server.ts");
  });

  it("GIVEN files outside app/platforms/shopify WHEN read THEN none imports Shopify's server packages", () => {
    expect(offenders(SHOPIFY_SERVER_PACKAGE)).toEqual([]);
  });

  it("GIVEN files outside app/platforms/shopify WHEN read THEN none imports from the Shopify folder (the registry excepted)", () => {
    expect(offenders(SHOPIFY_FOLDER_IMPORT)).toEqual([]);
  });

  it("GIVEN files outside app/platforms/shopify WHEN read THEN none names a Shopify GID or holds a GraphQL document", () => {
    expect(offenders(SHOPIFY_ID)).toEqual([]);
    expect(offenders(GRAPHQL_DOCUMENT)).toEqual([]);
  });

  it("GIVEN files outside app/platforms WHEN read THEN none switches on the platform's name: adapterFor does", () => {
    const switching = outside.filter((f) => !f.startsWith("app/platforms/") && PLATFORM_SWITCH.test(readFileSync(path.join(root, f), "utf8")));
    expect(switching).toEqual([]);
  });

  it("GIVEN the allowed exceptions WHEN checked THEN each still exists and still needs its exception", () => {
    for (const file of Object.keys(ALLOWED)) {
      const text = readFileSync(path.join(root, file), "utf8");
      expect([SHOPIFY_SERVER_PACKAGE, SHOPIFY_FOLDER_IMPORT, /from\s+["']\.\/shopify\//].some((r) => r.test(text)), file).toBe(true);
    }
  });
});

/**
 * Type-checks and bundles the admin UI extensions offline (no Shopify CLI, no network):
 * for each extension folder with a `ui_extension` TOML, `tsc -p <folder>/tsconfig.json`,
 * then esbuild bundles each target's module to <folder>/dist/<handle>.js, as the CLI does.
 *
 *   node extensions/build.mjs            check + build every ui extension
 *   node extensions/build.mjs --check    type-check only
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { parse } from "smol-toml";

const root = path.dirname(fileURLToPath(import.meta.url));
const tsc = path.join(root, "..", "node_modules", ".bin", "tsc");
const checkOnly = process.argv.includes("--check");

const folders = readdirSync(root)
  .map((name) => path.join(root, name))
  .filter((dir) => statSync(dir).isDirectory() && existsSync(path.join(dir, "shopify.extension.toml")));

let failed = false;
for (const dir of folders) {
  const config = parse(readFileSync(path.join(dir, "shopify.extension.toml"), "utf8"));
  const extensions = (config.extensions ?? []).filter((e) => e.type === "ui_extension");
  if (extensions.length === 0) continue;
  const name = path.basename(dir);

  const check = spawnSync(tsc, ["--noEmit", "-p", path.join(dir, "tsconfig.json")], { stdio: "inherit" });
  if (check.status !== 0) {
    console.error(`✗ ${name}: type errors`);
    failed = true;
    continue;
  }
  if (checkOnly) {
    console.log(`✓ ${name}: types`);
    continue;
  }
  for (const extension of extensions) {
    for (const target of extension.targeting ?? []) {
      const outfile = path.join(dir, "dist", `${extension.handle}.js`);
      const result = await build({
        entryPoints: [path.join(dir, target.module)],
        outfile,
        bundle: true,
        format: "esm",
        target: "es2020",
        minify: true,
        jsx: "automatic",
        jsxImportSource: "preact",
        // The CLI resolves the packages' esnext builds the same way.
        conditions: ["esnext"],
        loader: { ".esnext": "js" },
        legalComments: "none",
        logLevel: "warning",
        metafile: true,
      });
      const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
      console.log(`✓ ${name}: ${target.target} → ${path.relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(1)} KiB)`);
    }
  }
}
if (failed) process.exit(1);

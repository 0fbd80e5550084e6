import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { extractDocuments, listSourceFiles, validateFoundDocument } from "../sim/shopify/documents";

/**
 * Every Admin GraphQL document in app/ must be valid against Shopify's real 2026-10 schema.
 * Documents are found by their `#graphql` tag, in template literals or plain strings.
 */
const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../app");

describe("GraphQL documents in the app", () => {
  it("GIVEN the extractor WHEN it reads tagged templates, tagged strings, shared fragments and optional interpolations THEN it finds and assembles each document", () => {
    const sample = [
      "const FRAGMENT = `#graphql",
      "  fragment OrderBits on Order { id name }`;",
      "export const ORDERS = `#graphql",
      "  query Orders { orders(first: 5) { nodes { ...OrderBits } } }",
      "  ${FRAGMENT}`;",
      'await admin.graphql("#graphql\\n query { shop { name } }");',
      "const notGraphql = `SELECT 1`;",
      'const untagged = doc.replace("#graphql\\n", "");',
      "function bulk(since?: string) {",
      "  const filter = since ? `(query: \"updated_at:>='${since}'\")` : '';",
      "  return `#graphql\n{ orders${filter} { edges { node { id } } } }`;",
      "}",
    ].join("\n");

    const found = extractDocuments("sample.server.ts", sample);

    expect(found.map((d) => [d.name, d.line])).toEqual([
      ["FRAGMENT", 1],
      ["ORDERS", 3],
      ["(inline)", 6],
      ["(inline)", 11],
    ]);
    expect(found.every((d) => validateFoundDocument(d).length === 0)).toBe(true);
    expect(validateFoundDocument({ ...found[2], source: "{ shop { nme } }" })).not.toHaveLength(0);
  });

  it("GIVEN app/**/*.{ts,tsx} WHEN every #graphql document is validated THEN none has errors", () => {
    const files = listSourceFiles(appDir);
    // Scanning must actually happen, even while the app has no documents yet.
    expect(files.length).toBeGreaterThan(0);
    const documents = files.flatMap((file) => extractDocuments(file));
    const failures = documents.flatMap((doc) =>
      validateFoundDocument(doc).map((error) => `${path.relative(appDir, doc.file)}:${doc.line} ${doc.name}: ${error.message}`)
    );
    expect(failures, `${documents.length} documents checked`).toEqual([]);
  });
});

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { NoUnusedFragmentsRule, parse, specifiedRules, validate, type GraphQLError } from "graphql";
import ts from "typescript";
import { loadAdminSchema } from "./schema";

/**
 * Finds the Admin GraphQL documents in the app's source: string and template literals that start with
 * `#graphql` (the tag Shopify's tooling and codegen look for). `${NAME}` inside a template is replaced
 * by NAME's value when it is declared in the same file (shared field lists and fragments); values only
 * known at run time (parameters, calls) are left out, which suits optional argument lists.
 */

export interface FoundDocument {
  file: string;
  line: number;
  name: string;
  source: string;
}

export function listSourceFiles(root: string, extensions = [".ts", ".tsx"]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (extensions.some((ext) => entry.endsWith(ext)) && !/\.test\.tsx?$/.test(entry)) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

const TAG = /^\s*#graphql\b/;

export function extractDocuments(file: string, text = readFileSync(file, "utf8")): FoundDocument[] {
  const sourceFile = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  );
  const variables = new Map<string, ts.Expression | undefined>();
  const literals: ts.Node[] = [];

  const isTagged = (node: ts.Node): boolean =>
    ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && TAG.test(node.text)) ||
    (ts.isTemplateExpression(node) && TAG.test(node.head.text));

  const visit = (node: ts.Node) => {
    // Any declaration in the file can be interpolated (shared field lists, optional argument strings).
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node)) && ts.isIdentifier(node.name) && !variables.has(node.name.text)) {
      variables.set(node.name.text, node.initializer);
    }
    if (isTagged(node)) literals.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);

  /**
   * Text of an interpolated expression: literals as written, identifiers through their declaration,
   * the first branch of a conditional; parameters and calls contribute nothing (an optional part left out).
   */
  const resolve = (node: ts.Expression | undefined, seen: Set<string>): string => {
    if (!node) return "";
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node)) {
      return node.head.text + node.templateSpans.map((span) => resolve(span.expression, seen) + span.literal.text).join("");
    }
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return resolve(node.expression, seen);
    if (ts.isConditionalExpression(node)) return resolve(node.whenTrue, seen) || resolve(node.whenFalse, seen);
    if (ts.isIdentifier(node) && !seen.has(node.text)) return resolve(variables.get(node.text), new Set([...seen, node.text]));
    return "";
  };

  return literals.flatMap((node) => {
    const source = resolve(node as ts.Expression, new Set()).replace(TAG, "");
    // A bare "#graphql" (e.g. stripping the tag with .replace) is not a document.
    if (source.trim() === "") return [];
    const parent = node.parent;
    const name = parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name.text : "(inline)";
    return [{ file, line: sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1, name, source }];
  });
}

/** Validation errors of one found document; fragment-only documents may leave their fragments unused. */
export function validateFoundDocument(found: FoundDocument): readonly GraphQLError[] {
  let document;
  try {
    document = parse(found.source);
  } catch (e) {
    return [e as GraphQLError];
  }
  const onlyFragments = document.definitions.every((d) => d.kind === "FragmentDefinition");
  const rules = onlyFragments ? specifiedRules.filter((rule) => rule !== NoUnusedFragmentsRule) : specifiedRules;
  return validate(loadAdminSchema().schema, document, rules);
}

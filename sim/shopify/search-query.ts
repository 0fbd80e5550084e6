import { localToUtc } from "../kit/time-zones";

/**
 * Shopify's search syntax for the `query:` argument of connections
 * (https://shopify.dev/docs/api/usage/search-syntax): `field:value`, comparators `:<`, `:<=`, `:>`,
 * `:>=`, implicit AND, `AND`/`OR`/`NOT`, `-` negation, parentheses, quoted values and `*` prefixes.
 * Dates without a zone are read in the shop's time zone, as Shopify does.
 * Unknown fields are ignored with a warning (Shopify returns those in `extensions.search`).
 */

export type FieldKind = "date" | "number" | "string" | "tags" | "boolean";

export interface SearchField<T> {
  kind: FieldKind;
  get(item: T): string | number | boolean | readonly string[] | null;
  /** For `tag_not`-style fields: match when the condition does not hold. */
  negate?: boolean;
}

export type SearchFields<T> = Record<string, SearchField<T>>;

export interface SearchWarning {
  field: string;
  message: string;
}

export interface ParsedSearch<T> {
  matches(item: T): boolean;
  warnings: SearchWarning[];
}

type Comparator = ":" | ":<" | ":<=" | ":>" | ":>=";

type Node =
  | { kind: "and" | "or"; children: Node[] }
  | { kind: "not"; child: Node }
  | { kind: "term"; field: string | null; comparator: Comparator; value: string };

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      tokens.push(c);
      i++;
      continue;
    }
    let token = "";
    while (i < input.length && !/\s/.test(input[i]) && input[i] !== "(" && input[i] !== ")") {
      if (input[i] === "'" || input[i] === '"') {
        const quote = input[i++];
        let quoted = "";
        while (i < input.length && input[i] !== quote) {
          if (input[i] === "\\" && i + 1 < input.length) i++;
          quoted += input[i++];
        }
        i++;
        // Mark quoted text so "AND" inside quotes stays a value.
        token += `\u0000${quoted}\u0000`;
      } else {
        token += input[i++];
      }
    }
    tokens.push(token);
  }
  return tokens;
}

function unquote(text: string): string {
  return text.replace(/\u0000/g, "");
}

function parseTerm(token: string): Node {
  const raw = token;
  const colon = raw.indexOf(":");
  if (colon <= 0 || raw.slice(0, colon).includes("\u0000")) {
    return { kind: "term", field: null, comparator: ":", value: unquote(raw) };
  }
  const field = raw.slice(0, colon).toLowerCase();
  let rest = raw.slice(colon + 1);
  let comparator: Comparator = ":";
  for (const op of [">=", "<=", ">", "<"] as const) {
    if (rest.startsWith(op)) {
      comparator = `:${op}` as Comparator;
      rest = rest.slice(op.length);
      break;
    }
  }
  return { kind: "term", field, comparator, value: unquote(rest) };
}

function parseExpression(tokens: string[]): Node {
  let pos = 0;
  const peek = () => tokens[pos];
  const parseOr = (): Node => {
    const children = [parseAnd()];
    while (peek() === "OR") {
      pos++;
      children.push(parseAnd());
    }
    return children.length === 1 ? children[0] : { kind: "or", children };
  };
  const parseAnd = (): Node => {
    const children = [parseUnary()];
    while (pos < tokens.length && peek() !== ")" && peek() !== "OR") {
      if (peek() === "AND") pos++;
      children.push(parseUnary());
    }
    return children.length === 1 ? children[0] : { kind: "and", children };
  };
  const parseUnary = (): Node => {
    const token = tokens[pos++];
    if (token === undefined) return { kind: "and", children: [] };
    if (token === "NOT") return { kind: "not", child: parseUnary() };
    if (token === "(") {
      const inner = parseOr();
      if (peek() === ")") pos++;
      return inner;
    }
    if (token.startsWith("-") && token.length > 1) return { kind: "not", child: parseTerm(token.slice(1)) };
    return parseTerm(token);
  };
  if (tokens.length === 0) return { kind: "and", children: [] };
  return parseOr();
}

/** A date bound: an instant, or a whole local day [start, end) for date-only values. */
function parseDateValue(value: string, timeZone: string): { start: number; end: number } | null {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly) {
    const [y, mo, d] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    return { start: localToUtc(timeZone, y, mo, d), end: localToUtc(timeZone, y, mo, d + 1) };
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/.exec(value);
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((x) => Number(x ?? 0));
    const t = localToUtc(timeZone, y, mo, d, h, mi, s);
    return { start: t, end: t + 1 };
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) return null;
  return { start: t, end: t + 1 };
}

function compareNumbers(actual: number, comparator: Comparator, start: number, end: number): boolean {
  switch (comparator) {
    case ":":
      return actual >= start && actual < end;
    case ":>":
      return actual >= end;
    case ":>=":
      return actual >= start;
    case ":<":
      return actual < start;
    case ":<=":
      return actual < end;
  }
}

function matchString(actual: string, value: string): boolean {
  const a = actual.toLowerCase();
  const v = value.toLowerCase();
  if (v.endsWith("*")) return a.startsWith(v.slice(0, -1));
  return a === v;
}

export function parseSearchQuery<T>(
  query: string | null | undefined,
  fields: SearchFields<T>,
  options: { timeZone: string; freeText?: (item: T) => string[] }
): ParsedSearch<T> {
  const warnings: SearchWarning[] = [];
  const root = parseExpression(tokenize(query ?? ""));

  const build = (node: Node): ((item: T) => boolean) => {
    switch (node.kind) {
      case "and": {
        const parts = node.children.map(build);
        return (item) => parts.every((p) => p(item));
      }
      case "or": {
        const parts = node.children.map(build);
        return (item) => parts.some((p) => p(item));
      }
      case "not": {
        const inner = build(node.child);
        return (item) => !inner(item);
      }
      case "term":
        return buildTerm(node);
    }
  };

  const buildTerm = (term: Extract<Node, { kind: "term" }>): ((item: T) => boolean) => {
    if (term.field === null) {
      const text = term.value.toLowerCase();
      const free = options.freeText;
      if (!free) {
        warnings.push({ field: "default", message: "Free-text search is not supported by the simulator for this resource." });
        return () => true;
      }
      return (item) => free(item).some((s) => s.toLowerCase().includes(text));
    }
    const field = fields[term.field];
    if (!field) {
      warnings.push({ field: term.field, message: "Invalid search field for this query." });
      return () => true;
    }
    const test = buildFieldTest(term.field, field, term.comparator, term.value);
    return field.negate ? (item) => !test(item) : test;
  };

  const buildFieldTest = (name: string, field: SearchField<T>, comparator: Comparator, value: string): ((item: T) => boolean) => {
    switch (field.kind) {
      case "date": {
        const bound = parseDateValue(value, options.timeZone);
        if (!bound) {
          warnings.push({ field: name, message: `Invalid date value '${value}'.` });
          return () => true;
        }
        return (item) => {
          const v = field.get(item);
          if (v === null || typeof v !== "string") return false;
          return compareNumbers(Date.parse(v), comparator, bound.start, bound.end);
        };
      }
      case "number": {
        const n = Number(value);
        if (!Number.isFinite(n)) {
          warnings.push({ field: name, message: `Invalid numeric value '${value}'.` });
          return () => true;
        }
        return (item) => {
          const v = field.get(item);
          return typeof v === "number" && compareNumbers(v, comparator, n, n === Math.floor(n) ? n + 1 : n + 1e-9);
        };
      }
      case "boolean": {
        const want = value.toLowerCase() === "true";
        return (item) => field.get(item) === want;
      }
      case "tags":
        return (item) => {
          const v = field.get(item);
          return Array.isArray(v) && v.some((tag) => matchString(tag, value));
        };
      case "string":
        return (item) => {
          const v = field.get(item);
          return typeof v === "string" && matchString(v, value);
        };
    }
  };

  const matches = build(root);
  return { matches, warnings };
}

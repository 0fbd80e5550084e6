/**
 * Reading a webhook body without losing the digits of 64-bit ids: integers beyond 2^53 come
 * back as strings with every digit; everything else exactly as JSON.parse reads it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleBody } from "../../../test/shopify-samples/payloads";
import { parseJsonKeepingIds } from "./webhook-body.server";

type Tree = null | boolean | number | string | bigint | Tree[] | { [key: string]: Tree };

/** JSON text for a tree whose bigints are written as bare integers, with optional spaces around them. */
function write(value: Tree, space: string): string {
  if (typeof value === "bigint") return `${space}${value}${space}`;
  if (Array.isArray(value)) return `[${value.map((v) => write(v, space)).join(",")}]`;
  if (value !== null && typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${write(v, space)}`).join(",")}}`;
  return JSON.stringify(value);
}

/** What reading it must give: a bigint JSON.parse would round as its digits, any other number as a number. */
function expected(value: Tree): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (Array.isArray(value)) return value.map(expected);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expected(v)]));
  return JSON.parse(JSON.stringify(value));
}

/** Text meant to fool a reader that looks for digits: quotes, escapes, separators and long digit runs. */
const trickyText = fc.oneof(
  fc.string({ unit: fc.constantFrom('"', "\\", ":", ",", "[", "]", "{", "}", "1", "9", "0", "-", "+", ".", "e", " ", "\n", "a", "é") }),
  fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }).map((n) => `ref:${n},`),
  fc.bigInt({ min: 10n ** 15n, max: 10n ** 20n }).map((n) => `\\":${n}}`),
);

const longInteger = fc.oneof(
  fc.bigInt({ min: 2n ** 53n - 3n, max: 2n ** 53n + 3n }),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.bigInt({ min: 10n ** 15n, max: 10n ** 16n }),
);

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double({ min: -1e15, max: 1e15, noNaN: true }),
    fc.integer(),
    trickyText,
    longInteger,
    fc.array(tie("tree"), { maxLength: 5 }),
    fc.dictionary(trickyText, tie("tree"), { maxKeys: 5 }),
  ),
})).tree;

describe("parseJsonKeepingIds", () => {
  it("GIVEN Shopify's documented orders/create sample WHEN read THEN every 64-bit id keeps all its digits and small numbers stay numbers", () => {
    const body = sampleBody("orders/create", "a.myshopify.com");

    const order = parseJsonKeepingIds(body) as { id: unknown; customer: { id: unknown }; line_items: { id: unknown; quantity: unknown }[] };

    expect(order.id).toBe(body.match(/"id":\s*(\d+)/)![1]);
    expect(String(order.id)).toHaveLength(18);
    expect(typeof order.customer.id).toBe("string");
    expect(order.line_items.every((l) => typeof l.id === "string" && typeof l.quantity === "number")).toBe(true);
  });

  it("GIVEN integers at the edge of 2^53, in fractions, exponents and strings WHEN read THEN only whole integers JSON.parse would round become strings", () => {
    const text = `{"a":9007199254740991,"b":9007199254740992,"c":-9007199254740993,"d":12345678901234567.5,"e":1.5e+12345678901234567,"f":0.12345678901234567,"g":"id:12345678901234567,","h":[ 12345678901234567 ]}`;

    expect(parseJsonKeepingIds(text)).toEqual({
      a: 9007199254740991,
      b: "9007199254740992",
      c: "-9007199254740993",
      d: 12345678901234567.5,
      e: Infinity,
      f: 0.12345678901234567,
      g: "id:12345678901234567,",
      h: ["12345678901234567"],
    });
  });

  it("GIVEN any JSON document with long integers anywhere WHEN read THEN it equals the document with each integer JSON.parse would round as its digits", () => {
    fc.assert(
      fc.property(tree, fc.constantFrom("", " ", "\n"), (value, space) => {
        expect(parseJsonKeepingIds(write(value, space))).toEqual(expected(value));
      }),
      { numRuns: 500 },
    );
  });

  it("GIVEN a body that is not JSON WHEN read THEN it throws, as JSON.parse does", () => {
    expect(() => parseJsonKeepingIds(`{"id": 12345678901234567890`)).toThrow(SyntaxError);
    expect(() => parseJsonKeepingIds(`"unterminated 12345678901234567890`)).toThrow(SyntaxError);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyTable } from "./key-table";

const utf8 = new TextEncoder();

/** Keys as a Map numbers them: in order of first sight. */
function byHand(keys: readonly string[]): number[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    let i = seen.get(k);
    if (i === undefined) seen.set(k, (i = seen.size));
    return i;
  });
}

/** Well-formed text: what survives UTF-8 (a lone surrogate has no UTF-8 of its own). */
const wellFormed = (s: string) => new TextDecoder().decode(utf8.encode(s)) === s;
const key = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }).filter(wellFormed),
  fc.constantFrom("", "gid://shopify/Customer/1", "email:a@b.c"),
);

describe("KeyTable", () => {
  it("PROPERTY: GIVEN keys arriving as UTF-8 bytes inside larger buffers or as strings WHEN looked up THEN each gets the index a Map gives in order of first sight, spells back the same, gives back its bytes, and is found again from its bytes or its string", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.boolean(), fc.nat(5)), { maxLength: 200 }), (arrivals) => {
        const table = new KeyTable();
        const got = arrivals.map(([k, asBytes, pad]) => {
          if (!asBytes) return table.fromString(k);
          const bytes = utf8.encode(k);
          const buf = new Uint8Array(bytes.length + 2 * pad).fill(0x1f);
          buf.set(bytes, pad);
          return table.fromBytes(buf, pad, pad + bytes.length);
        });
        const keys = arrivals.map(([k]) => k);
        expect(got).toEqual(byHand(keys));
        expect(table.size).toBe(new Set(keys).size);
        for (let i = 0; i < keys.length; i++) {
          expect(table.key(got[i])).toBe(keys[i]);
          expect(table.indexOf(keys[i])).toBe(got[i]);
          const bytes = utf8.encode(`\x1e${keys[i]}\x1f`);
          expect(table.indexOfBytes(bytes, 1, bytes.length - 1)).toBe(got[i]);
          // Its bytes as the table holds them, looked up in another table that has the key.
          const other = new KeyTable();
          other.fromString(keys[i]);
          expect(other.indexOfBytes(table.keyBytes(got[i]), 0, table.keyBytes(got[i]).length)).toBe(0);
          expect([...table.keyBytes(got[i])]).toEqual([...utf8.encode(keys[i])]);
        }
        // A key never added is not found, and looking does not add it.
        const unknown = utf8.encode(`${keys.join("")}\x00`);
        expect(table.indexOfBytes(unknown, 0, unknown.length)).toBe(-1);
        expect(table.size).toBe(new Set(keys).size);
      }),
    );
  });

  it("GIVEN 300,000 keys that differ only in their last digits (the table grows and rehashes many times) WHEN each is looked up again THEN it finds its own index, and an unknown key finds none", () => {
    const table = new KeyTable();
    const N = 300_000;
    let misplaced = 0;
    for (let i = 0; i < N; i++) if (table.fromString(`gid://shopify/Customer/${i}`) !== i) misplaced++;
    expect(misplaced).toBe(0);
    const bytes = utf8.encode(`gid://shopify/Customer/${N - 1}`);

    expect(table.fromBytes(bytes, 0, bytes.length)).toBe(N - 1);
    for (let i = 0; i < N; i += 997) expect(table.indexOf(`gid://shopify/Customer/${i}`)).toBe(i);
    expect(table.indexOf(`gid://shopify/Customer/${N}`)).toBe(-1);
    expect(table.indexOf("")).toBe(-1);
    const unknown = utf8.encode(`gid://shopify/Customer/${N + 1}`);
    expect(table.indexOfBytes(unknown, 0, unknown.length)).toBe(-1);
    expect(table.size).toBe(N);
    expect(table.key(12345)).toBe("gid://shopify/Customer/12345");
    expect(() => table.key(N)).toThrow(RangeError);
    expect(() => table.keyBytes(N)).toThrow(RangeError);
  });
});

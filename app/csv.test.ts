import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField, csvLine, csvTable, looksLikeFormula, numeric } from "./csv";

/** RFC 4180 records, as a spreadsheet's importer reads them. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}

/** What a spreadsheet does before deciding a cell is a formula: skip blanks and control characters. */
const TRIGGER_AFTER_BLANKS = /^[\s\p{Cc}\p{Cf}]*[=+\-@]/u;
const TRIGGER_FIRST = /^[\t\r\0]/;

/** Text that hunts for the guard's gaps: blanks, controls, invisible characters, triggers, quotes, separators. */
const hostileText = fc
  .array(
    fc.oneof(
      fc.constantFrom(" ", "\t", "\r", "\n", "\0", "\u00a0", "\u200b", "\ufeff", "\u0085", "\u3000", "\u0001", "\u001f"),
      fc.constantFrom("=", "+", "-", "@", "'", '"', ",", "1", "2.5", "A", "cmd|' /C calc'!A0", "HYPERLINK(", "é"),
      fc.string({ maxLength: 4, unit: "binary" }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));

describe("CSV writer", () => {
  it("GIVEN any text WHEN written and read back THEN it round-trips, with an apostrophe exactly when a spreadsheet would see a formula", () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 6 }), (fields) => {
        const [parsed] = parseCsv(csvLine(fields));
        expect(parsed).toHaveLength(fields.length);
        parsed.forEach((cell, i) => {
          const guarded = TRIGGER_AFTER_BLANKS.test(fields[i]) || TRIGGER_FIRST.test(fields[i]);
          expect(cell).toBe(guarded ? `'${fields[i]}` : fields[i]);
          // What the spreadsheet sees never starts a formula.
          expect(TRIGGER_AFTER_BLANKS.test(cell) || TRIGGER_FIRST.test(cell)).toBe(false);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it("GIVEN the payloads the old guard missed WHEN written THEN each is neutralised", () => {
    for (const payload of [" =1+1", "  @SUM(A1)", "\u0000=cmd", "\n-2+3", "\u00a0+HYPERLINK(\"http://x\")", "\u200b=1", "\ufeff=1"]) {
      expect(looksLikeFormula(payload)).toBe(true);
      expect(parseCsv(csvLine([payload]))[0][0]).toBe(`'${payload}`);
    }
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField("\r1")).toBe("\"'\r1\"");
  });

  it("GIVEN numbers WHEN written THEN they stay numbers (negative ones included); look-alike text stays guarded", () => {
    expect(csvLine([-12.5, numeric("-12.50"), 0, 3n, "-12.50"])).toBe("-12.5,-12.50,0,3,'-12.50\r\n");
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 4 }), (minor, digits) => {
        const text = (minor / 10 ** digits).toFixed(digits);
        expect(csvField(numeric(text))).toBe(text);
      }),
    );
    // Only a plain decimal passes as a number; anything else is text, guarded.
    expect(csvField(numeric("-1+1"))).toBe("'-1+1");
    expect(csvField(numeric("=1"))).toBe("'=1");
    expect(csvField(numeric((-1e21).toFixed(2)))).toBe("'-1e+21");
  });

  it("GIVEN quotes, separators and line breaks WHEN written THEN fields are quoted per RFC 4180", () => {
    expect(csvLine(['say "hi"', "a,b", "line\nbreak", "plain", null, undefined, true, Number.NaN])).toBe(
      '"say ""hi""","a,b","line\nbreak",plain,,,true,\r\n',
    );
    expect(csvTable([["h1", "h2"], ["a", 1]], { eol: "\n" })).toBe("h1,h2\na,1\n");
  });
});

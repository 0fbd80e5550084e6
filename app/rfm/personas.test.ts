import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cellIndex,
  compilePersonaMap,
  DEFAULT_PERSONA_RULES,
  OTHERS_PERSONA,
  PERSONAS,
  personaMapMarkdown,
  slugify,
  validatePersonaMap,
} from "./personas";
import type { PersonaRule } from "./settings";

const SLUGS = [
  "champions", "loyal", "potential-loyalist", "new-customers", "promising", "need-attention",
  "about-to-sleep", "at-risk", "cant-lose-them", "hibernating", "lost",
];

describe("GIVEN the built-in personas", () => {
  it("WHEN listed THEN there are 11 with the stable slugs, a colour, a description and uses each", () => {
    expect(PERSONAS.map((p) => p.slug)).toEqual(SLUGS);
    for (const p of PERSONAS) {
      expect(p.color).toMatch(/^#[0-9A-F]{6}$/i);
      expect(p.description.length).toBeGreaterThan(10);
      expect(p.uses.length).toBeGreaterThan(0);
      expect(slugify(p.name)).toBe(p.slug);
    }
    expect(new Set(PERSONAS.map((p) => p.color)).size).toBe(11);
  });
});

/**
 * The default map, every one of its 125 cells: R (rows, 5 first) × F (columns); each
 * entry lists the persona for M = 1…5 when M matters, or one persona for all five.
 */
const P = {
  CH: "champions", LO: "loyal", PL: "potential-loyalist", NC: "new-customers", PR: "promising",
  NA: "need-attention", AS: "about-to-sleep", AR: "at-risk", CL: "cant-lose-them", HI: "hibernating", LS: "lost",
} as const;
type Code = keyof typeof P;
const TOP_SPEND_CHAMPIONS: Code[] = ["LO", "LO", "LO", "CH", "CH"];
const TOP_SPEND_CANT_LOSE: Code[] = ["AR", "AR", "AR", "CL", "CL"];
const DEFAULT_MAP_TABLE: Record<number, (Code | Code[])[]> = {
  //   F = 1   F = 2   F = 3   F = 4                 F = 5
  5: ["NC",   "PL",   "PL",   TOP_SPEND_CHAMPIONS,  TOP_SPEND_CHAMPIONS],
  4: ["PR",   "PL",   "PL",   TOP_SPEND_CHAMPIONS,  TOP_SPEND_CHAMPIONS],
  3: ["AS",   "NA",   "NA",   "LO",                 "LO"],
  2: ["HI",   "HI",   "AR",   TOP_SPEND_CANT_LOSE,  TOP_SPEND_CANT_LOSE],
  1: ["LS",   "LS",   "AR",   TOP_SPEND_CANT_LOSE,  TOP_SPEND_CANT_LOSE],
};

describe("GIVEN the default persona map", () => {
  const defaultMap = () => compilePersonaMap(DEFAULT_PERSONA_RULES);

  it("WHEN every one of the 125 (R, F, M) cells is looked up THEN it holds the persona the table shows", () => {
    const map = defaultMap();
    const seen: string[] = [];
    const expected: string[] = [];
    for (let r = 5; r >= 1; r--)
      for (let f = 1; f <= 5; f++)
        for (let m = 1; m <= 5; m++) {
          const entry = DEFAULT_MAP_TABLE[r][f - 1];
          const code = Array.isArray(entry) ? entry[m - 1] : entry;
          expected.push(`R${r} F${f} M${m} ${P[code]}`);
          seen.push(`R${r} F${f} M${m} ${map.personas[map.cells[cellIndex(r, f, m)]].slug}`);
        }
    expect(seen).toHaveLength(125);
    expect(seen).toEqual(expected);
  });

  it("WHEN compiled THEN the 11 personas carry the names merchants see, best customers first", () => {
    expect(defaultMap().personas.map((p) => p.name)).toEqual([
      "Champions", "Loyal", "Potential Loyalist", "New Customers", "Promising", "Need Attention",
      "About To Sleep", "Can't Lose Them", "At Risk", "Hibernating", "Lost",
    ]);
  });

  it("WHEN checked THEN all 125 cells are covered, no rule is unreachable, and only the intended overlaps exist", () => {
    const check = validatePersonaMap(DEFAULT_PERSONA_RULES);
    expect(check.complete).toBe(true);
    expect(check.gaps).toEqual([]);
    expect(check.unreachable).toEqual([]);
    expect(check.overlaps.map((o) => `${o.earlierName} before ${o.name}`)).toEqual(["Champions before Loyal", "Can't Lose Them before At Risk"]);
  });

  it("WHEN compiled THEN it holds exactly the 11 personas, no Others, and each is reachable", () => {
    const map = defaultMap();
    expect(map.personas.map((p) => p.slug)).toEqual(SLUGS.slice(0, 7).concat(["cant-lose-them", "at-risk", "hibernating", "lost"]));
    const used = new Set(map.cells);
    expect(used.size).toBe(11);
    expect(map.personas[map.lostIndex].slug).toBe("lost");
  });

  it("WHEN a handful of cells are looked up THEN they read like the table", () => {
    const map = defaultMap();
    const at = (r: number, f: number, m: number) => map.personas[map.cells[cellIndex(r, f, m)]].slug;
    expect(at(5, 5, 5)).toBe("champions");
    expect(at(5, 5, 1)).toBe("loyal");
    expect(at(5, 1, 5)).toBe("new-customers");
    expect(at(4, 1, 1)).toBe("promising");
    expect(at(4, 2, 3)).toBe("potential-loyalist");
    expect(at(3, 3, 3)).toBe("need-attention");
    expect(at(3, 1, 2)).toBe("about-to-sleep");
    expect(at(2, 5, 5)).toBe("cant-lose-them");
    expect(at(1, 4, 2)).toBe("at-risk");
    expect(at(2, 1, 1)).toBe("hibernating");
    expect(at(1, 1, 1)).toBe("lost");
  });

  it("PROPERTY: every (R, F, M) gets exactly one built-in persona", () => {
    const map = defaultMap();
    const score = fc.integer({ min: 1, max: 5 });
    fc.assert(
      fc.property(score, score, score, (r, f, m) => {
        const matching = DEFAULT_PERSONA_RULES.filter((rule) => r >= rule.r[0] && r <= rule.r[1] && f >= rule.f[0] && f <= rule.f[1] && m >= rule.m[0] && m <= rule.m[1]);
        expect(matching.length).toBeGreaterThan(0);
        expect(SLUGS).toContain(map.personas[map.cells[cellIndex(r, f, m)]].slug);
      }),
    );
  });

  it("WHEN rendered as markdown THEN the settings preview shows every rule with its cells and the whole R × F grid", () => {
    expect(personaMapMarkdown().split("\n")).toEqual([
      "| # | Persona | R | F | M | Cells |",
      "|---|---|---|---|---|---|",
      "| 1 | Champions | 4–5 | 4–5 | 4–5 | 8 |",
      "| 2 | Loyal | 3–5 | 4–5 | 1–5 | 22 |",
      "| 3 | Potential Loyalist | 4–5 | 2–3 | 1–5 | 20 |",
      "| 4 | New Customers | 5 | 1 | 1–5 | 5 |",
      "| 5 | Promising | 4 | 1 | 1–5 | 5 |",
      "| 6 | Need Attention | 3 | 2–3 | 1–5 | 10 |",
      "| 7 | About To Sleep | 3 | 1 | 1–5 | 5 |",
      "| 8 | Can't Lose Them | 1–2 | 4–5 | 4–5 | 8 |",
      "| 9 | At Risk | 1–2 | 3–5 | 1–5 | 22 |",
      "| 10 | Hibernating | 2 | 1–2 | 1–5 | 10 |",
      "| 11 | Lost | 1 | 1–2 | 1–5 | 10 |",
      "",
      "First matching rule wins. Grid of R (rows) × F (columns); M splits shown where M matters:",
      "",
      "| R \\ F | 1 | 2 | 3 | 4 | 5 |",
      "|---|---|---|---|---|---|",
      "| **5** | New Customers | Potential Loyalist | Potential Loyalist | Champions (M 4–5) · Loyal (M 1–3) | Champions (M 4–5) · Loyal (M 1–3) |",
      "| **4** | Promising | Potential Loyalist | Potential Loyalist | Champions (M 4–5) · Loyal (M 1–3) | Champions (M 4–5) · Loyal (M 1–3) |",
      "| **3** | About To Sleep | Need Attention | Need Attention | Loyal | Loyal |",
      "| **2** | Hibernating | Hibernating | At Risk | Can't Lose Them (M 4–5) · At Risk (M 1–3) | Can't Lose Them (M 4–5) · At Risk (M 1–3) |",
      "| **1** | Lost | Lost | At Risk | Can't Lose Them (M 4–5) · At Risk (M 1–3) | Can't Lose Them (M 4–5) · At Risk (M 1–3) |",
    ]);
  });

  it("WHEN rendered as markdown THEN the README gets the rule table and the R × F grid", () => {
    const md = personaMapMarkdown();
    expect(md).toContain("| 1 | Champions | 4–5 | 4–5 | 4–5 | 8 |");
    expect(md).toContain("| **5** | New Customers | Potential Loyalist | Potential Loyalist | Champions (M 4–5) · Loyal (M 1–3) |");
    expect(md).not.toContain("Others");
  });
});

describe("GIVEN a custom persona map", () => {
  const rules: PersonaRule[] = [
    { name: "VIP", color: "#123456", r: [4, 5], f: [4, 5], m: [1, 5] },
    { name: "Fans", r: [5, 5], f: [5, 5], m: [5, 5] }, // fully inside VIP: never applies
    { name: "Sleepers", r: [1, 2], f: [1, 5], m: [1, 5] },
    { name: "Lapsed VIP", slug: "sleepers", r: [3, 3], f: [4, 5], m: [4, 5] }, // same persona, second range
  ];

  it("WHEN validated THEN gaps, unreachable rules and overlaps are reported", () => {
    const check = validatePersonaMap(rules);
    expect(check.complete).toBe(false);
    // 125 − VIP 20 − Sleepers 50 − Lapsed VIP 4 = 51 cells unmatched.
    expect(check.gaps).toHaveLength(51);
    expect(check.gaps[0]).toEqual({ r: 3, f: 1, m: 1 });
    expect(check.unreachable).toEqual([{ rule: 1, name: "Fans" }]);
    expect(check.overlaps).toEqual([{ rule: 1, name: "Fans", earlierRule: 0, earlierName: "VIP", cells: 1 }]);
  });

  it("WHEN compiled THEN unmatched cells become Others, shared slugs are one persona, and Lost is added for pre-window customers", () => {
    const map = compilePersonaMap(rules);
    expect(map.personas.map((p) => p.slug)).toEqual(["vip", "fans", "sleepers", OTHERS_PERSONA.slug, "lost"]);
    expect(map.personas[0].color).toBe("#123456");
    expect(map.personas[map.cells[cellIndex(3, 5, 5)]].slug).toBe("sleepers");
    expect(map.personas[map.cells[cellIndex(3, 1, 1)]].slug).toBe("others");
    expect(map.personas[map.lostIndex].name).toBe("Lost");
  });

  it("WHEN a custom rule reuses a built-in slug THEN it keeps the built-in colour, description and uses unless it sets them", () => {
    const map = compilePersonaMap([{ name: "Meilleurs clients", slug: "champions", r: [1, 5], f: [1, 5], m: [1, 5] }]);
    const builtIn = PERSONAS.find((p) => p.slug === "champions")!;
    expect(map.personas[0]).toEqual({ ...builtIn, name: "Meilleurs clients" });
    const described = compilePersonaMap([{ name: "Best", slug: "champions", description: "Our best", r: [1, 5], f: [1, 5], m: [1, 5] }]);
    expect(described.personas[0].description).toBe("Our best");
  });

  it("WHEN new personas set no colour or description THEN each gets the next palette colour, an empty description and no uses", () => {
    const map = compilePersonaMap([
      { name: "Alpha", r: [1, 5], f: [1, 5], m: [1, 1] },
      { name: "Beta", r: [1, 5], f: [1, 5], m: [2, 2] },
      { name: "Gamma", r: [1, 5], f: [1, 5], m: [3, 5] },
    ]);
    expect(map.personas.slice(0, 3)).toEqual([
      { slug: "alpha", name: "Alpha", color: "#6C5CE7", description: "", uses: [] },
      { slug: "beta", name: "Beta", color: "#00866B", description: "", uses: [] },
      { slug: "gamma", name: "Gamma", color: "#0984E3", description: "", uses: [] },
    ]);
    const many = compilePersonaMap(Array.from({ length: 10 }, (_, i) => ({ name: `P${i}`, r: [1, 5] as [number, number], f: [1, 5] as [number, number], m: [1, 5] as [number, number] })));
    expect(many.personas[8].color).toBe("#6C5CE7"); // the palette of 8 starts over
  });

  it("WHEN shown as markdown THEN the Others row says how many cells are unmatched", () => {
    expect(personaMapMarkdown(rules)).toContain("| – | Others (unmatched) | | | | 51 |");
  });
});

describe("GIVEN persona names", () => {
  it("WHEN slugified THEN apostrophes vanish, accents fold and separators collapse", () => {
    expect(slugify("Can't Lose Them")).toBe("cant-lose-them");
    expect(slugify("  Fidèles  clients!! ")).toBe("fideles-clients");
    expect(slugify("★★★")).toBe("");
  });
});

describe("GIVEN the persona cards a merchant reads (description and what to do with them)", () => {
  // The copy itself is ours to reword; what a merchant relies on is that no card shows a
  // blank line, a blank or repeated suggestion, or two personas sharing one explanation.
  it("WHEN any built-in persona or Others is shown THEN it has a description and every suggested use is a distinct, non-blank line", () => {
    for (const p of [...PERSONAS, OTHERS_PERSONA]) {
      expect(p.description.trim().length, p.slug).toBeGreaterThan(10);
      expect(p.uses.length, p.slug).toBeGreaterThan(0);
      for (const use of p.uses) expect(use.trim().length, `${p.slug}: "${use}"`).toBeGreaterThan(5);
      expect(new Set(p.uses).size, p.slug).toBe(p.uses.length);
    }
    const all = [...PERSONAS, OTHERS_PERSONA];
    expect(new Set(all.map((p) => p.description)).size).toBe(all.length);
    expect(OTHERS_PERSONA.color).toMatch(/^#[0-9A-F]{6}$/i);
    expect(PERSONAS.map((p) => p.color)).not.toContain(OTHERS_PERSONA.color);
  });

  it("WHEN a custom map defines eight new personas without colours THEN each gets its own valid colour for the charts", () => {
    const map = compilePersonaMap(
      Array.from({ length: 8 }, (_, i) => ({ name: `Group ${i + 1}`, r: [1, 5] as [number, number], f: [1, 5] as [number, number], m: [1, 5] as [number, number] })),
    );
    const colours = map.personas.slice(0, 8).map((p) => p.color);
    for (const c of colours) expect(c).toMatch(/^#[0-9A-F]{6}$/i);
    expect(new Set(colours).size).toBe(8);
  });
});

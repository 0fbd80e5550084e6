import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cellIndex, compilePersonaMap, DEFAULT_PERSONA_RULES, validatePersonaMap } from "./personas";
import { cellCounts, gridFromRules, gridProblems, NO_PERSONA_CELL, personaMapProblems, rulesFromGrid, type PersonaGrid } from "./persona-map";
import type { PersonaRule } from "./settings";

const slugsByCell = (rules: readonly PersonaRule[]) => {
  const map = compilePersonaMap(rules);
  return [...map.cells].map((i) => map.personas[i].slug);
};

describe("persona map as a grid", () => {
  it("GIVEN the default map WHEN drawn as a grid and turned back into rules THEN every cell keeps its persona and the map may be saved", () => {
    const grid = gridFromRules(DEFAULT_PERSONA_RULES);
    const rules = rulesFromGrid(grid);

    expect(grid.personas.map((p) => p.slug)).toEqual(DEFAULT_PERSONA_RULES.map((r) => r.slug));
    expect(grid.cells).not.toContain(NO_PERSONA_CELL);
    expect(slugsByCell(rules)).toEqual(slugsByCell(DEFAULT_PERSONA_RULES));
    expect(personaMapProblems(rules)).toEqual([]);
    expect(gridProblems(grid)).toEqual([]);
  });

  it("GIVEN one cell of the default map repainted WHEN turned into rules THEN only that cell changes persona", () => {
    const grid = gridFromRules(DEFAULT_PERSONA_RULES);
    const champions = grid.personas.findIndex((p) => p.slug === "champions");
    grid.cells[cellIndex(3, 5, 5)] = champions;

    const after = slugsByCell(rulesFromGrid(grid));
    const before = slugsByCell(DEFAULT_PERSONA_RULES);

    const changed = after.flatMap((slug, i) => (slug === before[i] ? [] : [[i, before[i], slug]]));
    expect(changed).toEqual([[cellIndex(3, 5, 5), "loyal", "champions"]]);
  });

  it("GIVEN any painting of the 125 cells WHEN turned into rules THEN the rules give every cell its painted persona, never overlap, and pass the save check", () => {
    const paintings = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 125, maxLength: 125 })),
    );
    fc.assert(
      fc.property(paintings, ([n, cells]) => {
        const used = [...new Set(cells)];
        const grid: PersonaGrid = { personas: Array.from({ length: n }, (_, i) => ({ name: `P${i}`, slug: `p${i}` })), cells };
        // Only painted personas can be saved; an unpainted one is a problem of its own.
        const problems = gridProblems(grid);
        expect(problems.map((p) => p.persona).sort()).toEqual([...Array(n).keys()].filter((i) => !used.includes(i)));

        const rules = rulesFromGrid(grid);
        expect(slugsByCell(rules)).toEqual(cells.map((i) => `p${i}`));
        expect(validatePersonaMap(rules).overlaps).toEqual([]);
        expect(personaMapProblems(rules)).toEqual([]);
        expect(rules.length).toBeLessThanOrEqual(125);
      }),
      { numRuns: 200 },
    );
  });

  it("GIVEN a rule list with several ranges for one persona WHEN drawn as a grid THEN the persona appears once", () => {
    const grid = gridFromRules([
      { name: "A", slug: "a", r: [1, 2], f: [1, 5], m: [1, 5] },
      { name: "B", slug: "b", r: [3, 5], f: [1, 2], m: [1, 5] },
      { name: "A", slug: "a", r: [3, 5], f: [3, 5], m: [1, 5] },
    ]);
    expect(grid.personas.map((p) => p.slug)).toEqual(["a", "b"]);
    expect(grid.cells[cellIndex(5, 5, 5)]).toBe(0);
  });

  it("GIVEN customers counted by score WHEN laid on the grid THEN each count lands in its cell and bad scores are ignored", () => {
    const counts = cellCounts([
      { r: 5, f: 1, m: 2, customers: 7 },
      { r: 1, f: 1, m: 1, customers: 3 },
      { r: 0, f: 1, m: 1, customers: 9 },
    ]);
    expect(counts[cellIndex(5, 1, 2)]).toBe(7);
    expect(counts[cellIndex(1, 1, 1)]).toBe(3);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
  });
});

describe("a persona map that may not be saved", () => {
  const full = (extra: Partial<PersonaRule> = {}): PersonaRule => ({ name: "Everyone", slug: "everyone", r: [1, 5], f: [1, 5], m: [1, 5], ...extra });

  it("GIVEN cells no rule covers WHEN checked THEN the map is refused, naming how many cells and which", () => {
    const problems = personaMapProblems([{ name: "Recent", slug: "recent", r: [4, 5], f: [1, 5], m: [1, 5] }]);
    expect(problems).toEqual([{ path: "personas.rules", message: expect.stringMatching(/^75 of the 125 cells have no persona \(R1 F1 M1–5, .* and \d+ more\)/) }]);
  });

  it("GIVEN Champions after a rule taking all its cells WHEN checked THEN Champions is named as never applying", () => {
    const problems = personaMapProblems([full(), { name: "Champions", slug: "champions", r: [4, 5], f: [4, 5], m: [4, 5] }]);
    expect(problems).toEqual([{ path: "personas.rules.1", message: "“Champions” would never apply: personas listed before it already take all of its cells." }]);
  });

  it("GIVEN a missing, empty, malformed or borrowed slug WHEN checked THEN that rule's slug is named", () => {
    const rules: PersonaRule[] = [
      full({ r: [1, 1] }),
      { ...full({ name: "No slug", r: [2, 2] }), slug: undefined },
      full({ name: "Empty", slug: "", r: [3, 3] }),
      full({ name: "Shouting", slug: "BIG Spenders", r: [4, 4] }),
      full({ name: "Copy", slug: "everyone", r: [5, 5] }),
    ];
    const bySlug = Object.fromEntries(personaMapProblems(rules).map((p) => [p.path, p.message]));
    expect(bySlug).toEqual({
      "personas.rules.1.slug": expect.stringMatching(/^Give this persona a slug/),
      "personas.rules.2.slug": expect.stringMatching(/^Give this persona a slug/),
      "personas.rules.3.slug": expect.stringMatching(/lower-case letters, digits and single hyphens/),
      "personas.rules.4.slug": "“everyone” is already the slug of “Everyone”: each persona needs its own slug.",
    });
  });

  it("GIVEN one persona drawn with two ranges WHEN checked THEN sharing its slug is allowed, but two personas of one name are not", () => {
    expect(personaMapProblems([full({ r: [1, 2] }), full({ r: [3, 5] })])).toEqual([]);
    expect(personaMapProblems([full({ r: [1, 2] }), full({ slug: "everyone-else", r: [3, 5] })])).toEqual([
      { path: "personas.rules.1.name", message: "Another persona is already called “Everyone”." },
    ]);
  });

  it("GIVEN a grid with an unpainted cell, an empty persona and a duplicate slug WHEN checked THEN each is named on its persona", () => {
    const cells = new Array<number>(125).fill(0);
    cells[0] = NO_PERSONA_CELL;
    cells[1] = 2;
    const problems = gridProblems({
      personas: [
        { name: "A", slug: "a" },
        { name: "B", slug: "b" },
        { name: "C", slug: "a" },
      ],
      cells,
    });
    expect(problems).toEqual([
      { field: "map", message: "1 of the 125 cells have no persona (R1 F1 M1). Give each of them a persona." },
      { persona: 1, field: "cells", message: "“B” holds no cell, so it would never apply: give it cells on the map or remove it." },
      { persona: 2, field: "slug", message: "“a” is already the slug of “A”: each persona needs its own slug." },
    ]);
  });
});

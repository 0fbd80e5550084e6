/**
 * The persona map as a map: for each spend score (M1–M5) a grid of recency (rows) by frequency
 * (columns), 125 cells in all, each showing its persona and how many customers are in it now.
 * The merchant picks a persona and clicks cells to give them to it. Personas are named and
 * coloured in the list below; slugs (what tags and segments are named after) sit in "Advanced".
 * The checks are the server's own (app/rfm/persona-map.ts): a cell without a persona or a persona
 * without a cell keeps the map from being saved.
 */
import { Banner, BlockStack, Box, Button, Card, Checkbox, Collapsible, InlineGrid, InlineStack, Text, TextField } from "@shopify/polaris";
import { useMemo, useState } from "react";
import { cellIndex, DEFAULT_PERSONA_RULES, slugify } from "~/rfm";
import { Swatch } from "../PersonaLabel";
import { formatNumber } from "../format";
import { mapFormFromRules, newPersona, type MapForm, type PersonaForm } from "./form-model";
import type { FieldError } from "./sections";

const SCORES = [1, 2, 3, 4, 5] as const;
const safeColor = (c: string) => (/^#[0-9a-f]{6}$/i.test(c) ? c : "#BDBDBD");

export function PersonaMapEditor({
  map,
  onChange,
  error,
  cellCustomers,
  locale,
}: {
  map: MapForm;
  onChange: (map: MapForm) => void;
  error: FieldError;
  /** Customers per cell now, in cellIndex order. */
  cellCustomers: readonly number[];
  locale: string;
}) {
  const [m, setM] = useState<number>(5);
  const [brush, setBrush] = useState<string | null>(map.personas[0]?.id ?? null);
  const [allM, setAllM] = useState(false);
  const [advanced, setAdvanced] = useState(false);
  const byId = useMemo(() => new Map(map.personas.map((p) => [p.id, p])), [map.personas]);
  const stats = useMemo(() => {
    const out = new Map<string, { cells: number; customers: number }>();
    map.cells.forEach((id, i) => {
      if (id === null) return;
      const s = out.get(id) ?? { cells: 0, customers: 0 };
      s.cells += 1;
      s.customers += cellCustomers[i] ?? 0;
      out.set(id, s);
    });
    return out;
  }, [map.cells, cellCustomers]);
  const brushPersona = brush ? byId.get(brush) : undefined;
  const slugErrors = map.personas.some((p) => error(`personas.${p.id}.slug`) || error(`personas.${p.id}.description`));

  const paint = (r: number, f: number) => {
    if (!brushPersona) return;
    const targets = new Set((allM ? SCORES : [m]).map((mm) => cellIndex(r, f, mm)));
    onChange({ ...map, cells: map.cells.map((id, i) => (targets.has(i) ? brushPersona.id : id)) });
  };
  const update = (id: string, patch: Partial<PersonaForm>) =>
    onChange({
      ...map,
      personas: map.personas.map((p) => {
        if (p.id !== id) return p;
        const next = { ...p, ...patch };
        // A new persona's slug follows its name until the merchant types a slug of their own.
        if (patch.name !== undefined && p.slugFollowsName) next.slug = slugify(patch.name);
        if (patch.slug !== undefined) next.slugFollowsName = false;
        return next;
      }),
    });
  const remove = (id: string) => {
    onChange({ ...map, personas: map.personas.filter((p) => p.id !== id), cells: map.cells.map((c) => (c === id ? null : c)) });
    if (brush === id) setBrush(null);
  };
  const add = () => {
    const persona = newPersona(map);
    onChange({ ...map, personas: [...map.personas, persona] });
    setBrush(persona.id);
  };
  const reset = () => {
    const fresh = mapFormFromRules(DEFAULT_PERSONA_RULES);
    onChange(fresh);
    setBrush(fresh.personas[0].id);
  };

  const mapError = error("personas.map");
  const empty = map.cells.filter((c) => c === null).length;
  return (
    <BlockStack gap="400">
      {mapError ? (
        <div tabIndex={-1} data-field-error="personas.map">
          <Banner tone="critical" title="This map can't be saved yet">
            <Text as="p">{mapError}</Text>
          </Banner>
        </div>
      ) : empty === 0 ? (
        <Banner tone="success" title="Every one of the 125 cells has a persona" />
      ) : null}
      <Card>
        <BlockStack gap="300">
          <Text as="h3" variant="headingSm">
            Give cells to a persona
          </Text>
          <Text as="p" tone="subdued">
            Pick a persona, then click the cells it should hold. Rows are recency (R5: bought most recently), columns frequency
            (F5: most orders); each spend score M1–M5 has its own grid.
          </Text>
          <div role="group" aria-label="Persona to give cells to" style={{ display: "flex", flexWrap: "wrap", gap: 6 }}>
            {map.personas.map((p) => (
              <button
                key={p.id}
                type="button"
                aria-pressed={brush === p.id}
                onClick={() => setBrush(p.id)}
                style={{
                  display: "inline-flex",
                  alignItems: "center",
                  gap: 6,
                  padding: "4px 10px",
                  borderRadius: 8,
                  cursor: "pointer",
                  font: "inherit",
                  border: brush === p.id ? "2px solid #303030" : "1px solid #c9c9c9",
                  background: brush === p.id ? "#f1f1f1" : "#fff",
                }}
              >
                <Swatch color={safeColor(p.color)} size={12} />
                {p.name || "Unnamed persona"}
              </button>
            ))}
          </div>
          <InlineStack gap="300" blockAlign="center">
            <div role="group" aria-label="Spend score" style={{ display: "flex", gap: 4 }}>
              {SCORES.map((s) => (
                <Button key={s} size="slim" pressed={m === s} onClick={() => setM(s)} accessibilityLabel={`Spend score M${s}`}>
                  {`M${s}`}
                </Button>
              ))}
            </div>
            <Checkbox label="Change all five spend scores at once" checked={allM} onChange={setAllM} />
          </InlineStack>
          <div style={{ overflowX: "auto" }} data-persona-grid>
            <table aria-label={`Personas by recency and frequency, spend score M${m}`} style={{ borderCollapse: "separate", borderSpacing: 4, width: "100%", tableLayout: "fixed" }}>
              <thead>
                <tr>
                  <th scope="col" style={{ width: 48 }}>
                    <Text as="span" variant="bodySm" tone="subdued">{`M${m}`}</Text>
                  </th>
                  {SCORES.map((f) => (
                    <th key={f} scope="col">
                      <Text as="span" variant="bodySm">{`F${f}`}</Text>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[5, 4, 3, 2, 1].map((r) => (
                  <tr key={r}>
                    <th scope="row">
                      <Text as="span" variant="bodySm">{`R${r}`}</Text>
                    </th>
                    {SCORES.map((f) => {
                      const i = cellIndex(r, f, m);
                      const persona = map.cells[i] ? byId.get(map.cells[i]!) : undefined;
                      const customers = cellCustomers[i] ?? 0;
                      // The visible text ("Champions 12") read as it is shown, inside the name (axe: label-content-name-mismatch).
                      const label = `R${r} F${f} M${m}: ${persona ? persona.name || "Unnamed persona" : "No persona"} ${formatNumber(customers, locale)} ${customers === 1 ? "customer" : "customers"}`;
                      return (
                        <td key={f} style={{ padding: 0, height: 1 }}>
                          <button
                            type="button"
                            data-cell={`R${r} F${f} M${m}`}
                            aria-label={brushPersona ? `${label}. Give to ${brushPersona.name}` : label}
                            title={label}
                            onClick={() => paint(r, f)}
                            style={{
                              width: "100%",
                              minHeight: 56,
                              height: "100%",
                              textAlign: "left",
                              padding: "4px 6px",
                              borderRadius: 8,
                              cursor: brushPersona ? "pointer" : "default",
                              font: "inherit",
                              background: "#fff",
                              border: persona ? "1px solid #d4d4d4" : "2px dashed #c70a24",
                              borderLeft: persona ? `6px solid ${safeColor(persona.color)}` : "2px dashed #c70a24",
                            }}
                          >
                            <span style={{ display: "block", fontSize: 12, lineHeight: "16px", fontWeight: 600, overflowWrap: "anywhere" }}>
                              {persona ? persona.name || "Unnamed persona" : "No persona"}
                            </span>{" "}
                            <span style={{ display: "block", fontSize: 12, lineHeight: "16px", color: "#616161" }}>{formatNumber(customers, locale)}</span>
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Text as="p" variant="bodySm" tone="subdued">
            Each cell shows its persona and how many customers have those scores now.
          </Text>
        </BlockStack>
      </Card>
      <Card>
        <BlockStack gap="300">
          <Text as="h3" variant="headingSm">
            Personas
          </Text>
          {map.personas.map((p) => {
            const s = stats.get(p.id) ?? { cells: 0, customers: 0 };
            const cellsError = error(`personas.${p.id}.cells`);
            return (
              <BlockStack key={p.id} gap="100">
                <InlineGrid columns={{ xs: 1, md: "2fr 1fr auto" }} gap="200" alignItems="end">
                  <TextField
                    label="Name"
                    value={p.name}
                    onChange={(name) => update(p.id, { name })}
                    error={error(`personas.${p.id}.name`)}
                    autoComplete="off"
                    prefix={<Swatch color={safeColor(p.color)} size={12} />}
                    helpText={`${s.cells} of 125 cells · ${formatNumber(s.customers, locale)} customers now`}
                  />
                  <TextField
                    label="Colour"
                    value={p.color}
                    onChange={(color) => update(p.id, { color })}
                    error={error(`personas.${p.id}.color`)}
                    autoComplete="off"
                    connectedRight={
                      <input
                        type="color"
                        aria-label={`Pick a colour for ${p.name}`}
                        value={safeColor(p.color).toLowerCase()}
                        onChange={(e) => update(p.id, { color: e.target.value })}
                        style={{ width: 40, height: 32, border: "none", background: "none", padding: 0 }}
                      />
                    }
                  />
                  <Box paddingBlockEnd="100">
                    <Button variant="plain" tone="critical" onClick={() => remove(p.id)} accessibilityLabel={`Remove ${p.name}`}>
                      Remove
                    </Button>
                  </Box>
                </InlineGrid>
                {cellsError && (
                  <div tabIndex={-1} data-field-error={`personas.${p.id}.cells`}>
                    <Text as="p" tone="critical">
                      {cellsError}
                    </Text>
                  </div>
                )}
              </BlockStack>
            );
          })}
          <InlineStack gap="200">
            <Button onClick={add}>Add persona</Button>
            <Button variant="plain" onClick={reset}>
              Reset to the default map
            </Button>
          </InlineStack>
        </BlockStack>
      </Card>
      <Card>
        <BlockStack gap="200">
          <Button variant="plain" disclosure={advanced || slugErrors ? "up" : "down"} ariaExpanded={advanced || slugErrors} ariaControls="persona-advanced" onClick={() => setAdvanced(!advanced)}>
            Advanced: slugs and descriptions
          </Button>
          <Collapsible id="persona-advanced" open={advanced || slugErrors} transition={false}>
            <BlockStack gap="300">
              <Text as="p" tone="subdued">
                A persona's slug names its tag, metafield value and segment in your store. Keep it when you rename a persona, so
                customers and segments follow.
              </Text>
              {map.personas.map((p) => (
                <InlineGrid key={p.id} columns={{ xs: 1, md: 2 }} gap="200">
                  <TextField
                    label={`Slug of ${p.name || "this persona"}`}
                    value={p.slug}
                    onChange={(slug) => update(p.id, { slug })}
                    error={error(`personas.${p.id}.slug`)}
                    autoComplete="off"
                  />
                  <TextField
                    label={`Description of ${p.name || "this persona"}`}
                    value={p.description}
                    onChange={(description) => update(p.id, { description })}
                    error={error(`personas.${p.id}.description`)}
                    autoComplete="off"
                  />
                </InlineGrid>
              ))}
            </BlockStack>
          </Collapsible>
        </BlockStack>
      </Card>
    </BlockStack>
  );
}

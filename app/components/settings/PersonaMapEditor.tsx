/**
 * The persona map as an ordered rule list (first match wins): rename, recolour, change
 * score ranges, reorder, add and remove rules. The completeness check over the 125
 * score cells runs as you type (validatePersonaMap from app/rfm): gaps become "Others",
 * rules that earlier rules shadow never apply.
 */
import { Banner, BlockStack, Button, Card, InlineGrid, InlineStack, List, Select, Text, TextField } from "@shopify/polaris";
import { useMemo } from "react";
import { DEFAULT_PERSONA_RULES, validatePersonaMap, type Cell } from "~/rfm";
import { Swatch } from "../PersonaLabel";
import { ruleFormFrom, ruleId, rulesFromForm, type Range, type RuleForm } from "./form-model";
import type { FieldError } from "./sections";

const SCORES = [1, 2, 3, 4, 5].map((s) => ({ label: String(s), value: String(s) }));

/** Gap cells as a merchant reads them: "R5 F1 M1–3", grouped by R and F. */
export function describeCells(cells: readonly Cell[]): string[] {
  const groups = new Map<string, number[]>();
  for (const c of cells) {
    const key = `R${c.r} F${c.f}`;
    groups.set(key, [...(groups.get(key) ?? []), c.m]);
  }
  return [...groups].map(([key, ms]) => {
    ms.sort((a, b) => a - b);
    const runs: string[] = [];
    let start = ms[0];
    for (let i = 1; i <= ms.length; i++) {
      if (i === ms.length || ms[i] !== ms[i - 1] + 1) {
        runs.push(start === ms[i - 1] ? `${start}` : `${start}–${ms[i - 1]}`);
        start = ms[i];
      }
    }
    return `${key} M${runs.join(", ")}`;
  });
}

export function PersonaMapEditor({
  rules,
  onChange,
  error,
}: {
  rules: RuleForm[];
  onChange: (rules: RuleForm[]) => void;
  error: FieldError;
}) {
  const check = useMemo(() => validatePersonaMap(rulesFromForm(rules)), [rules]);
  const update = (i: number, patch: Partial<RuleForm>) => onChange(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const move = (i: number, by: number) => {
    const next = [...rules];
    const [rule] = next.splice(i, 1);
    next.splice(i + by, 0, rule);
    onChange(next);
  };
  const rangeSelect = (i: number, dim: "r" | "f" | "m", label: string) => {
    const [lo, hi] = rules[i][dim];
    const set = (range: Range) => update(i, { [dim]: range });
    return (
      <BlockStack gap="100">
        <Text as="span" variant="bodySm">
          {label}
        </Text>
        <InlineStack gap="100" blockAlign="center" wrap={false}>
          <Select label={`${label} from`} labelHidden options={SCORES} value={String(lo)} onChange={(v) => set([Number(v), hi])} />
          <Text as="span">–</Text>
          <Select label={`${label} to`} labelHidden options={SCORES} value={String(hi)} onChange={(v) => set([lo, Number(v)])} />
        </InlineStack>
        {error(`personas.rules.${i}.${dim}`) && (
          <Text as="span" tone="critical" variant="bodySm">
            {error(`personas.rules.${i}.${dim}`)}
          </Text>
        )}
      </BlockStack>
    );
  };

  return (
    <BlockStack gap="400">
      {check.complete ? (
        <Banner tone="success" title="Every one of the 125 score cells has a persona" />
      ) : (
        <Banner tone="warning" title={`${check.gaps.length} of 125 score cells have no persona`}>
          <BlockStack gap="100">
            <Text as="p">Customers in these cells become “Others”. Widen a rule or add one to cover them:</Text>
            <Text as="p" variant="bodySm">
              {describeCells(check.gaps).join(" · ")}
            </Text>
          </BlockStack>
        </Banner>
      )}
      {check.unreachable.length > 0 && (
        <Banner tone="warning" title="Some rules never apply">
          <List>
            {check.unreachable.map((u) => (
              <List.Item key={u.rule}>
                Rule {u.rule + 1} ({u.name}): earlier rules already take all of its cells. Move it up or narrow those rules.
              </List.Item>
            ))}
          </List>
        </Banner>
      )}
      {error("personas.rules") && <Banner tone="critical">{error("personas.rules")}</Banner>}
      {rules.map((rule, i) => (
        <Card key={rule.id}>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="center">
              <InlineStack gap="200" blockAlign="center">
                <Swatch color={/^#[0-9a-f]{6}$/i.test(rule.color) ? rule.color : "#BDBDBD"} size={14} />
                <Text as="h3" variant="headingSm">
                  {`${i + 1}. ${rule.name || "Unnamed persona"}`}
                </Text>
              </InlineStack>
              <InlineStack gap="100">
                <Button size="slim" disabled={i === 0} onClick={() => move(i, -1)} accessibilityLabel={`Move ${rule.name} up`}>
                  ↑
                </Button>
                <Button
                  size="slim"
                  disabled={i === rules.length - 1}
                  onClick={() => move(i, 1)}
                  accessibilityLabel={`Move ${rule.name} down`}
                >
                  ↓
                </Button>
                <Button size="slim" tone="critical" variant="plain" onClick={() => onChange(rules.filter((_, j) => j !== i))}>
                  Remove
                </Button>
              </InlineStack>
            </InlineStack>
            <InlineGrid columns={{ xs: 1, md: 3 }} gap="300">
              <TextField
                label="Name"
                value={rule.name}
                onChange={(name) => update(i, { name })}
                error={error(`personas.rules.${i}.name`)}
                autoComplete="off"
              />
              <TextField
                label="Slug"
                value={rule.slug}
                onChange={(slug) => update(i, { slug })}
                error={error(`personas.rules.${i}.slug`)}
                helpText="Used in tags; keep it when renaming."
                autoComplete="off"
              />
              <TextField
                label="Colour"
                value={rule.color}
                onChange={(color) => update(i, { color })}
                error={error(`personas.rules.${i}.color`)}
                autoComplete="off"
                connectedRight={
                  <input
                    type="color"
                    aria-label={`Pick a colour for ${rule.name}`}
                    value={/^#[0-9a-f]{6}$/i.test(rule.color) ? rule.color : "#bdbdbd"}
                    onChange={(e) => update(i, { color: e.target.value })}
                    style={{ width: 40, height: 32, border: "none", background: "none", padding: 0 }}
                  />
                }
              />
            </InlineGrid>
            <InlineGrid columns={3} gap="300">
              {rangeSelect(i, "r", "Recency")}
              {rangeSelect(i, "f", "Frequency")}
              {rangeSelect(i, "m", "Monetary")}
            </InlineGrid>
          </BlockStack>
        </Card>
      ))}
      <InlineStack gap="200">
        <Button
          onClick={() =>
            onChange([
              ...rules,
              { id: ruleId(), name: "New persona", slug: "", color: "#6C5CE7", description: "", r: [1, 5], f: [1, 5], m: [1, 5] },
            ])
          }
        >
          Add rule
        </Button>
        <Button variant="plain" onClick={() => onChange(DEFAULT_PERSONA_RULES.map(ruleFormFrom))}>
          Reset to the default map
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

import { InlineStack, Text } from "@shopify/polaris";

/** A persona's colour as a small round mark (decorative: the name always sits beside it). */
export function Swatch({ color, size = 10 }: { color: string; size?: number }) {
  return (
    <span
      aria-hidden
      style={{
        display: "inline-block",
        width: size,
        height: size,
        borderRadius: "50%",
        background: color,
        flex: "none",
        boxShadow: "inset 0 0 0 1px rgba(0,0,0,0.12)",
      }}
    />
  );
}

export function PersonaLabel({
  persona,
  fallback = "No persona",
}: {
  persona: { name: string; color: string } | null;
  fallback?: string;
}) {
  if (!persona) {
    return (
      <Text as="span" tone="subdued">
        {fallback}
      </Text>
    );
  }
  return (
    <InlineStack gap="150" blockAlign="center" wrap={false}>
      <Swatch color={persona.color} />
      <Text as="span">{persona.name}</Text>
    </InlineStack>
  );
}

import { BlockStack, Card, Text } from "@shopify/polaris";

/** One figure on a card: a label, the value, and an optional note below it. */
export function FigureCard({
  label,
  value,
  note,
  size = "md",
}: {
  label: string;
  value: string;
  note?: string;
  /** The dashboard's headline figures are larger than a persona page's. */
  size?: "md" | "lg";
}) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="p" variant="bodySm" tone="subdued">
          {label}
        </Text>
        <Text as="p" variant={size === "lg" ? "headingLg" : "headingMd"}>
          {value}
        </Text>
        {note && (
          <Text as="p" variant="bodyXs" tone="subdued">
            {note}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}

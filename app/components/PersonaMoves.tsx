import { BlockStack, Box, InlineStack, Text } from "@shopify/polaris";
import { formatNumber } from "./format";
import { PersonaLabel } from "./PersonaLabel";

/** Customers who moved into or out of a persona, by the persona on the other side. */
export function PersonaMoves({
  title,
  rows,
  locale,
  empty,
}: {
  title: string;
  rows: { slug: string; label: string; color: string; customers: number }[];
  locale: string;
  empty: string;
}) {
  return (
    <Box>
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm">
          {title}
        </Text>
        {rows.length === 0 ? (
          <Text as="p" tone="subdued">
            {empty}
          </Text>
        ) : (
          rows.map((r) => (
            <InlineStack key={r.slug || "none"} align="space-between">
              <PersonaLabel persona={{ name: r.label, color: r.color }} />
              <Text as="span" numeric>
                {formatNumber(r.customers, locale)}
              </Text>
            </InlineStack>
          ))
        )}
      </BlockStack>
    </Box>
  );
}

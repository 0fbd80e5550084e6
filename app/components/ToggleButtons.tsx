/**
 * A segmented choice whose options are views of the page (R×F / F×M / R×M, 7 / 30 / 90 days):
 * real buttons that say which one is selected (`aria-pressed`, Polaris' pressed look) and
 * move to the chosen view's URL. Polaris draws neither for a button with a `url`.
 */
import { useNavigate } from "@remix-run/react";
import { Button, ButtonGroup } from "@shopify/polaris";

export interface ToggleOption {
  key: string;
  label: string;
  /** Where choosing it leads (a query string such as "?grid=fm"). */
  href: string;
  /** Read instead of the label, when the label is an abbreviation. */
  accessibilityLabel?: string;
}

export function ToggleButtons({ options, selected }: { options: ToggleOption[]; selected: string }) {
  const navigate = useNavigate();
  return (
    <ButtonGroup variant="segmented">
      {options.map((o) => (
        <Button
          key={o.key}
          size="slim"
          pressed={o.key === selected}
          accessibilityLabel={o.accessibilityLabel}
          onClick={() => navigate(o.href, { preventScrollReset: true })}
        >
          {o.label}
        </Button>
      ))}
    </ButtonGroup>
  );
}

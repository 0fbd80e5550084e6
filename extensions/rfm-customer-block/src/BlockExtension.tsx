/** @jsxImportSource preact */
/**
 * Customer page block (admin.customer-details.block.render): the customer's RFM persona,
 * scores, previous persona and since-date, from the metafields write-back keeps current.
 * Rendering only; what to show is decided in view-model.ts.
 */
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { CUSTOMER_PERSONA_QUERY, personaView, type MetafieldValue, type PersonaView } from "./view-model";

export default async () => {
  render(<Extension />, document.body);
};

type State = { kind: "loading" } | { kind: "error"; message: string } | { kind: "ready"; view: PersonaView };

function Extension() {
  const customerId = shopify.data.selected[0]?.id;
  const [state, setState] = useState<State>({ kind: "loading" });

  useEffect(() => {
    if (!customerId) {
      setState({ kind: "error", message: "No customer selected." });
      return;
    }
    shopify
      .query<{ customer: { metafields: { nodes: MetafieldValue[] } } | null }>(CUSTOMER_PERSONA_QUERY, {
        variables: { id: customerId },
      })
      .then(({ data, errors }) => {
        if (errors?.length || !data?.customer) {
          setState({ kind: "error", message: errors?.[0]?.message ?? "Customer not found." });
          return;
        }
        setState({ kind: "ready", view: personaView(data.customer.metafields.nodes, { now: new Date(), customerId }) });
      })
      .catch((error: unknown) => setState({ kind: "error", message: error instanceof Error ? error.message : String(error) }));
  }, [customerId]);

  if (state.kind === "loading") {
    return (
      <s-admin-block heading="RFM persona">
        <s-spinner accessibilityLabel="Loading persona" />
      </s-admin-block>
    );
  }
  if (state.kind === "error") {
    return (
      <s-admin-block heading="RFM persona">
        <s-text color="subdued">{state.message}</s-text>
      </s-admin-block>
    );
  }
  const { view } = state;
  if (!view.persona) {
    return (
      <s-admin-block heading="RFM persona" collapsedSummary="No persona">
        <s-stack gap="small">
          <s-text color="subdued">No persona yet: the customer has no counted order in the lookback window.</s-text>
          <s-link href={view.appUrl}>Open RFM Personas</s-link>
        </s-stack>
      </s-admin-block>
    );
  }
  return (
    <s-admin-block heading="RFM persona" collapsedSummary={view.persona}>
      <s-stack gap="small">
        <s-stack direction="inline" gap="small" alignItems="center">
          <s-badge tone={view.tone}>{view.persona}</s-badge>
          {view.scoreLabel && <s-text>{view.scoreLabel}</s-text>}
        </s-stack>
        {view.sinceLabel && <s-text>{view.sinceLabel}</s-text>}
        {view.previousPersona && <s-text color="subdued">Previously {view.previousPersona}</s-text>}
        {view.computedLabel && <s-text color="subdued">{view.computedLabel}</s-text>}
        <s-link href={view.appUrl}>View in RFM Personas</s-link>
      </s-stack>
    </s-admin-block>
  );
}

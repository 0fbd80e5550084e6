import { EmptyState } from "@shopify/polaris";

const EMPTY_IMAGE = "https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png";

/** What the dashboard says while there is nothing to show yet, and why. */
export function EmptyDashboard({
  state,
  ordersDone,
  orders,
}: {
  state: "no-orders" | "backfill-running" | "nothing-scored";
  ordersDone: number;
  orders: number;
}) {
  if (state === "backfill-running") {
    return (
      <EmptyState heading="Importing your order history" image={EMPTY_IMAGE}>
        <p>
          {ordersDone > 0 ? `${ordersDone} orders so far. ` : ""}Personas appear as soon as the import finishes and customers
          are scored. You can leave this page.
        </p>
      </EmptyState>
    );
  }
  if (state === "no-orders") {
    return (
      <EmptyState heading="No orders yet" image={EMPTY_IMAGE}>
        <p>Customers get a persona from their orders. Personas appear here once your store has its first order.</p>
      </EmptyState>
    );
  }
  return (
    <EmptyState
      heading="No customer has a persona yet"
      image={EMPTY_IMAGE}
      action={{ content: "Review what counts", url: "/app/settings" }}
    >
      <p>
        {orders} orders are stored, but none counts under your settings yet — or scoring has not run. Check which orders your
        rules leave out (subscriptions, point of sale, test, cancelled) and the lookback window.
      </p>
    </EmptyState>
  );
}

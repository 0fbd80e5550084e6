import { EmptyState } from "@shopify/polaris";
import { importProgress } from "./sync-activity";

const EMPTY_IMAGE = "https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png";

/** What the dashboard says while there is nothing to show yet, and why. */
export function EmptyDashboard({
  state,
  busy,
  ordersDone,
  ordersEstimated,
  orders,
  locale,
}: {
  state: "no-orders" | "backfill-running" | "nothing-scored";
  /** What the sync is doing while state is backfill-running (the import, or the first scoring after it). */
  busy?: "import" | "score" | "write" | null;
  ordersDone: number;
  ordersEstimated: number | null;
  orders: number;
  locale: string;
}) {
  if (state === "backfill-running") {
    const importing = busy !== "score" && busy !== "write";
    return (
      <EmptyState heading={importing ? "Importing your order history" : "Scoring your customers"} image={EMPTY_IMAGE}>
        <p>
          {importing && (ordersDone > 0 || ordersEstimated) ? `${importProgress(ordersDone, ordersEstimated, locale)}. ` : ""}
          Personas appear as soon as {importing ? "the import finishes and customers are scored" : "scoring finishes"}. This page
          updates by itself; you can also leave it.
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

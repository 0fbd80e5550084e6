import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { CustomersPage } from "~/components/pages/CustomersPage";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { customerListSchema, listCustomers } from "~/dashboard/customers.server";
import { shopScoreEdges } from "~/dashboard/edges.server";
import { syncProgress } from "~/dashboard/overview.server";
import { parseSearchParams } from "~/dashboard/request.server";
import { services } from "~/services.server";
import { adminHeaders, requireMerchant } from "~/platforms/merchant.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, locale } = await requireMerchant(request);
  const { db } = services();
  const query = parseSearchParams(customerListSchema, request);
  const page = await listCustomers(db, shop.id, query);
  return {
    ...page,
    filters: {
      persona: query.persona ?? "",
      q: query.q ?? "",
      r: query.r ?? null,
      f: query.f ?? null,
      m: query.m ?? null,
      ranges: (["r", "f", "m"] as const)
        .map((d) => ({ d, lo: query[`${d}Min`] ?? null, hi: query[`${d}Max`] ?? null }))
        .filter((x) => x.lo !== null || x.hi !== null),
    },
    sync: await syncProgress(db, shop.id),
    // The window the scores were computed over: customers beyond it are marked on their row.
    lookbackDays: (await shopScoreEdges(db, shop.id))?.lookbackDays ?? null,
    locale,
  };
};

export default function Customers() {
  return <CustomersPage data={useLoaderData<typeof loader>()} />;
}

export function ErrorBoundary() {
  return <RouteErrorBoundary title="Customers" />;
}

export const headers = adminHeaders;

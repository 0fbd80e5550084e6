import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DashboardPage } from "~/components/pages/DashboardPage";
import { SetupGuide, type SetupGuideView } from "~/components/SetupGuide";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { GRID_AXES } from "~/dashboard/grid-axes";
import { dashboardPage } from "~/dashboard/overview.server";
import { parseSearchParams } from "~/dashboard/request.server";
import { services } from "~/services.server";
import { adminHeaders, requireMerchant } from "~/platforms/merchant.server";
import { adapterFor } from "~/platforms/registry.server";
import { approveWriteback } from "~/writeback/consent.server";

const querySchema = z.object({
  grid: z.enum(GRID_AXES, { error: "must be rf, fm or rm" }).default("rf"),
});

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, locale } = await requireMerchant(request);
  const { db } = services();
  const { grid } = parseSearchParams(querySchema, request);
  return { ...(await dashboardPage(db, shop.id, adapterFor(shop.platform), { grid })), locale };
};

const intentSchema = z.enum(["approve-writeback"], { error: "must be approve-writeback" });

/** intent=approve-writeback: the merchant confirmed the setup guide's summary; write-back starts. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireMerchant(request);
  const { db, runner } = services();
  const form = await request.formData().catch(() => null);
  const intent = intentSchema.safeParse(form?.get("intent"));
  if (!intent.success) return data({ approved: false as const, errors: { intent: intent.error.issues[0].message } }, { status: 400 });
  await approveWriteback(shop.id, { db, queue: runner.queue });
  return { approved: true as const };
};

export default function Dashboard() {
  const loaded = useLoaderData<typeof loader>();
  // The summary streams in (a promise); null once approved and while the first scoring runs.
  const consent = loaded.writebackConsent as unknown as SetupGuideView;
  const guide = consent.summary ? <SetupGuide consent={consent} locale={loaded.locale} /> : undefined;
  return <DashboardPage data={loaded} setup={guide} />;
}

export function ErrorBoundary() {
  return <RouteErrorBoundary title="Dashboard" />;
}

export const headers = adminHeaders;

import { database } from "~/db/index.server";
import { readiness } from "~/health/readiness.server";

/** Readiness for load balancers and deploys: the database answers and has every migration this build ships. */
export const loader = async () => {
  const state = await readiness(database());
  const headers = { "Cache-Control": "no-store" };
  if (state.ready) return Response.json({ status: "ok" }, { headers });
  return Response.json({ status: "error", ...state }, { status: 503, headers });
};

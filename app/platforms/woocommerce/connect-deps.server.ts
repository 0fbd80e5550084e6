/** The process's ConnectDeps for the connect routes: its database, job queue and public URL. */
import { env } from "~/env.server";
import { services } from "~/services.server";
import type { ConnectDeps } from "./connect.server";

export function connectDeps(): ConnectDeps {
  const { db, runner } = services();
  const config = env();
  return {
    db,
    queue: runner.queue,
    appUrl: config.SHOPIFY_APP_URL,
    // The app's own secret; connect.server.ts signs with a purpose prefix, so no other signature can pass for a connect state.
    stateSecret: config.SHOPIFY_API_SECRET,
  };
}

/**
 * The production web server (`npm start`, built as build/server/web.js next to the Remix build).
 *
 * Webhook POSTs are answered on the raw Node request by the webhook routes' own actions
 * (webhook-fast-path.server.ts, docs/decisions/037-webhook-fast-path.md). Everything else is
 * served as `remix-serve` served it: Express with compression, the client assets (immutable
 * for a year under the build's public path, `public/` for an hour), the `morgan` "tiny" access
 * log, then Remix. PORT (3000) and HOST as before. On SIGTERM / Ctrl-C the server stops taking
 * connections; the job runner or the web process's own exit (app/services.server.ts) does the rest.
 *
 * Only the Remix build is imported from the app: its modules are the ones that run, once.
 */
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { webhookFastPath, type WebhookReceiver } from "./webhook-fast-path.server";

/** The routes answered before the framework (Remix route ids): Shopify's and WooCommerce's webhooks. */
const WEBHOOK_ROUTE_IDS = ["routes/webhooks", "routes/webhooks.woocommerce"];

process.env.NODE_ENV ??= "production";

const build = (await import(new URL("./index.js", import.meta.url).href)) as ServerBuild;
const { installGlobals } = await import("@remix-run/node");
installGlobals({ nativeFetch: build.future.v3_singleFetch });
const { createRequestHandler } = await import("@remix-run/express");
const { default: express } = await import("express");
const { default: compression } = await import("compression");
const { default: morgan } = await import("morgan");

const app = express();
app.disable("x-powered-by");
app.use(compression());
// The client build beside this server build (build/client), wherever the process was started from.
app.use(build.publicPath, express.static(fileURLToPath(new URL(`../${path.basename(build.assetsBuildDirectory)}`, import.meta.url)), { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));
app.use(morgan("tiny"));
app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV }));

const fastPath = webhookFastPath(Object.fromEntries(WEBHOOK_ROUTE_IDS.map((id) => [routePath(build, id), receiverOf(build, id)])));
const server = createServer((req, res) => {
  if (!fastPath(req, res)) app(req, res);
});

const port = Number(process.env.PORT || 3000);
const onListen = () => console.log(`[web] http://localhost:${port}${process.env.HOST ? ` (http://${process.env.HOST}:${port})` : ""}`);
if (process.env.HOST) server.listen(port, process.env.HOST, onListen);
else server.listen(port, onListen);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => server.close((err) => err && console.error(err)));
}

/** The URL path of a route of the build ("/webhooks/woocommerce"): its own path under its parents'. */
function routePath(b: ServerBuild, id: string): string {
  const parts: string[] = [];
  for (let r = b.routes[id]; r; r = r.parentId ? b.routes[r.parentId] : undefined!) if (r.path) parts.unshift(r.path);
  return `/${parts.join("/")}`;
}

/** A webhook route's action, called as Remix would call it for a POST with no params. */
function receiverOf(b: ServerBuild, id: string): WebhookReceiver {
  const action = b.routes[id]?.module.action;
  if (!action) throw new Error(`the build has no webhook route ${id} with an action`);
  return async (request) => {
    let result: unknown;
    try {
      result = await action({ request, params: {}, context: {} });
    } catch (thrown) {
      if (thrown instanceof Response) return thrown; // a thrown answer is an answer, as in Remix
      throw thrown;
    }
    if (result instanceof Response) return result;
    throw new Error(`${id}: the action answered something other than a Response`);
  };
}

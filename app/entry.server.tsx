import { PassThrough } from "node:stream";
import { renderToPipeableStream } from "react-dom/server";
import { RemixServer } from "@remix-run/react";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { isbot } from "isbot";
import { env } from "./env.server";
import { addDocumentResponseHeaders } from "~/platforms/shopify/shopify.server";

// How long a page's streamed parts may take before they are given up (the document's and, with
// single fetch, the data requests' too). The dashboard's consent count reads every customer:
// seconds for a shop of a million on a busy machine, so 30 s rather than the template's 5 s.
// Parts already resolved are unaffected; the page itself renders without waiting (decision 071).
export const streamTimeout = 30_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  addDocumentResponseHeaders(request, responseHeaders);
  // Tests and the offline demo: the simulated Shopify admin (sim/shopify/admin-frame.ts) frames the app
  // from the simulator's origin, which Shopify's frame-ancestors list does not name. Unset in production.
  const simulator = env().SHOPIFY_ADMIN_SIMULATOR_URL;
  const csp = responseHeaders.get("Content-Security-Policy");
  if (simulator && csp?.includes("frame-ancestors ")) {
    responseHeaders.set("Content-Security-Policy", csp.replace("frame-ancestors ", `frame-ancestors ${new URL(simulator).origin} `));
  }
  const userAgent = request.headers.get("user-agent");
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} />,
      {
        [callbackName]: () => {
          const body = new PassThrough();
          const stream = createReadableStreamFromReadable(body);
          responseHeaders.set("Content-Type", "text/html");
          resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error) {
          reject(error);
        },
        onError(error) {
          responseStatusCode = 500;
          console.error(error);
        },
      },
    );
    // Give the stream a little longer than streamTimeout to flush rejected boundaries.
    setTimeout(abort, streamTimeout + 1000);
  });
}

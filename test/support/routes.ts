/**
 * The one way tests call a route: a loader's or action's answer, whether it returns it or
 * throws it (Remix answers a thrown Response as if it were returned).
 */

/** A merchant's browser (Shopify's library answers a bot's user agent differently). */
export const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

/** The arguments Remix hands a loader or action. */
export const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

/** What the route answers: its return value, or the Response it threw. */
export async function answerOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Response) return e;
    throw e;
  }
}

/** A route that answers with a Response (webhooks, downloads), returned or thrown. */
export async function responseOf(fn: () => Promise<unknown>): Promise<Response> {
  const answer = await answerOf(fn);
  if (!(answer instanceof Response)) throw new Error(`the route answered ${typeof answer}, not a Response`);
  return answer;
}

export interface Outcome<T = unknown> {
  status: number;
  data: T;
  response: Response | null;
  headers: Headers;
}

/**
 * Runs a loader or action and normalises what it gives back — plain data, data()
 * with a status, a returned or a thrown Response — to { status, data }.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function run<T = any>(fn: () => Promise<unknown>): Promise<Outcome<T>> {
  const result = await answerOf(fn);
  if (result instanceof Response) {
    const type = result.headers.get("Content-Type") ?? "";
    const data = type.includes("json") ? await result.clone().json() : undefined;
    return { status: result.status, data: data as T, response: result, headers: result.headers };
  }
  if (result && typeof result === "object" && (result as { type?: string }).type === "DataWithResponseInit") {
    const { data, init } = result as { data: T; init: ResponseInit | null };
    return { status: init?.status ?? 200, data, response: null, headers: new Headers(init?.headers) };
  }
  return { status: 200, data: result as T, response: null, headers: new Headers() };
}

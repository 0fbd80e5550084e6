import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createManualClock, type ManualClock } from "../kit/clock";
import { oauthHeader, signUrl } from "./auth";
import type { WcApiKey } from "./model";
import { startWooSimulator, type WooSimulator, type WooSimulatorOptions } from "./server";
import type { NewOrder } from "./store";

/** Helpers the simulator's tests share: the captures, a shape comparison, a store like the captured one, signed requests. */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CAPTURES = path.resolve(root, "..", "shared", "woocommerce", "captures");

export function readCapture<T = Record<string, any>>(relative: string): T {
  return JSON.parse(readFileSync(path.join(CAPTURES, relative), "utf8")) as T;
}

export function captureFiles(dir: string): string[] {
  return readdirSync(path.join(CAPTURES, dir))
    .filter((f) => f.endsWith(".json"))
    .sort();
}

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/** What varies between resources of one collection: nullable dates (unpaid, not completed) and a guest order's missing customer link. */
export const COLLECTION_LENIENCY = {
  nullable: new Set(["date_paid", "date_paid_gmt", "date_completed", "date_completed_gmt", "date_modified", "date_modified_gmt"]),
  optional: new Set(["customer"]),
};

/**
 * Where `actual` differs in shape from `expected`: same keys and JSON types, recursively; an array's
 * elements must each have the shape of some element of the expected array (when both have any).
 * `leniency` (for collections, whose captured page holds another mix of resources) lets the named keys
 * be null or absent.
 */
export function shapeDiff(
  expected: unknown,
  actual: unknown,
  at = "$",
  leniency: { nullable: Set<string>; optional: Set<string> } = { nullable: new Set(), optional: new Set() }
): string[] {
  const te = typeOf(expected);
  const ta = typeOf(actual);
  const key = at.slice(at.lastIndexOf(".") + 1);
  if (te !== ta) {
    if ((te === "null" || ta === "null") && leniency.nullable.has(key)) return [];
    return [`${at}: expected ${te}, got ${ta}`];
  }
  if (te === "array") {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length === 0 || a.length === 0) return [];
    const out: string[] = [];
    a.forEach((item, i) => {
      const diffs = e.map((candidate) => shapeDiff(candidate, item, `${at}[${i}]`, leniency));
      if (!diffs.some((d) => d.length === 0)) out.push(...diffs.sort((x, y) => x.length - y.length)[0]);
    });
    return out;
  }
  if (te === "object") {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(e)) if (!(k in a) && !leniency.optional.has(k)) out.push(`${at}.${k}: missing`);
    for (const k of Object.keys(a)) if (!(k in e) && !leniency.optional.has(k)) out.push(`${at}.${k}: unexpected`);
    for (const k of Object.keys(e)) if (k in a) out.push(...shapeDiff(e[k], a[k], `${at}.${k}`, leniency));
    return out;
  }
  return [];
}

export type AuthMode =
  | "oauth"
  | "oauth-sha1"
  | "oauth-header"
  | "oauth-wrong-secret"
  | "oauth-unknown-key"
  | "oauth-replay"
  | "oauth-tampered-timestamp"
  | "oauth-16min"
  | "oauth-14min"
  | "basic-https"
  | "basic-https-wrong-secret"
  | "query-https"
  | "basic-http"
  | "query-http"
  | "read-only"
  | "rest-route-basic-https"
  | "none";

export interface Harness {
  sim: WooSimulator;
  clock: ManualClock;
  key: WcApiKey;
  readOnly: WcApiKey;
  ids: Record<string, number>;
  call(method: string, pathAndQuery: string, options?: { auth?: AuthMode; body?: unknown }): Promise<{ status: number; headers: Headers; text: string; json: any }>;
}

/**
 * A store holding what the captured one held, made through the control API (not replayed): customers,
 * and one order of each captured kind (coupon + fee, $0 line, $0 total, guests, both POS conventions,
 * subscription parent and renewal, EUR, GBP, pending, failed, on-hold, cancelled, partially and fully
 * refunded, trashed, Store API) plus recent plain orders so collections have several pages.
 */
export async function captureLikeStore(options: WooSimulatorOptions = {}): Promise<Harness> {
  const clock = createManualClock("2026-11-30T09:20:00Z");
  const sim = await startWooSimulator({ clock, webhookDelivery: { mode: "sync" }, ...options });
  const shop = sim.shop;
  const key = shop.addKey({ permissions: "read_write" });
  const readOnly = shop.addKey({ permissions: "read" });
  const day = 86400_000;
  const now = clock.now();
  const people = [
    "Ava Nguyen", "Liam Patel", "Mia Garcia", "Noah Smith", "Zoe Kowalski", "Ethan Okafor", "Chloe Rossi", "Lucas Dubois",
    "Isla Tanaka", "Mason Murphy", "Ruby Silva", "Leo Cohen", "Theo Walsh", "Nora Larsen", "Emma Brown", "Oscar Lee",
    "Piper Diaz", "Quinn Adams", "Rosa Evans", "Sam Hughes", "Tara Young",
  ];
  const ids: Record<string, number> = {};
  for (const [i, name] of people.entries()) {
    const [first, last] = name.split(" ");
    const c = shop.createCustomer({
      email: `${first}.${last}@example.test`.toLowerCase(),
      firstName: first,
      lastName: last,
      createdAt: now - (600 - i) * day,
      billing: { company: i === 0 ? "Nguyen & Co" : "", address_1: `${100 + i} Main St`, city: "Portland", state: "OR", postcode: "97201", phone: `555-01${String(i).padStart(2, "0")}` },
      meta: i === 0 ? [{ key: "marketing_opt_in", value: "yes" }] : [],
    });
    ids[first.toLowerCase()] = c.id;
  }
  const order = (name: string, input: Partial<NewOrder> & { daysAgo: number }) => {
    const o = shop.createOrder({ lines: [{ productId: 11, quantity: 1 }], status: "completed", ...input, createdAt: now - input.daysAgo * day });
    ids[name] = o.id;
    return o;
  };
  for (let i = 0; i < 40; i++) order(`filler${i}`, { customerId: ids[people[i % 14].split(" ")[0].toLowerCase()], daysAgo: 300 - i * 7 });
  order("couponFee", { customerId: ids.liam, lines: [{ productId: 15, quantity: 1 }, { productId: 11, quantity: 2 }], coupon: { code: "welcome10", percent: 10 }, shipping: [{ totalCents: 500 }], fees: [{ name: "Gift wrap", totalCents: 400 }], daysAgo: 50 });
  order("zeroPrice", { customerId: ids.ava, lines: [{ productId: 11, quantity: 1 }, { productId: 18, quantity: 1 }], paymentMethod: "cod", daysAgo: 40 });
  order("zeroTotal", { customerId: ids.noah, lines: [{ productId: 18, quantity: 1 }], paymentMethod: "cod", daysAgo: 35 });
  order("guestRegistered", { billing: { email: "mia.garcia@example.test" }, paymentMethod: "cod", daysAgo: 20 });
  order("guestUnknown", { billing: { email: "gina.guest@example.test" }, paymentMethod: "cod", daysAgo: 12 });
  order("posCore", { createdVia: "pos-rest-api", billing: { email: "" }, paymentMethod: "pos_cash", paymentMethodTitle: "Cash", daysAgo: 8 });
  order("posWcpos", {
    customerId: ids.zoe,
    createdVia: "woocommerce-pos",
    meta: [{ key: "_pos_store", value: "0" }, { key: "_pos_user", value: "1" }, { key: "_woocommerce_pos_uuid", value: "6f1c2b7e-3d2a-4c1e-9b8f-0a1b2c3d4e5f" }],
    paymentMethod: "pos_cash",
    daysAgo: 16,
  });
  order("subParent", { customerId: ids.ethan, lines: [{ productId: 17, quantity: 1 }], status: "processing", daysAgo: 95 });
  order("subRenewal", { customerId: ids.ethan, lines: [{ productId: 17, quantity: 1 }], createdVia: "subscription", meta: [{ key: "_subscription_renewal", value: "9001" }], daysAgo: 65 });
  order("eur", { customerId: ids.theo, currency: "EUR", lines: [{ productId: 12, quantity: 1 }], daysAgo: 18 });
  order("gbp", { customerId: ids.theo, currency: "GBP", daysAgo: 333 });
  order("pending", { customerId: ids.isla, status: "pending", daysAgo: 3 });
  order("failed", { customerId: ids.lucas, status: "failed", daysAgo: 4 });
  order("onHold", { customerId: ids.mason, status: "on-hold", daysAgo: 5 });
  order("cancelled", { customerId: ids.chloe, status: "cancelled", daysAgo: 6 });
  order("partial", { customerId: ids.ruby, lines: [{ productId: 11, quantity: 2 }], daysAgo: 46 });
  order("full", { customerId: ids.leo, lines: [{ productId: 11, quantity: 1 }, { productId: 12, quantity: 1 }], daysAgo: 29 });
  order("trashed", { customerId: ids.nora, daysAgo: 251 });
  order("restored", { customerId: ids.nora, daysAgo: 250 });
  order("storeApi", {
    billing: { email: "sam.storefront@example.test" },
    createdVia: "store-api",
    status: "processing",
    paid: false,
    paymentMethod: "cod",
    meta: ["_coupons_hash", "_fees_hash", "_shipping_hash", "_taxes_hash", "is_vat_exempt"].map((k) => ({ key: k, value: k === "is_vat_exempt" ? "no" : "d751713988987e9331980363e24189ce" })),
    daysAgo: 1,
  });
  order("deleted", { customerId: ids.nora, daysAgo: 200 });
  clock.advance(60_000);
  const partial = shop.store.getOrder(ids.partial);
  ids.partialRefund = shop.refundOrder(ids.partial, { lines: [{ lineItemId: partial.lines[0].id, quantity: 1 }], reason: "One bag arrived damaged" }).id;
  ids.fullRefund = shop.refundOrder(ids.full, { amountCents: 5390, reason: "Customer returned grinder" }).id;
  ids.partialLine = partial.lines[0].id;
  shop.trashOrder(ids.trashed);
  shop.trashOrder(ids.restored);
  shop.restoreOrder(ids.restored);
  shop.deleteOrder(ids.deleted);
  shop.updateCustomer(ids.ava, { meta: [{ key: "rfm_persona", value: "champion" }, { key: "rfm_scores", value: { r: 5, f: 4, m: 3 } }] });
  clock.advance(60_000);
  await sim.settle();

  const call: Harness["call"] = async (method, pathAndQuery, { auth = "oauth", body } = {}) => {
    const url = `${sim.url}${pathAndQuery}`;
    const ts = Math.floor(clock.now() / 1000);
    const headers: Record<string, string> = { Accept: "application/json" };
    let target = url;
    const basic = (ck: string, cs: string) => `Basic ${Buffer.from(`${ck}:${cs}`).toString("base64")}`;
    const withQuery = (u: string, q: Record<string, string>) => `${u}${u.includes("?") ? "&" : "?"}${new URLSearchParams(q)}`;
    switch (auth) {
      case "oauth":
        target = signUrl(method, url, key, { timestamp: ts });
        break;
      case "oauth-sha1":
        target = signUrl(method, url, key, { timestamp: ts, algorithm: "HMAC-SHA1" });
        break;
      case "oauth-header":
        headers.Authorization = oauthHeader(method, url, key, { timestamp: ts });
        break;
      case "oauth-wrong-secret":
        target = signUrl(method, url, { consumerKey: key.consumerKey, consumerSecret: "cs_wrong" }, { timestamp: ts });
        break;
      case "oauth-unknown-key":
        target = signUrl(method, url, { consumerKey: "ck_unknown", consumerSecret: "cs_unknown" }, { timestamp: ts });
        break;
      case "oauth-replay": {
        target = signUrl(method, url, key, { timestamp: ts, nonce: "replayed-nonce" });
        await fetch(target, { method, headers });
        break;
      }
      case "oauth-tampered-timestamp": {
        const signed = new URL(signUrl(method, url, key, { timestamp: ts }));
        signed.searchParams.set("oauth_timestamp", String(ts - 3600));
        target = signed.toString();
        break;
      }
      case "oauth-16min":
        target = signUrl(method, url, key, { timestamp: ts - 16 * 60 });
        break;
      case "oauth-14min":
        target = signUrl(method, url, key, { timestamp: ts - 14 * 60 });
        break;
      case "basic-https":
        headers.Authorization = basic(key.consumerKey, key.consumerSecret);
        headers["X-Forwarded-Proto"] = "https";
        break;
      case "basic-https-wrong-secret":
        headers.Authorization = basic(key.consumerKey, "cs_wrong");
        headers["X-Forwarded-Proto"] = "https";
        break;
      case "query-https":
        target = withQuery(url, { consumer_key: key.consumerKey, consumer_secret: key.consumerSecret });
        headers["X-Forwarded-Proto"] = "https";
        break;
      case "basic-http":
        headers.Authorization = basic(key.consumerKey, key.consumerSecret);
        break;
      case "query-http":
        target = withQuery(url, { consumer_key: key.consumerKey, consumer_secret: key.consumerSecret });
        break;
      case "read-only":
        target = signUrl(method, url, readOnly, { timestamp: ts });
        break;
      case "rest-route-basic-https":
        headers.Authorization = basic(key.consumerKey, key.consumerSecret);
        headers["X-Forwarded-Proto"] = "https";
        break;
      case "none":
        break;
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(target, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return { sim, clock, key, readOnly, ids, call };
}

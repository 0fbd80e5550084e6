/**
 * What write-back tests and the benchmark share: an Admin API client that talks to the
 * simulator over HTTP (as the app does through the library), and scored customers for
 * the app's database with matching customers in the simulated shop.
 */
import type { AdminGraphql, GraphqlResponse } from "~/platforms/shopify/admin-graphql.server";
import type { Db } from "~/db/index.server";
import type { NewCustomer, Simulator } from "../../sim/shopify";

/**
 * An AdminGraphql over HTTP to the simulator. Non-2xx answers throw with the status in the
 * message (as the library's HttpResponseError does), so resilient() retries 429 and 5xx.
 */
export function simGraphql(sim: Simulator, domain: string, token = sim.shop(domain).issueAccessToken()): AdminGraphql {
  return simGraphqlAt(sim.url, domain, token);
}

/** The same for a simulator in another process, known by its URL and an access token it issued. */
export function simGraphqlAt(simUrl: string, domain: string, token: string): AdminGraphql {
  const url = `${simUrl}/admin/api/2026-10/graphql.json`;
  return async <T,>(query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Sim-Shop": domain },
      body: JSON.stringify({ query, variables }),
    });
    if (!res.ok) throw new Error(`Admin API answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as GraphqlResponse<T>;
  };
}

export const CUSTOMER_ID_BASE = 7_100_000_000_000;
export const customerGid = (n: number) => `gid://shopify/Customer/${CUSTOMER_ID_BASE + n}`;

const SLUGS = [
  "champions",
  "loyal",
  "potential-loyalist",
  "new-customers",
  "promising",
  "need-attention",
  "about-to-sleep",
  "at-risk",
  "cant-lose-them",
  "hibernating",
  "lost",
];

export interface ScoredCustomer {
  customerKey: string;
  guest?: boolean;
  persona: string | null;
  previousPersona?: string | null;
  personaSince?: number | null;
  r?: number | null;
  f?: number | null;
  m?: number | null;
  scoredAt?: number | null;
}

/** Customer n of a generated shop: a persona and scores that follow from n (every 13th has none). */
export function scoredCustomer(n: number, scoredAt: number, variant = 0): ScoredCustomer {
  const none = n % 13 === 12;
  const k = n + variant;
  return {
    customerKey: customerGid(n),
    persona: none ? null : SLUGS[k % SLUGS.length],
    previousPersona: none ? null : n % 3 === 0 ? null : SLUGS[(k + 4) % SLUGS.length],
    personaSince: none ? null : scoredAt - (n % 40) * 86_400_000,
    r: none ? null : 1 + (k % 5),
    f: none ? null : 1 + ((k >> 1) % 5),
    m: none ? null : 1 + ((k >> 2) % 5),
    scoredAt,
  };
}

/** Customers for the simulated shop; some carry the merchant's own tags. */
export function simCustomers(count: number): NewCustomer[] {
  const out: NewCustomer[] = [];
  for (let n = 0; n < count; n++) {
    out.push({
      id: CUSTOMER_ID_BASE + n,
      email: `customer${n}@example.com`,
      firstName: `Customer${n}`,
      tags: n % 4 === 0 ? ["vip", "newsletter"] : n % 7 === 0 ? ["wholesale"] : [],
      createdAt: "2024-01-01T00:00:00Z",
    });
  }
  return out;
}

/** Inserts (or replaces the scores of) customers in the app's database. */
export async function upsertScoredCustomers(db: Db, shopId: string, customers: readonly ScoredCustomer[]): Promise<void> {
  const stmt = db.prepare(`
    INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, r, f, m, persona, previousPersona, personaSince, scoredAt)
    VALUES (?, ?, ?, 1, 100, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (shopId, customerKey) DO UPDATE SET r = excluded.r, f = excluded.f, m = excluded.m, persona = excluded.persona,
      previousPersona = excluded.previousPersona, personaSince = excluded.personaSince, scoredAt = excluded.scoredAt`);
  await db.transaction(async () => {
    for (const c of customers) {
      await stmt.run(
        shopId,
        c.customerKey,
        c.guest ?? false,
        c.r ?? null,
        c.f ?? null,
        c.m ?? null,
        c.persona,
        c.previousPersona ?? null,
        c.personaSince == null ? null : new Date(c.personaSince),
        c.scoredAt == null ? null : new Date(c.scoredAt),
      );
    }
  });
}

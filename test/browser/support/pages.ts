/**
 * Every page of the app, in every state a merchant meets first, for the tests that go through
 * them all (accessibility, 390 px): the demo store's dashboard, personas, a persona, customers
 * and settings, plus a store still importing (its export held for minutes) and an empty store.
 */
import { generateSeed } from "../../../sim/shopify";
import { waitForFirstSync } from "../../../scripts/lib/demo-stack";
import { appSettled, harness, openAdmin, query, type AdminPage, type OpenOptions } from "./harness";

export const IMPORTING_SHOP = "still-importing.myshopify.com";
export const EMPTY_SHOP = "empty-store.myshopify.com";

let added: Promise<void> | undefined;

/** The importing and the empty store, added to the shared simulator once; the empty one installed and synced. */
export function extraShops(): Promise<void> {
  added ??= (async () => {
    const { stack } = await harness();
    const today = new Date(new Date().toISOString().slice(0, 10) + "T12:00:00Z");
    stack.sim.addShop({
      domain: IMPORTING_SHOP,
      name: "Still Importing Store",
      data: generateSeed({ dataset: "cdnow", maxCustomers: 60, shiftDatesTo: today, seed: 23 }),
      installed: false,
      // Long enough for every test that looks at it: the import is still under way.
      bulk: { delayMs: 20 * 60_000 },
    });
    stack.sim.addShop({ domain: EMPTY_SHOP, name: "Empty Store", installed: false });
    // Opening the app installs the empty store; its import finds nothing.
    await openAdmin("", { shop: EMPTY_SHOP });
    await waitForFirstSync(stack.db, EMPTY_SHOP, 120).catch(() => undefined);
    await waitUntil(async () => {
      const [state] = await query<{ done: number | null }>(
        `SELECT s.backfillFinishedAt AS done FROM "SyncState" s JOIN "Shop" p ON p.id = s.shopId WHERE p.domain = ?`,
        EMPTY_SHOP,
      );
      return !!state?.done;
    });
  })();
  return added;
}

async function waitUntil(ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the store to sync");
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface AppPageCase {
  /** Used in test names and screenshot file names. */
  name: string;
  open: (options?: OpenOptions) => Promise<AdminPage>;
  /** What the page must show once loaded (it is the page we meant). */
  shows: string | RegExp;
}

/** The most common persona of the demo store (its page has the most to show). */
async function busiestPersona(): Promise<string> {
  const { shopId } = await harness();
  const [{ persona }] = await query<{ persona: string }>(
    `SELECT persona FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY count(*) DESC LIMIT 1`,
    shopId,
  );
  return persona;
}

export const APP_PAGES: AppPageCase[] = [
  { name: "dashboard", open: (o) => openAdmin("", o), shows: "Sync and write-back" },
  { name: "personas", open: (o) => openAdmin("/app/personas", o), shows: /customers with a persona/ },
  { name: "persona", open: async (o) => openAdmin(`/app/personas/${await busiestPersona()}`, o), shows: /Movement since/ },
  { name: "customers", open: (o) => openAdmin("/app/customers", o), shows: /customers match/ },
  { name: "settings", open: (o) => openAdmin("/app/settings", o), shows: /Lookback window|Write-back|Persona map/ },
  {
    name: "first-run",
    open: async (o) => (await extraShops(), openAdmin("", { ...o, shop: IMPORTING_SHOP })),
    shows: "Importing your order history",
  },
  { name: "empty-store", open: async (o) => (await extraShops(), openAdmin("", { ...o, shop: EMPTY_SHOP })), shows: "No orders yet" },
];

/** Opens the page and waits until it shows what it should (visible: the admin's hidden nav holds page names too). */
export async function openPage(page: AppPageCase, options?: OpenOptions): Promise<AdminPage> {
  const admin = await page.open(options);
  await admin.app.getByText(page.shows).filter({ visible: true }).first().waitFor();
  await appSettled(admin.app);
  return admin;
}

/**
 * The browser tests' world: one demo stack (the Shopify Admin simulator with a seeded store, the
 * app's production build installed into it) and one headless Chromium, shared by every test file
 * (vitest.browser.config.ts runs them in one process), and per test a fresh browser context on
 * the simulated admin page with the app in its iframe.
 *
 * Every page is watched: console.error, uncaught exceptions and 5xx answers from the app or the
 * simulator are collected and fail the test (test/browser/support/setup.ts). The browser is
 * offline like the demo: requests leaving this machine are aborted, and the "Failed to load
 * resource" errors of Shopify's CDN (fonts, the App Bridge preload) are the only ones tolerated.
 */
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import { inject } from "vitest";
import { startDemoStack, type DemoStack } from "../../../scripts/lib/demo-stack";
import { CHROMIUM, ROOT, SCREENSHOTS } from "./paths";

export const CUSTOMERS = 800;

/**
 * Playwright's own --disable-features list (playwright-core 1.65, chromiumSwitches) without
 * ThirdPartyStoragePartitioning. Playwright turns partitioning off; Chromium, which blocks
 * third-party cookies by default, then denies the app's iframe (a third party inside the admin)
 * sessionStorage altogether — a browser no merchant has: Chrome, Safari and Firefox all give a
 * framed third party its own partitioned storage. Chromium takes the last --disable-features.
 */
const DISABLED_FEATURES =
  "--disable-features=" +
  [
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
  ].join(",");

export interface BrowserWorld {
  stack: DemoStack;
  browser: Browser;
  shopId: string;
}

let started: Promise<BrowserWorld> | undefined;

/** The shared stack and browser, started on first use (about a minute and a half). */
export function harness(): Promise<BrowserWorld> {
  started ??= start();
  return started;
}

async function start(): Promise<BrowserWorld> {
  const t0 = Date.now();
  const stack = await startDemoStack({
    customers: CUSTOMERS,
    port: 0,
    simPort: 0,
    timeout: 360,
    database: path.join(inject("browserTestDir"), "demo.db"),
    log: (msg) => process.stderr.write(`[demo] ${msg}\n`),
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // launch() gives every run a fresh temporary profile (user data dir).
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      DISABLED_FEATURES,
    ],
  });
  const shop = (await stack.db.prepare(`SELECT id FROM "Shop" WHERE domain = ?`).get(stack.shop)) as { id: string };
  process.stderr.write(`[browser tests] demo stack ready in ${Math.round((Date.now() - t0) / 1000)} s: ${stack.adminUrl}\n`);
  return { stack, browser, shopId: shop.id };
}

/** Rows from the app's own database (read while the app runs). */
export async function query<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  const { stack } = await harness();
  return (await stack.db.prepare(sql).all(...params)) as T[];
}

// --- pages ---------------------------------------------------------------------------------------

interface Opened {
  context: BrowserContext;
  problems: string[];
}
const opened: Opened[] = [];

function isLocal(url: URL): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** A URL without its query (session tokens make them long). */
function short(url: string): string {
  return url.split("?")[0];
}

function watch(page: Page, problems: string[]): void {
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    const where = msg.location().url;
    if (text.startsWith("Failed to load resource") && where) {
      // Offline: Shopify's CDN (Inter font, the App Bridge preload the library's Link header asks for) cannot load.
      if (!isLocal(new URL(where))) return;
      // The app's own 4xx answers to its data requests (400 with field errors, 404) are rendered by the
      // page, and Chromium logs each one: not an error of the page. 5xx is caught below.
      if (/status of 4\d\d/.test(text) && new URL(where).pathname.endsWith(".data")) return;
    }
    problems.push(`console.error in ${short(where || page.url())}: ${text}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught exception in ${short(page.url())}: ${error.stack ?? error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 500 && isLocal(new URL(response.url()))) {
      problems.push(`HTTP ${response.status()} from ${short(response.url())}`);
    }
  });
}

export interface AdminPage {
  /** The simulated admin (top-level page). */
  page: Page;
  /** The app, in the admin's iframe. */
  app: Frame;
  context: BrowserContext;
}

export interface OpenOptions {
  /** Runs on the fresh context before the first page loads (routes, a fake clock…). */
  beforeLoad?: (context: BrowserContext) => Promise<unknown>;
  /** Another shop of the simulator than the demo store (openAdmin). */
  shop?: string;
}

async function newPage(options: OpenOptions): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const { browser } = await harness();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    locale: "en-US",
    // Not the server's time zone: dates rendered on the server must hydrate unchanged anywhere.
    timezoneId: "America/New_York",
    // A merchant's browser: Shopify's library answers "HeadlessChrome" (a bot to isbot) with 410 Gone.
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`,
  });
  const problems: string[] = [];
  opened.push({ context, problems });
  await context.route((url) => !isLocal(url), (route) => route.abort("internetdisconnected"));
  context.on("page", (p) => watch(p, problems));
  await options.beforeLoad?.(context);
  return { context, page: await context.newPage(), problems };
}

async function loaded(app: Frame, problems: string[], settled: (app: Frame) => Promise<void> = appSettled): Promise<void> {
  // Whatever the browser reports while the app loads (a refused frame, an uncaught exception) ends the
  // wait a moment later, rather than a 30-second timeout.
  let watching = true;
  const reported = (async () => {
    while (watching && problems.length === 0) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2000));
    if (watching) throw new Error("the browser reported problems");
  })();
  try {
    await Promise.race([settled(app), reported]);
  } catch (error) {
    // Say why, when the browser knows (a refused frame, a failed script): more use than a timeout.
    throw new Error(
      `the app did not load (${(error as Error).message.split("\n")[0]}); the browser reported:\n  - ${problems.join("\n  - ") || "nothing"}`,
    );
  } finally {
    watching = false;
  }
  // Problems that did not stop the app still fail the test, after it (support/setup.ts).
}

/**
 * Opens the simulated admin on the app (optionally at an app path, e.g. "/app/settings") and waits
 * until the app has hydrated and App Bridge (the stand-in) is up.
 */
export async function openAdmin(appPath = "", options: OpenOptions = {}): Promise<AdminPage> {
  const { stack } = await harness();
  const { context, page, problems } = await newPage(options);
  const url = new URL(stack.adminUrl);
  url.pathname += appPath;
  if (options.shop) url.searchParams.set("shop", options.shop);
  await page.goto(url.toString());
  const app = await (await page.waitForSelector("#app-iframe")).contentFrame();
  if (!app) throw new Error("the admin page has no app iframe");
  await loaded(app, problems);
  return { page, app, context };
}

/**
 * Opens the app on its own, outside any admin frame, at the admin's iframe URL (embedded, shop, host and a
 * fresh session token; `withoutToken` leaves the token out, as a reload after it expired would).
 */
export async function openAppUnframed(options: OpenOptions & { path?: string; withoutToken?: boolean } = {}): Promise<AdminPage> {
  const { stack } = await harness();
  const { context, page, problems } = await newPage(options);
  const url = new URL(options.path ?? "/app", stack.appUrl);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", stack.shop);
  url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${stack.shop.split(".")[0]}`).toString("base64url"));
  if (!options.withoutToken) url.searchParams.set("id_token", stack.sim.sessionToken(stack.shop));
  await page.goto(url.toString());
  await loaded(page.mainFrame(), problems);
  return { page, app: page.mainFrame(), context };
}

/**
 * Opens an app URL as a page of its own, the way WP admin opens the app for a WooCommerce store (a launch
 * link), and waits until the standalone shell has hydrated (no App Bridge there).
 */
export async function openStandalone(url: string, options: OpenOptions = {}): Promise<AdminPage> {
  const { context, page, problems } = await newPage(options);
  await page.goto(url);
  await loaded(page.mainFrame(), problems, standaloneSettled);
  return { page, app: page.mainFrame(), context };
}

/** Waits until a standalone page is hydrated and no navigation, fetcher or revalidation is running. */
export const standaloneSettled = (app: Frame): Promise<void> => settled(app, false);

/** Waits until the app is hydrated, App Bridge is there, and no navigation, fetcher or revalidation is running. */
export const appSettled = async (app: Frame): Promise<void> => {
  await settled(app, true);
  // React may commit the settled route's page a frame later: let it paint, then check again.
  await app.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
  await settled(app, true);
};

async function settled(app: Frame, appBridge: boolean): Promise<void> {
  await app.waitForFunction(
    (appBridge) => {
      const w = window as unknown as {
        shopify?: { __simulated?: boolean };
        __remixRouter?: { state: { initialized: boolean; navigation: { state: string }; revalidation: string; fetchers: Map<string, { state: string }> } };
      };
      const router = w.__remixRouter?.state;
      const page = document.querySelector(".Polaris-Page");
      return (
        (!appBridge || w.shopify?.__simulated === true) &&
        router?.initialized === true &&
        router.navigation.state === "idle" &&
        router.revalidation === "idle" &&
        [...router.fetchers.values()].every((f) => f.state === "idle") &&
        page !== null &&
        Object.keys(page).some((k) => k.startsWith("__reactFiber$"))
      );
    },
    appBridge,
    { timeout: 30_000 },
  );
}

/** Closes this test's browser contexts; returns what went wrong in their pages. */
export async function closeAdminPages(): Promise<string[]> {
  const problems: string[] = [];
  for (const { context, problems: found } of opened.splice(0)) {
    await context.close();
    problems.push(...found);
  }
  return problems;
}

/**
 * A full-page screenshot of the admin with the whole app visible: the viewport grows to the app's
 * height first (the app scrolls inside its iframe, as in Shopify's admin). Saved as
 * test/browser/screenshots/<name>.png; the path is printed.
 */
export async function screenshot({ page, app }: AdminPage, name: string): Promise<string> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const contentHeight = await app.evaluate(() => document.documentElement.scrollHeight);
  const framed = app !== page.mainFrame();
  const frameTop = framed ? await page.locator("#app-iframe").evaluate((el) => Math.ceil(el.getBoundingClientRect().top)) : 0;
  const height = Math.min(Math.max(viewport.height, contentHeight + frameTop), 10_000);
  await page.setViewportSize({ width: viewport.width, height });
  // The app's frame renders in its own process: wait until it has the new size and has painted it.
  await app.waitForFunction((h) => window.innerHeight >= h, height - frameTop);
  await app.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.waitForTimeout(250);
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await page.setViewportSize(viewport);
  console.log(`screenshot: ${path.relative(ROOT, file)}`);
  return file;
}

/** "1,234" → 1234. */
export function parseCount(text: string): number {
  const digits = text.replace(/[^\d-]/g, "");
  if (!/^-?\d+$/.test(digits)) throw new Error(`not a count: ${JSON.stringify(text)}`);
  return Number(digits);
}

declare module "vitest" {
  export interface ProvidedContext {
    browserTestDir: string;
  }
}

/**
 * The companion plugin on a real WordPress (Debian's 6.1 core, MariaDB, `php -S` on loopback),
 * driven over HTTP as an admin would: activated in Plugins, its menu page, its settings saved
 * through WordPress's options API, the launch token it mints checked by the app's own verifier,
 * the Persona column on Users read from user meta. First without WooCommerce (which this
 * machine cannot install offline), then with a stand-in that only declares the WooCommerce
 * class, grants `manage_woocommerce` and registers the wc-admin screen, as WooCommerce does.
 * Run with `npm run test:wordpress`.
 */
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveCredentials } from "~/platforms/woocommerce/credentials.server";
import { saveLaunchSecret, verifyLaunchToken } from "~/platforms/woocommerce/launch.server";
import { requireMerchant } from "~/platforms/merchant.server";
import { loader as launchRoute } from "~/routes/woocommerce.launch";
import { services } from "~/services.server";
import { addShop } from "../support/db";
import { APP_URL, args, resetDatabase, run } from "../routes/support";
import { ADMIN, Browser, missingWordPress, startWordPress, unescapeHtml, type WordPress } from "./wordpress";

const missing = missingWordPress();
if (missing) throw new Error(missing);

/** Only declares what the plugin asks of WooCommerce; see the file's header. */
const WOOCOMMERCE_STAND_IN = `<?php
/**
 * Plugin Name: WooCommerce
 * Description: Test stand-in: the WooCommerce class, its capability and its admin screen, nothing else.
 * Version: 10.0.2
 */
class WooCommerce {}
register_activation_hook( __FILE__, function () {
	get_role( 'administrator' )->add_cap( 'manage_woocommerce' );
} );
add_action( 'admin_menu', function () {
	add_menu_page( 'WooCommerce', 'WooCommerce', 'manage_woocommerce', 'wc-admin', function () {
		echo '<div id="root"></div>';
	} );
} );
`;

const LAUNCH_SECRET = "wp-launch-secret-0123456789abcdefghijklmnopq";
const PAGE = "/wp-admin/admin.php?page=rfm-personas";
const db = () => services().db;

/** An attribute's value in one tag (WordPress quotes with " or '). */
const attr = (tag: string, name: string) => tag.match(new RegExp(`\\b${name}=(?:"([^"]*)"|'([^']*)')`))?.slice(1).find((v) => v !== undefined);

/** The fields a form on the page posts: its hidden inputs, by the form's action. */
function formFields(html: string, action: RegExp): Record<string, string> {
  const form = [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].find((m) => action.test(unescapeHtml(attr(m[0].slice(0, m[0].indexOf(">")), "action") ?? "")));
  if (!form) throw new Error(`no form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const [input] of form[0].matchAll(/<input\b[^>]*>/g)) {
    const name = attr(input, "name");
    if (name && attr(input, "type") === "hidden") fields[name] = unescapeHtml(attr(input, "value") ?? "");
  }
  return fields;
}

/** Activates a plugin through the Plugins screen's own link (with its nonce). */
async function activate(browser: Browser, pluginFile: string): Promise<void> {
  const { html } = await browser.page("/wp-admin/plugins.php");
  const link = [...html.matchAll(/href="(plugins\.php\?action=activate[^"]*)"/g)].map((m) => unescapeHtml(m[1])).find((href) => href.includes(`plugin=${encodeURIComponent(pluginFile)}`));
  if (!link) throw new Error(`no Activate link for ${pluginFile}`);
  const done = await browser.page(`/wp-admin/${link}`);
  expect(done.url).toContain("activate=true");
}

/** The text of the Users list's row for one user. */
function userRow(html: string, userId: number): string {
  const row = html.match(new RegExp(`<tr id=['"]user-${userId}['"][\\s\\S]*?</tr>`));
  if (!row) throw new Error(`no row for user ${userId}`);
  return row[0];
}

/** The store as the app holds it once connected: credentials and the launch secret. */
async function connectAppStore(siteUrl: string, secret: string, id: string): Promise<string> {
  const shopId = await addShop(db(), new URL(siteUrl).host, { platform: "woocommerce", id });
  await saveCredentials(db(), { shopId, siteUrl, consumerKey: "ck_1", consumerSecret: "cs_1", keyPermissions: "read_write", webhookSecret: "w", webhooks: {} });
  await saveLaunchSecret(db(), shopId, secret);
  return shopId;
}

let wp: WordPress;
let admin: Browser;

beforeAll(async () => {
  wp = await startWordPress({ "woocommerce/woocommerce.php": WOOCOMMERCE_STAND_IN });
  admin = await wp.admin();
}, 120_000);

afterAll(async () => {
  await wp?.stop();
});

describe("GIVEN our plugin copied into a fresh WordPress without WooCommerce", () => {
  it("WHEN the admin activates it in Plugins THEN every admin screen says WooCommerce is required", async () => {
    await activate(admin, "rfm-personas/rfm-personas.php");

    const { res, html } = await admin.page("/wp-admin/");

    expect(res.status).toBe(200);
    expect(html).toContain("RFM Personas: WooCommerce is required.");
  });

  it("WHEN the admin opens the RFM Personas menu THEN the page renders its settings, without Connect (nothing to connect yet) nor Open (no secret yet)", async () => {
    const { res, html } = await admin.page(PAGE);

    expect(res.status).toBe(200);
    expect(html).toMatch(/<h1>RFM Personas<\/h1>/);
    expect(html).toMatch(/href="[^"]*admin\.php\?page=rfm-personas"[^>]*>[\s\S]*?RFM Personas/);
    expect(html).toContain('name="rfm_personas_app_url"');
    expect(html).toContain("Not set yet.");
    expect(html).not.toContain("Connect this store");
    expect(html).not.toContain("Open RFM Personas");
  });

  it("WHEN the admin saves the app address and launch secret THEN WordPress's options API stores them and the page shows them saved", async () => {
    const page = await admin.page(PAGE);
    const fields = formFields(page.html, /options\.php$/);
    expect(fields).toMatchObject({ option_page: "rfm-personas", action: "update" });

    const saved = await admin.page("/wp-admin/options.php", { ...fields, rfm_personas_app_url: `${APP_URL}/`, rfm_personas_launch_secret: `${LAUNCH_SECRET} ` });

    expect(saved.url).toContain("settings-updated=true");
    expect(saved.html).toContain(`value="${APP_URL}"`);
    expect(saved.html).toContain("Saved. Leave empty to keep it.");
    expect(saved.html).not.toContain(LAUNCH_SECRET);
    expect(JSON.parse(wp.php("echo wp_json_encode( array( get_option( 'rfm_personas_app_url' ), get_option( 'rfm_personas_launch_secret' ) ) );"))).toEqual([
      `${APP_URL}/`,
      LAUNCH_SECRET,
    ]);

    // An empty secret field keeps the saved secret.
    const again = formFields(saved.html, /options\.php$/);
    await admin.page("/wp-admin/options.php", { ...again, rfm_personas_app_url: APP_URL, rfm_personas_launch_secret: "" });
    expect(wp.php("echo get_option( 'rfm_personas_launch_secret' );")).toBe(LAUNCH_SECRET);
  });

  it("WHEN the admin clicks Open RFM Personas THEN WordPress redirects to the app with a token the app's verifier accepts for this store only, once, until it expires, and the app's launch route opens a session for this store", async () => {
    await resetDatabase();
    const shopId = await connectAppStore(wp.url, LAUNCH_SECRET, "shop_wordpress");
    await connectAppStore("https://other-store.example", "another-store-secret", "shop_other");
    /** A fresh click on Open: the token in the redirect WordPress answers. */
    const launch = async () => {
      const page = await admin.page(PAGE);
      expect(page.html).toContain("Open RFM Personas");
      const res = await admin.request("/wp-admin/admin-post.php", { form: { ...formFields(page.html, /admin-post\.php$/), submit: "Open RFM Personas" } });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(`${APP_URL}/woocommerce/launch`);
      return location.searchParams.get("token")!;
    };

    const token = await launch();
    expect(await verifyLaunchToken(db(), token)).toEqual({ ok: true, shopId, domain: new URL(wp.url).host, user: 1 });
    expect(await verifyLaunchToken(db(), token)).toMatchObject({ ok: false, reason: "replayed" });

    // The whole way: the app's launch route opens a session for this store with a fresh one.
    const fresh = await launch();
    const opened = await run(() => launchRoute(args(new Request(`${APP_URL}/woocommerce/launch?${new URLSearchParams({ token: fresh })}`))));
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("/app");
    const session = (opened.headers.get("set-cookie") ?? "").split(";")[0];
    const merchant = await requireMerchant(new Request(`${APP_URL}/app`, { headers: { Cookie: session } }));
    expect(merchant.shop).toMatchObject({ id: shopId, platform: "woocommerce" });

    const later = new Date(Date.now() + 10 * 60_000);
    expect(await verifyLaunchToken(db(), await launch(), later)).toMatchObject({ ok: false, status: 401, reason: "expired" });

    // The app holds another secret for this site (the store connected again since): forged.
    await saveLaunchSecret(db(), shopId, "the-secret-of-a-newer-connection");
    expect(await verifyLaunchToken(db(), await launch())).toMatchObject({ ok: false, status: 401, reason: "forged" });

    // This store is disconnected; the other store's connection does not take its tokens.
    await db().prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(new Date(), shopId);
    expect(await verifyLaunchToken(db(), await launch())).toMatchObject({ ok: false, status: 403, reason: "unknown-store" });
  });

  it("WHEN a launch is posted without the page's nonce THEN WordPress refuses it and no token is made", async () => {
    const res = await admin.request("/wp-admin/admin-post.php", { form: { action: "rfm_personas_launch" } });

    expect(res.status).not.toBe(302);
    expect(res.headers.get("location")).toBeNull();
  });

  it("WHEN a subscriber tries the menu page or the launch THEN WordPress refuses both", async () => {
    wp.php("wp_insert_user( array( 'user_login' => 'sam', 'user_pass' => 'sam-password-1', 'user_email' => 'sam@store.test', 'role' => 'subscriber' ) );");
    const sam = await wp.login("sam", "sam-password-1");

    const page = await sam.page(PAGE);
    const launch = await sam.request("/wp-admin/admin-post.php", { form: { action: "rfm_personas_launch" } });

    expect(page.res.status).toBe(403);
    expect(launch.status).toBe(403);
    expect(launch.headers.get("location")).toBeNull();
  });

  it("WHEN customers carry the persona as user meta (as WooCommerce stores customer meta) THEN Users shows it in a Persona column, escaped, and a dash for the unscored", async () => {
    const ids = JSON.parse(
      wp.php(`
        $make = function ( $login, $persona ) {
          $id = wp_insert_user( array( 'user_login' => $login, 'user_pass' => wp_generate_password(), 'user_email' => $login . '@store.test', 'role' => 'subscriber' ) );
          if ( null !== $persona ) { update_user_meta( $id, 'rfm_persona', $persona ); }
          return $id;
        };
        echo wp_json_encode( array( $make( 'alice', 'Champions' ), $make( 'carol', "Can't Lose Them" ), $make( 'bob', null ) ) );
      `),
    ) as [number, number, number];

    const { res, html } = await admin.page("/wp-admin/users.php");

    expect(res.status).toBe(200);
    expect(html).toMatch(/<th scope="col" id=['"]rfm_persona['"][^>]*>Persona<\/th>/);
    expect(userRow(html, ids[0])).toMatch(/<td class='rfm_persona column-rfm_persona'[^>]*>Champions<\/td>/);
    expect(userRow(html, ids[1])).toMatch(/column-rfm_persona'[^>]*>Can&#039;t Lose Them<\/td>/);
    expect(userRow(html, ids[2])).toMatch(/column-rfm_persona'[^>]*>—<\/td>/);
  });

  it("WHEN the app's persona page links Users filtered to a persona THEN only that persona's customers are listed", async () => {
    const id = (login: string) => Number(wp.php(`echo get_user_by( 'login', '${login}' )->ID;`));

    const { res, html } = await admin.page(`/wp-admin/users.php?${new URLSearchParams({ rfm_persona: "Can't Lose Them" })}`);

    expect(res.status).toBe(200);
    expect(userRow(html, id("carol"))).toMatch(/column-rfm_persona'[^>]*>Can&#039;t Lose Them<\/td>/);
    expect(() => userRow(html, id("alice"))).toThrow();
    expect(() => userRow(html, id("bob"))).toThrow();
  });
});

describe("GIVEN WooCommerce active next to our plugin", () => {
  beforeAll(async () => {
    await activate(admin, "woocommerce/woocommerce.php");
  });

  it("WHEN the admin opens the menu page THEN the WooCommerce notice is gone and Connect this store points the app at this site", async () => {
    const { html } = await admin.page(PAGE);

    expect(html).not.toContain("WooCommerce is required");
    const connect = html.match(/<a class="button" href="([^"]*)"[^>]*>\s*Connect this store/);
    expect(connect).not.toBeNull();
    expect(unescapeHtml(connect![1])).toBe(`${APP_URL}/woocommerce/connect?${new URLSearchParams({ store: wp.url })}`);
  });

  it("WHEN a shop manager (manage_woocommerce, not manage_options) saves the settings THEN WordPress accepts them", async () => {
    wp.php(`
      $id = wp_insert_user( array( 'user_login' => 'manager', 'user_pass' => 'manager-password-1', 'user_email' => 'manager@store.test', 'role' => 'editor' ) );
      ( new WP_User( $id ) )->add_cap( 'manage_woocommerce' );
    `);
    const manager = await wp.login("manager", "manager-password-1");
    const page = await manager.page(PAGE);
    expect(page.res.status).toBe(200);

    const saved = await manager.page("/wp-admin/options.php", { ...formFields(page.html, /options\.php$/), rfm_personas_app_url: "https://rfm.example.com", rfm_personas_launch_secret: "" });

    expect(saved.res.status).toBe(200);
    expect(saved.url).toContain("settings-updated=true");
    expect(wp.php("echo get_option( 'rfm_personas_app_url' );")).toBe("https://rfm.example.com");
    expect(wp.php("echo get_option( 'rfm_personas_launch_secret' );")).toBe(LAUNCH_SECRET);
  });

  it("WHEN the WooCommerce Admin screen loads THEN the customers-report script is enqueued there (with wp-hooks) and on no other screen", async () => {
    const wcAdmin = await admin.page("/wp-admin/admin.php?page=wc-admin");
    const users = await admin.page("/wp-admin/users.php");

    expect(wcAdmin.res.status).toBe(200);
    expect(wcAdmin.html).toMatch(/<script[^>]+src=['"][^'"]*\/wp-content\/plugins\/rfm-personas\/assets\/customers-report\.js\?ver=0\.2\.0['"]/);
    // wp-hooks (a file of its own or in load-scripts.php's bundle) comes first: the script needs it.
    expect(wcAdmin.html.search(/wp-hooks|\/js\/dist\/hooks(\.min)?\.js/)).toBeGreaterThan(-1);
    expect(wcAdmin.html.search(/wp-hooks|\/js\/dist\/hooks(\.min)?\.js/)).toBeLessThan(wcAdmin.html.indexOf("customers-report.js"));
    expect(users.html).not.toContain("customers-report.js");
  });

  it("WHEN WordPress's own wp-hooks and wp-i18n run our script as WordPress serves it THEN the customers table gains the Persona column", async () => {
    const served = async (p: string) => {
      const res = await admin.request(p);
      expect(res.status).toBe(200);
      return res.text();
    };
    const page = vm.createContext({});
    page.window = page;
    for (const script of ["/wp-includes/js/dist/hooks.min.js", "/wp-includes/js/dist/i18n.min.js", "/wp-content/plugins/rfm-personas/assets/customers-report.js"]) {
      vm.runInContext(await served(script), page);
    }

    const table = page.wp.hooks.applyFilters("woocommerce_admin_report_table", {
      endpoint: "customers",
      headers: [{ label: "Name", key: "name" }],
      rows: [[{ display: "Alice", value: "Alice" }], [{ display: "Guest", value: "Guest" }]],
      items: { data: [{ user_id: 2, rfm_persona: "Champions" }, { user_id: 0, rfm_persona: "" }] },
    });

    expect(JSON.parse(JSON.stringify(table))).toMatchObject({
      headers: [{ key: "name" }, { label: "Persona", key: "rfm_persona" }],
      rows: [
        [{ display: "Alice" }, { display: "Champions", value: "Champions" }],
        [{ display: "Guest" }, { display: "\u2014", value: "" }],
      ],
    });
  });

  it("WHEN the customers report prepares its REST rows THEN our filter adds each customer's persona ('' for guests)", () => {
    const rows = JSON.parse(
      wp.php(`
        $alice = get_user_by( 'login', 'alice' )->ID;
        $bob   = get_user_by( 'login', 'bob' )->ID;
        $out   = array();
        foreach ( array( array( 'id' => 1, 'user_id' => $alice, 'name' => 'Alice' ), array( 'id' => 2, 'user_id' => $bob, 'name' => 'Bob' ), array( 'id' => 3, 'user_id' => 0, 'name' => 'Guest' ) ) as $row ) {
          $response = apply_filters( 'woocommerce_rest_prepare_report_customers', rest_ensure_response( $row ), $row, new WP_REST_Request( 'GET', '/wc-analytics/reports/customers' ) );
          $out[]    = $response->get_data();
        }
        echo wp_json_encode( $out );
      `),
    );

    expect(rows.map((r: { name: string; rfm_persona: string }) => [r.name, r.rfm_persona])).toEqual([
      ["Alice", "Champions"],
      ["Bob", ""],
      ["Guest", ""],
    ]);
  });

  it("WHEN the customers report exports its CSV THEN our filters add a Persona column and each row's persona", () => {
    const out = JSON.parse(
      wp.php(`
        $row = array( 'id' => 1, 'user_id' => get_user_by( 'login', 'alice' )->ID, 'name' => 'Alice' );
        echo wp_json_encode( array(
          'columns' => apply_filters( 'woocommerce_report_customers_export_columns', array( 'name' => 'Name' ) ),
          'item'    => apply_filters( 'woocommerce_report_customers_prepare_export_item', array( 'name' => 'Alice' ), $row ),
        ) );
      `),
    );

    expect(out).toEqual({ columns: { name: "Name", rfm_persona: "Persona" }, item: { name: "Alice", rfm_persona: "Champions" } });
  });

  it("THEN WordPress logged no PHP warning or error from our plugin in the whole run", () => {
    expect(wp.debugLog().split("\n").filter((line) => line.includes("rfm-personas"))).toEqual([]);
  });
});

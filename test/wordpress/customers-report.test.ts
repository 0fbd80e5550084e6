/**
 * The persona column on WooCommerce → Customers, offline: the plugin's PHP filter for the
 * report's REST rows run by php-cli (the real function from the plugin, with WordPress's two
 * functions it calls standing in), and the plugin's script evaluated by Node against a small
 * `wp.hooks` that applies filters as WordPress's does. A real WooCommerce is not run here:
 * see the plugin's readme.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { hasPhp } from "./wordpress";

const PLUGIN = path.resolve(import.meta.dirname, "../../extensions/woocommerce/rfm-personas");
const php = hasPhp;

const phpFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? phpFiles(path.join(dir, e.name)) : e.name.endsWith(".php") ? [path.join(dir, e.name)] : []));

describe("GIVEN the plugin's PHP", () => {
  it.skipIf(!php)("WHEN PHP lints every file THEN none has a syntax error", () => {
    for (const file of phpFiles(PLUGIN)) {
      expect(execFileSync("php", ["-l", file], { encoding: "utf8" })).toContain("No syntax errors detected");
    }
  });
});

interface ReportRow {
  id: number;
  user_id: number | null;
  name: string;
}

/**
 * Runs PHP with the plugin's includes/customers-report.php loaded and WordPress's functions it
 * calls standing in: get_user_meta() over `userMeta`, __() as the identity, WP_REST_Response.
 * `rows` arrive as $rows; what the code echoes comes back parsed.
 */
function runReportPhp(code: string, rows: ReportRow[], userMeta: Record<number, Record<string, string>>): unknown {
  const boot = `
    define( 'ABSPATH', '/' );
    class WP_REST_Response { public $data; public function __construct( $data ) { $this->data = $data; } }
    $GLOBALS['meta'] = json_decode( $argv[3], true );
    function get_user_meta( $user_id, $key, $single ) {
      // WordPress answers '' for a missing key when $single is true.
      return $GLOBALS['meta'][ $user_id ][ $key ] ?? '';
    }
    function __( $text, $domain ) { return $text; }
    require $argv[1];
    $rows = json_decode( $argv[2], true );
  `;
  const out = execFileSync("php", ["-r", `${boot}\n${code}`, "--", path.join(PLUGIN, "includes/customers-report.php"), JSON.stringify(rows), JSON.stringify(userMeta)], { encoding: "utf8" });
  return JSON.parse(out);
}

/** rfm_personas_report_customer_persona() over report rows: the rows the REST response answers. */
const filterRows = (rows: ReportRow[], userMeta: Record<number, Record<string, string>>) =>
  runReportPhp(`echo json_encode( array_map( function ( $row ) { return rfm_personas_report_customer_persona( new WP_REST_Response( $row ), $row )->data; }, $rows ) );`, rows, userMeta) as Array<
    Record<string, unknown>
  >;

describe("GIVEN the customers report's REST rows WHEN the plugin's filter prepares them", () => {
  it.skipIf(!php)("THEN a scored customer's row carries their persona and every other field unchanged", () => {
    const rows = filterRows([{ id: 11, user_id: 7, name: "Alice" }], { 7: { rfm_persona: "Champions", billing_phone: "555" } });

    expect(rows).toEqual([{ id: 11, user_id: 7, name: "Alice", rfm_persona: "Champions" }]);
  });

  it.skipIf(!php)("THEN an unscored customer and guests (user_id 0 or null) carry an empty persona", () => {
    const rows = filterRows(
      [
        { id: 12, user_id: 8, name: "Bob" },
        { id: 13, user_id: 0, name: "Guest" },
        { id: 14, user_id: null, name: "Old guest" },
      ],
      { 7: { rfm_persona: "Champions" } },
    );

    expect(rows.map((r) => [r.name, r.rfm_persona])).toEqual([
      ["Bob", ""],
      ["Guest", ""],
      ["Old guest", ""],
    ]);
  });
});

describe("GIVEN the customers report's CSV export WHEN the plugin's export filters run", () => {
  it.skipIf(!php)("THEN a Persona column is added after the report's own and each exported row carries its persona ('' for guests)", () => {
    const out = runReportPhp(
      `echo json_encode( array(
        'columns' => rfm_personas_report_customers_export_columns( array( 'name' => 'Name', 'email' => 'Email' ) ),
        'items'   => array_map( function ( $row ) { return rfm_personas_report_customers_export_item( array( 'name' => $row['name'] ), $row ); }, $rows ),
      ) );`,
      [
        { id: 11, user_id: 7, name: "Alice" },
        { id: 13, user_id: 0, name: "Guest" },
      ],
      { 7: { rfm_persona: "At Risk" } },
    ) as { columns: Record<string, string>; items: Array<Record<string, string>> };

    expect(Object.entries(out.columns)).toEqual([
      ["name", "Name"],
      ["email", "Email"],
      ["rfm_persona", "Persona"],
    ]);
    expect(out.items).toEqual([
      { name: "Alice", rfm_persona: "At Risk" },
      { name: "Guest", rfm_persona: "" },
    ]);
  });
});

/** WordPress's `wp.hooks` as far as the script uses it: filters added by name, applied in order. */
function hooksStandIn() {
  const filters = new Map<string, Array<(value: unknown) => unknown>>();
  return {
    addFilter(name: string, _namespace: string, callback: (value: unknown) => unknown) {
      filters.set(name, [...(filters.get(name) ?? []), callback]);
    },
    applyFilters(name: string, value: unknown) {
      return (filters.get(name) ?? []).reduce((v, f) => f(v), value);
    },
  };
}

/** Loads the plugin's script as the browser would, into a page with `wp` (or without). */
function loadScript(wp: unknown) {
  vm.runInNewContext(readFileSync(path.join(PLUGIN, "assets/customers-report.js"), "utf8"), { window: { wp } });
}

interface Cell {
  display: string;
  value: string | number;
}
interface Table {
  endpoint: string;
  headers: Array<{ label: string; key: string }>;
  rows: Cell[][];
  items?: { data: Array<Record<string, unknown>> };
}

/** What WooCommerce Admin's customers report hands the filter: its own columns, rows in the order of items.data. */
const customersTable = (): Table => ({
  endpoint: "customers",
  headers: [
    { label: "Name", key: "name" },
    { label: "Orders", key: "orders_count" },
  ],
  rows: [
    [
      { display: "Alice", value: "Alice" },
      { display: "3", value: 3 },
    ],
    [
      { display: "Guest", value: "Guest" },
      { display: "1", value: 1 },
    ],
  ],
  items: {
    data: [
      { id: 11, user_id: 7, name: "Alice", orders_count: 3, rfm_persona: "Champions" },
      { id: 13, user_id: 0, name: "Guest", orders_count: 1, rfm_persona: "" },
    ],
  },
});

describe("GIVEN WooCommerce Admin with the plugin's script loaded WHEN the customers report builds its table", () => {
  it("THEN a Persona header is added after the report's own, and each row gets its customer's persona (a dash when none)", () => {
    const hooks = hooksStandIn();
    loadScript({ hooks, i18n: { __: (text: string) => text } });

    const table = hooks.applyFilters("woocommerce_admin_report_table", customersTable()) as Table;

    expect(table.headers.map((h) => h.key)).toEqual(["name", "orders_count", "rfm_persona"]);
    expect(table.headers[2]).toMatchObject({ label: "Persona", key: "rfm_persona" });
    expect(table.rows.map((row) => row.length)).toEqual([3, 3]);
    expect(table.rows[0][2]).toEqual({ display: "Champions", value: "Champions" });
    expect(table.rows[1][2]).toEqual({ display: "\u2014", value: "" });
  });

  it("THEN rows whose report item has no persona field (the REST filter absent) show a dash", () => {
    const hooks = hooksStandIn();
    loadScript({ hooks });
    const input = customersTable();
    input.items = { data: input.items!.data.map(({ rfm_persona: _drop, ...rest }) => rest) };

    const table = hooks.applyFilters("woocommerce_admin_report_table", input) as Table;

    expect(table.rows.map((row) => row[2])).toEqual([
      { display: "\u2014", value: "" },
      { display: "\u2014", value: "" },
    ]);
  });

  it("THEN other reports' tables are left as they were", () => {
    const hooks = hooksStandIn();
    loadScript({ hooks });
    const orders = { ...customersTable(), endpoint: "orders" };

    expect(hooks.applyFilters("woocommerce_admin_report_table", orders)).toBe(orders);
  });

  it("THEN a page without wp.hooks loads the script without an error", () => {
    expect(() => loadScript(undefined)).not.toThrow();
  });
});

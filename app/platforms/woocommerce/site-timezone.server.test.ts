/** Reading a WooCommerce shop's zone from WordPress's REST index, or from an order's dates. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { timeZoneOfIndex, timeZoneOfOrder } from "./site-timezone.server";

const captures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..", "shared", "woocommerce", "captures");
const rest = (name: string): unknown => JSON.parse(readFileSync(path.join(captures, `rest/${name}.json`), "utf8")).response.body;

describe("the REST index's time zone", () => {
  it.each([
    [{ timezone_string: "America/New_York", gmt_offset: -5 }, "America/New_York"],
    [{ timezone_string: "", gmt_offset: "2" }, "+02:00"],
    [{ timezone_string: "", gmt_offset: "-5.5" }, "-05:30"],
    [{ timezone_string: "", gmt_offset: 5.75 }, "+05:45"],
    [{ timezone_string: "", gmt_offset: "0" }, "UTC"],
    [{ timezone_string: "Not/A_Zone", gmt_offset: 1 }, "+01:00"],
    [{ timezone_string: "" }, null],
    [{ timezone_string: "", gmt_offset: "" }, null],
    [{ timezone_string: "", gmt_offset: "40" }, null],
    [{ code: "rest_not_logged_in" }, null],
    [null, null],
  ])("GIVEN %j WHEN read THEN the zone is %s", (index, zone) => {
    expect(timeZoneOfIndex(index)).toBe(zone);
  });
});

describe("an order's local and GMT dates", () => {
  it("GIVEN the captured store's orders (New York) WHEN read THEN their offsets are New York's on their dates", async () => {
    expect(timeZoneOfOrder(rest("order-on-hold"))).toBe("-05:00"); // 2026-11-27: EST
    expect(timeZoneOfOrder(rest("order-subscription-renewal"))).toBe("-04:00"); // 2026-09-25: EDT
  });

  it("GIVEN dates missing or not WooCommerce's shape WHEN read THEN no zone", async () => {
    expect(timeZoneOfOrder({ date_created: "2026-11-27T20:06:57" })).toBeNull();
    expect(timeZoneOfOrder({ date_created: "2026-11-27T20:06:57Z", date_created_gmt: "2026-11-28T01:06:57" })).toBeNull();
    expect(timeZoneOfOrder(null)).toBeNull();
  });
});

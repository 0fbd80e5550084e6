import { afterEach, describe, expect, it } from "vitest";
import { createManualClock } from "../kit/clock";
import { startWooSimulator, type WooSimulator } from "./index";

/** WordPress's public REST index and the site's zone (no capture: WordPress's documented behaviour, see site-index.ts). */
let sim: WooSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const index = async (path: string) => {
  const res = await fetch(`${sim!.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("GET /wp-json/", () => {
  it("GIVEN a store in New York WHEN the index is read without credentials THEN it names the zone and its current offset in hours, in both URL forms", async () => {
    sim = await startWooSimulator({ timeZone: "America/New_York", clock: createManualClock(Date.parse("2026-01-15T12:00:00Z")) });
    const pretty = await index("/wp-json/");
    expect(pretty.status).toBe(200);
    expect(pretty.body).toMatchObject({ timezone_string: "America/New_York", gmt_offset: -5, url: sim.url, home: sim.url });
    expect((await index("/?rest_route=/")).body).toMatchObject({ timezone_string: "America/New_York", gmt_offset: -5 });
  });

  it("GIVEN the merchant picks a manual offset WHEN the index is read THEN timezone_string is empty and gmt_offset is the stored string; order local dates follow", async () => {
    sim = await startWooSimulator({ timeZone: "America/New_York" });
    sim.shop.setTimeZone("UTC+5.5");
    expect((await index("/wp-json/")).body).toMatchObject({ timezone_string: "", gmt_offset: "5.5" });
    const { orderPayload } = await import("./payloads");
    const c = sim.shop.createCustomer({ email: "a@example.com" });
    const o = sim.shop.createOrder({ customerId: c.id, createdAt: "2026-01-15T20:00:00Z", lines: [{ name: "Beans", quantity: 1, unitPriceCents: 100 }] });
    expect(orderPayload(o, sim.shop.site)).toMatchObject({ date_created: "2026-01-16T01:30:00", date_created_gmt: "2026-01-15T20:00:00" });
  });

  it("GIVEN a security plugin closing the index WHEN read anonymously THEN 401 rest_not_logged_in", async () => {
    sim = await startWooSimulator();
    sim.shop.restIndexClosed = true;
    expect(await index("/wp-json/")).toMatchObject({ status: 401, body: { code: "rest_not_logged_in" } });
  });
});

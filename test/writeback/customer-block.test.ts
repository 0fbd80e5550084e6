/**
 * The customer page block's view model: what the block shows from the persona metafields,
 * and — through the simulator — that its query reads what write-back wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWriteback } from "~/platforms/shopify/writeback/writer.server";
import {
  appUrl,
  CUSTOMER_PERSONA_QUERY,
  formatDay,
  personaView,
  pickNamespace,
  type MetafieldValue,
} from "../../extensions/rfm-customer-block/src/view-model";
import { validateAdminDocument } from "../../sim/shopify";
import { createTestShop, customerGid, scoredCustomer, startWritebackSim, type WritebackSim } from "./support";

const mf = (key: string, value: string, namespace = "rfm"): MetafieldValue => ({ namespace, key, value });
const NOW = new Date("2026-11-13T09:00:00Z");
const written = [
  mf("persona", "Champions"),
  mf("r_score", "5"),
  mf("f_score", "4"),
  mf("m_score", "5"),
  mf("score", "545"),
  mf("previous_persona", "Loyal"),
  mf("persona_since", "2026-11-01"),
  mf("computed_at", "2026-11-01T06:00:00Z"),
];

describe("customer block view model", () => {
  it("GIVEN the persona metafields WHEN viewed THEN persona, scores, history and a link to the app are shown", async () => {
    expect(personaView(written, { now: NOW, customerId: "gid://shopify/Customer/42" })).toEqual({
      namespace: "rfm",
      persona: "Champions",
      tone: "success",
      scores: { r: 5, f: 4, m: 5 },
      scoreLabel: "R 5 · F 4 · M 5",
      previousPersona: "Loyal",
      sinceLabel: "Since 1 Nov 2026 (12 days)",
      computedLabel: "Computed 1 Nov 2026, 06:00 UTC",
      appUrl: "app:/app/customers?q=gid%3A%2F%2Fshopify%2FCustomer%2F42",
    });
  });

  it("GIVEN no persona metafields WHEN viewed THEN the block says there is no persona", async () => {
    const view = personaView([mf("colour", "blue", "custom")], { now: NOW });
    expect(view).toMatchObject({ persona: null, scoreLabel: null, sinceLabel: null, previousPersona: null, appUrl: "app:/app" });
  });

  it("GIVEN a custom namespace, odd values and other apps' metafields WHEN viewed THEN only valid values of ours are used", async () => {
    const view = personaView(
      [mf("persona", "VIP Whales", "crm"), mf("r_score", "9", "crm"), mf("f_score", "x", "crm"), mf("persona_since", "soon", "crm"), mf("persona", "", "other")],
      { now: NOW },
    );
    expect(view).toMatchObject({ namespace: "crm", persona: "VIP Whales", tone: "info", scoreLabel: null, sinceLabel: null });
    expect(pickNamespace([mf("persona", "A", "zzz"), mf("persona", "B", "rfm")])).toBe("rfm");
    expect(formatDay("2026-02-30")).toBeNull();
    expect(formatDay("2026-11-01")).toBe("1 Nov 2026");
    expect(appUrl(undefined)).toBe("app:/app");
  });

  it("GIVEN a customer carrying our app-reserved metafields and not yet cleaned legacy ones WHEN viewed THEN the app-reserved ones are shown", async () => {
    const legacy = [mf("persona", "Lost"), mf("r_score", "1")];
    const ours = [mf("persona", "Champions", "app--4242"), mf("r_score", "5", "app--4242")];
    expect(personaView([...legacy, ...ours], { now: NOW })).toMatchObject({ namespace: "app--4242", persona: "Champions", scores: { r: 5 } });
    expect(pickNamespace([mf("persona", "A", "zzz"), mf("persona", "B", "rfm"), mf("persona", "C", "app--4242")])).toBe("app--4242");
  });

  it("GIVEN the block's query WHEN validated THEN the real Admin schema accepts it", async () => {
    expect(validateAdminDocument(CUSTOMER_PERSONA_QUERY).map((e) => e.message)).toEqual([]);
  });

  describe("against the simulator", () => {
    let h: WritebackSim;
    beforeAll(async () => {
      h = await startWritebackSim();
    });
    afterAll(async () => {
      await h.sim.stop();
    });

    it("GIVEN a written-back customer WHEN the block queries it THEN it shows the customer's persona", async () => {
      const t = await createTestShop(h, { count: 3, customers: [scoredCustomer(0, h.clock.now()), scoredCustomer(1, h.clock.now())] });
      await runWriteback(t.shopId, t.deps);

      const response = await t.shop.graphql<{ customer: { metafields: { nodes: MetafieldValue[] } } }>(CUSTOMER_PERSONA_QUERY, {
        id: customerGid(1),
      });
      const view = personaView(response.data!.customer.metafields.nodes, { now: new Date(h.clock.now()), customerId: customerGid(1) });

      expect(view.namespace).toBe(`app--${h.sim.app.apiClientId}`);
      expect(view.persona).toBe("Loyal");
      expect(view.scoreLabel).toBe("R 2 · F 1 · M 1");
      expect(view.sinceLabel).toMatch(/^Since \d+ \w+ 2026 \(\d+ days?\)$/);
    });
  });
});

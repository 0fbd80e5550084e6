import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metafieldDefinitionsFromAppToml, startSimulator, webhookHmac, type Simulator } from "./index";
import { startReceiver } from "../kit/receiver";

/**
 * App-reserved metafields as Shopify treats them: `$app` is the caller's `app--<client id>`,
 * only the owning app writes (or sees) its namespace, declared TOML definitions exist at install,
 * and every change to a customer's tags or metafields is announced as customers/update.
 */

const ADA = "gid://shopify/Customer/7100000000001";
const OUR_APP = "424242";
const OTHER_APP = "777777";
const SECRET = "ownership-secret";

const SET = `#graphql
  mutation Set($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields { namespace key value }
      userErrors { field message code elementIndex }
    }
  }`;
const DELETE = `#graphql
  mutation Delete($metafields: [MetafieldIdentifierInput!]!) {
    metafieldsDelete(metafields: $metafields) {
      deletedMetafields { namespace key }
      userErrors { field message }
    }
  }`;
const READ = `#graphql
  query Read($id: ID!) {
    customer(id: $id) { metafields(first: 20) { nodes { namespace key value } } }
  }`;
const DEFINITIONS = `#graphql
  query Definitions {
    metafieldDefinitions(first: 20, ownerType: CUSTOMER, namespace: "$app") {
      nodes { namespace key type { name } access { admin } capabilities { adminFilterable { enabled } } }
    }
  }`;
const DEFINE = `#graphql
  mutation Define($definition: MetafieldDefinitionInput!) {
    metafieldDefinitionCreate(definition: $definition) {
      createdDefinition { id }
      userErrors { field message code }
    }
  }`;

type Nodes = { namespace: string; key: string; value: string }[];

describe("app-reserved metafields", () => {
  let sim: Simulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    const toml = readFileSync(path.resolve(import.meta.dirname, "..", "..", "shopify.app.toml"), "utf8");
    sim = await startSimulator({
      app: {
        apiKey: "own-key",
        apiSecret: SECRET,
        apiClientId: OUR_APP,
        appUrl: receiver.url,
        webhooks: [{ topics: ["customers/update"], uri: "/webhooks" }],
        metafieldDefinitions: metafieldDefinitionsFromAppToml(toml),
      },
      shops: [{ domain: "owned", customers: [{ id: 7100000000001, email: "ada@example.com" }] }],
    });
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });
  const shop = () => sim.shop("owned");
  const otherApp = () => shop().issueAccessToken({ apiClientId: OTHER_APP });

  it("GIVEN the app's shopify.app.toml WHEN the shop has the app installed THEN every declared definition exists under app--<id>, merchant-read and filterable", async () => {
    const res = await shop().graphql<{ metafieldDefinitions: { nodes: Record<string, unknown>[] } }>(DEFINITIONS);
    const nodes = res.data!.metafieldDefinitions.nodes;
    expect(nodes.map((n) => n.key).sort()).toEqual(
      ["computed_at", "f_score", "m_score", "persona", "persona_since", "previous_persona", "r_score", "score"].sort(),
    );
    for (const n of nodes) {
      expect(n).toMatchObject({ namespace: `app--${OUR_APP}`, access: { admin: "MERCHANT_READ" }, capabilities: { adminFilterable: { enabled: true } } });
    }
  });

  it("GIVEN our $app metafield WHEN another app writes or deletes it THEN APP_NOT_AUTHORIZED and the value stays ours", async () => {
    const ours = await shop().graphql<{ metafieldsSet: { userErrors: unknown[] } }>(SET, {
      metafields: [{ ownerId: ADA, namespace: "$app", key: "persona", type: "single_line_text_field", value: "Champions" }],
    });
    expect(ours.data!.metafieldsSet.userErrors).toEqual([]);

    const token = otherApp();
    const overwrite = await shop().graphql<{ metafieldsSet: { metafields: unknown[]; userErrors: { code: string }[] } }>(
      SET,
      { metafields: [{ ownerId: ADA, namespace: `app--${OUR_APP}`, key: "persona", type: "single_line_text_field", value: "Lost" }] },
      { token },
    );
    expect(overwrite.data!.metafieldsSet.metafields).toEqual([]);
    expect(overwrite.data!.metafieldsSet.userErrors).toEqual([
      expect.objectContaining({ code: "APP_NOT_AUTHORIZED", field: ["metafields", "0", "namespace"] }),
    ]);
    const removal = await shop().graphql<{ metafieldsDelete: { deletedMetafields: unknown[]; userErrors: unknown[] } }>(
      DELETE,
      { metafields: [{ ownerId: ADA, namespace: `app--${OUR_APP}`, key: "persona" }] },
      { token },
    );
    expect(removal.data!.metafieldsDelete.deletedMetafields).toEqual([null]);
    expect(removal.data!.metafieldsDelete.userErrors).toHaveLength(1);

    // The other app's `$app` is its own namespace; ours is invisible to it.
    const theirs = await shop().graphql(SET, {
      metafields: [{ ownerId: ADA, namespace: "$app", key: "persona", type: "single_line_text_field", value: "Theirs" }],
    }, { token });
    expect(theirs.data).toMatchObject({ metafieldsSet: { userErrors: [] } });
    const seenByThem = await shop().graphql<{ customer: { metafields: { nodes: Nodes } } }>(READ, { id: ADA }, { token });
    expect(seenByThem.data!.customer.metafields.nodes.map((n) => n.namespace)).toEqual([`app--${OTHER_APP}`]);
    const seenByUs = await shop().graphql<{ customer: { metafields: { nodes: Nodes } } }>(READ, { id: ADA });
    expect(seenByUs.data!.customer.metafields.nodes).toEqual([{ namespace: `app--${OUR_APP}`, key: "persona", value: "Champions" }]);
  });

  it("GIVEN a definition of one type WHEN a definition for the same key is created with another type THEN TAKEN, and values of the other type are refused", async () => {
    const definition = { name: "Score", namespace: "crm", key: "score", type: "number_integer", ownerType: "CUSTOMER" };
    expect((await shop().graphql(DEFINE, { definition })).data).toMatchObject({ metafieldDefinitionCreate: { userErrors: [] } });
    const again = await shop().graphql<{ metafieldDefinitionCreate: { userErrors: { code: string }[] } }>(DEFINE, {
      definition: { ...definition, type: "single_line_text_field" },
    });
    expect(again.data!.metafieldDefinitionCreate.userErrors.map((e) => e.code)).toEqual(["TAKEN"]);
    const write = await shop().graphql<{ metafieldsSet: { userErrors: { code: string }[] } }>(SET, {
      metafields: [{ ownerId: ADA, namespace: "crm", key: "score", type: "single_line_text_field", value: "545" }],
    });
    expect(write.data!.metafieldsSet.userErrors.map((e) => e.code)).toEqual(["INVALID_TYPE"]);
  });

  it("GIVEN a subscription to customers/update WHEN a metafield is set, set again unchanged, and deleted THEN two signed customers/update webhooks are sent", async () => {
    await sim.settle();
    const before = receiver.received.length;
    const metafield = { ownerId: ADA, namespace: "$app", key: "score", type: "single_line_text_field", value: "545" };
    await shop().graphql(SET, { metafields: [metafield] });
    await shop().graphql(SET, { metafields: [metafield] });
    await shop().graphql(DELETE, { metafields: [{ ownerId: ADA, namespace: "$app", key: "score" }] });
    await sim.settle();
    const echoes = receiver.received.slice(before);
    expect(echoes.map((r) => r.headers["x-shopify-topic"])).toEqual(["customers/update", "customers/update"]);
    for (const echo of echoes) {
      expect(echo.headers["x-shopify-hmac-sha256"]).toBe(webhookHmac(echo.rawBody, SECRET));
      expect(JSON.parse(echo.rawBody)).toMatchObject({ id: 7100000000001, admin_graphql_api_id: ADA });
    }
  });
});

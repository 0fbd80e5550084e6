import { parse } from "smol-toml";
import type { MetafieldOwnerType, SimMetafieldDefinition } from "./model";
import type { ShopStore } from "./store";

/**
 * Declarative custom data definitions (https://shopify.dev/docs/apps/build/custom-data/declarative-custom-data-definitions):
 * `[customer.metafields.app.<key>]` tables in shopify.app.toml. Shopify creates them in the app's
 * reserved namespace (`app--<api client id>`) on every shop that installs the app, so the app finds
 * them in place without calling metafieldDefinitionCreate.
 */
export interface DeclaredMetafieldDefinition {
  ownerType: MetafieldOwnerType;
  key: string;
  type: string;
  name: string;
  description?: string | null;
  /** TOML spelling: "merchant_read", "merchant_read_write", … (default merchant_read for app-owned). */
  access?: { admin?: string; storefront?: string; customer_account?: string };
  capabilities?: { admin_filterable?: boolean };
}

const OWNERS: Record<string, MetafieldOwnerType> = { customer: "CUSTOMER", order: "ORDER", shop: "SHOP" };

/** Reads the `<owner>.metafields.app.<key>` tables of a shopify.app.toml (owners the simulator models). */
export function metafieldDefinitionsFromAppToml(toml: string): DeclaredMetafieldDefinition[] {
  const config = parse(toml) as Record<string, unknown>;
  const out: DeclaredMetafieldDefinition[] = [];
  for (const [owner, ownerType] of Object.entries(OWNERS)) {
    const app = ((config[owner] as Record<string, unknown> | undefined)?.metafields as Record<string, unknown> | undefined)?.app as
      | Record<string, Record<string, unknown>>
      | undefined;
    for (const [key, table] of Object.entries(app ?? {})) {
      if (typeof table?.type !== "string" || typeof table.name !== "string") {
        throw new Error(`shopify.app.toml: [${owner}.metafields.app.${key}] needs a type and a name`);
      }
      out.push({
        ownerType,
        key,
        type: table.type,
        name: table.name,
        description: typeof table.description === "string" ? table.description : null,
        access: (table.access as DeclaredMetafieldDefinition["access"]) ?? undefined,
        capabilities: (table.capabilities as DeclaredMetafieldDefinition["capabilities"]) ?? undefined,
      });
    }
  }
  return out;
}

const upper = (value: string | undefined, fallback: string) => (value ? value.toUpperCase() : fallback);

/** Creates the app's declared definitions in a shop (at install, as Shopify does); existing ones are left as they are. */
export function applyDeclaredDefinitions(store: ShopStore, apiClientId: string, declared: readonly DeclaredMetafieldDefinition[]): void {
  const namespace = `app--${apiClientId}`;
  for (const d of declared) {
    if (store.findDefinition(d.ownerType, namespace, d.key)) continue;
    const definition: SimMetafieldDefinition = {
      __typename: "MetafieldDefinition",
      id: store.nextId("MetafieldDefinition"),
      ownerType: d.ownerType,
      namespace,
      key: d.key,
      name: d.name,
      description: d.description ?? null,
      type: d.type,
      adminFilterable: d.capabilities?.admin_filterable ?? false,
      pinnedPosition: null,
      access: {
        admin: upper(d.access?.admin, "MERCHANT_READ"),
        storefront: upper(d.access?.storefront, "NONE"),
        customerAccount: upper(d.access?.customer_account, "NONE"),
      },
      validations: [],
      createdAt: store.now(),
    };
    store.metafieldDefinitions.set(definition.id, definition);
  }
}

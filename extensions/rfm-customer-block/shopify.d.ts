// The `shopify` global the admin provides to this extension's module (as `shopify app
// generate` writes it), typed for the customer-details block target.
import "@shopify/ui-extensions";

//@ts-ignore -- module augmentation of a source file, as the Shopify CLI generates it
declare module "./src/BlockExtension.tsx" {
  const shopify: import("@shopify/ui-extensions/admin.customer-details.block.render").Api;
  const globalThis: { shopify: typeof shopify };
}

/**
 * Imported first by a bench that loads app modules: some read the app's environment when loaded,
 * which a bench has no use for. Placeholders only where nothing is set.
 */
process.env.SHOPIFY_API_KEY ??= "bench-key";
process.env.SHOPIFY_API_SECRET ??= "bench-secret";
process.env.SHOPIFY_APP_URL ??= "http://localhost";

/**
 * The Admin API client for background work on a shop: the library's offline session for
 * the shop's domain, wrapped for resilience (throttle waits, retries) — the one place that does.
 */
import prisma from "~/db.server";
import { env } from "~/env.server";
import { fromLibraryAdmin, resilient, traced, type AdminGraphql } from "./admin-graphql.server";
import { unauthenticated } from "./shopify.server";

/** Unwrapped: write-back paces, retries and counts its own traffic. */
export async function rawGraphqlFor(shopId: string): Promise<AdminGraphql> {
  const shop = await prisma.shop.findUnique({ where: { id: shopId } });
  if (!shop) throw new Error(`unknown shop ${shopId}`);
  const { admin } = await unauthenticated.admin(shop.domain);
  const client = fromLibraryAdmin(admin);
  // At debug level every call is logged with its length: where a job's time went.
  return env().LOG_LEVEL === "debug" ? traced(client, shop.domain, (line) => console.log(line)) : client;
}

export async function graphqlFor(shopId: string): Promise<AdminGraphql> {
  return resilient(await rawGraphqlFor(shopId));
}

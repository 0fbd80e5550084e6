/**
 * Large simulated shops for benchmarks: the simulator's own lookups are built for tests.
 */
import type { SimMetafield, SimShop } from "../../sim/shopify";

/**
 * The simulator finds a customer's metafield by scanning all of them — fine for tests,
 * quadratic for 800,000 metafields. The benchmark indexes its shop's metafields (same
 * behaviour, O(1) lookups) so it measures write-back, not the simulator's search.
 */
export function indexMetafields(shop: SimShop): void {
  const store = shop.store;
  const map = store.metafields;
  const byKey = new Map<string, SimMetafield>();
  const byOwner = new Map<string, Set<SimMetafield>>();
  const key = (t: string, o: number, ns: string, k: string) => `${t}:${o}:${ns}.${k}`;
  const owner = (t: string, o: number) => `${t}:${o}`;
  const set = map.set.bind(map);
  const del = map.delete.bind(map);
  map.set = (id, mf) => {
    byKey.set(key(mf.ownerType, mf.ownerId, mf.namespace, mf.key), mf);
    const o = owner(mf.ownerType, mf.ownerId);
    if (!byOwner.has(o)) byOwner.set(o, new Set());
    byOwner.get(o)!.add(mf);
    return set(id, mf);
  };
  map.delete = (id) => {
    const mf = map.get(id);
    if (mf) {
      byKey.delete(key(mf.ownerType, mf.ownerId, mf.namespace, mf.key));
      byOwner.get(owner(mf.ownerType, mf.ownerId))?.delete(mf);
    }
    return del(id);
  };
  store.findMetafield = (t, o, ns, k) => byKey.get(key(t, o, ns, k));
  store.metafieldsOf = (t, o) => [...(byOwner.get(owner(t, o)) ?? [])];
}

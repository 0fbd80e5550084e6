/**
 * Session storage whose access and refresh tokens are AES-256-GCM ciphertext at rest.
 * Wraps any SessionStorage (the app uses PrismaSessionStorage): tokens are encrypted on
 * store and decrypted on load. Rows written before encryption was enabled still load, and
 * are rewritten encrypted as they are loaded — as are rows under a rotated-out key — so a
 * key rotation completes as shops use the app (or at once with reencryptAll).
 */
import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { decryptToken, encryptToken, needsReencryption, type TokenKey } from "~/privacy/token-cipher";

export class EncryptedSessionStorage implements SessionStorage {
  constructor(
    private readonly inner: SessionStorage,
    private readonly keys: TokenKey[],
  ) {
    if (keys.length === 0) throw new Error("EncryptedSessionStorage needs at least one key");
  }

  private transform(session: Session, fn: (value: string) => string): Session {
    const copy = new Session(session.toObject());
    if (session.accessToken) copy.accessToken = fn(session.accessToken);
    if (session.refreshToken) copy.refreshToken = fn(session.refreshToken);
    return copy;
  }

  private async opened(stored: Session): Promise<Session> {
    const session = this.transform(stored, (v) => decryptToken(v, this.keys));
    const stale = [stored.accessToken, stored.refreshToken].some((v) => v && needsReencryption(v, this.keys));
    if (stale) await this.storeSession(session);
    return session;
  }

  storeSession(session: Session): Promise<boolean> {
    return this.inner.storeSession(this.transform(session, (v) => encryptToken(v, this.keys)));
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const stored = await this.inner.loadSession(id);
    return stored ? this.opened(stored) : undefined;
  }

  deleteSession(id: string): Promise<boolean> {
    return this.inner.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.inner.deleteSessions(ids);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    return Promise.all((await this.inner.findSessionsByShop(shop)).map((s) => this.opened(s)));
  }

  /** Loads and rewrites the given sessions (all of them after a key rotation); returns how many changed. */
  async reencryptAll(ids: string[]): Promise<number> {
    let changed = 0;
    for (const id of ids) {
      const stored = await this.inner.loadSession(id);
      if (!stored) continue;
      const stale = [stored.accessToken, stored.refreshToken].some((v) => v && needsReencryption(v, this.keys));
      if (!stale) continue;
      await this.opened(stored);
      changed++;
    }
    return changed;
  }
}

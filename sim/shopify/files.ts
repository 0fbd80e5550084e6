import { createHmac, randomBytes } from "node:crypto";
import type { Clock } from "../kit/clock";

/**
 * Result files of bulk operations, served by the simulator at signed, expiring URLs that look like the
 * Google Cloud Storage links Shopify hands out (https://storage.googleapis.com/...?X-Goog-Signature=...).
 */
export interface StoredFile {
  token: string;
  name: string;
  content: Buffer;
  contentType: string;
  expiresAt: number;
}

/** Shopify keeps bulk results for 7 days. */
export const FILE_TTL_MS = 7 * 24 * 3600 * 1000;

export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly secret = randomBytes(16).toString("hex");

  constructor(private readonly baseUrl: () => string, private readonly clock: Clock) {}

  put(name: string, content: string | Buffer, contentType = "application/jsonl"): { token: string; url: string } {
    const token = randomBytes(12).toString("hex");
    const file: StoredFile = {
      token,
      name,
      content: Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8"),
      contentType,
      expiresAt: this.clock.now() + FILE_TTL_MS,
    };
    this.files.set(token, file);
    return { token, url: this.urlFor(file) };
  }

  private signature(file: StoredFile): string {
    return createHmac("sha256", this.secret).update(`${file.token}/${file.name}/${file.expiresAt}`).digest("hex");
  }

  private urlFor(file: StoredFile): string {
    const params = new URLSearchParams({
      "X-Goog-Algorithm": "GOOG4-RSA-SHA256",
      "X-Goog-Expires": String(Math.round(FILE_TTL_MS / 1000)),
      "X-Goog-Date": new Date(this.clock.now()).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, ""),
      "X-Goog-Signature": this.signature(file),
    });
    return `${this.baseUrl()}/__sim/files/${file.token}/${encodeURIComponent(file.name)}?${params}`;
  }

  /** Makes a file's link dead (an EXPIRED bulk operation). */
  expire(url: string | null): void {
    const token = url ? /\/__sim\/files\/([0-9a-f]+)\//.exec(url)?.[1] : undefined;
    if (token) this.files.delete(token);
  }

  /** The file for a request path + query, or why it is refused (403 like GCS for bad or expired links). */
  lookup(token: string, signature: string | null): { file: StoredFile } | { status: 403 | 404; reason: string } {
    const file = this.files.get(token);
    if (!file) return { status: 404, reason: "NoSuchKey" };
    if (signature !== this.signature(file)) return { status: 403, reason: "SignatureDoesNotMatch" };
    if (file.expiresAt <= this.clock.now()) return { status: 403, reason: "ExpiredToken" };
    return { file };
  }
}

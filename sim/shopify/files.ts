import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Clock } from "../kit/clock";

/**
 * Result files of bulk operations, served by the simulator at signed, expiring URLs that look like the
 * Google Cloud Storage links Shopify hands out (https://storage.googleapis.com/...?X-Goog-Signature=...).
 */
export interface StoredFile {
  token: string;
  name: string;
  /** Small files live in memory; large results written with a FileWriter live on disk (path). */
  content: Buffer | null;
  path: string | null;
  size: number;
  contentType: string;
  expiresAt: number;
}

/** A result file written in chunks to disk, published under a signed URL once closed. */
export interface FileWriter {
  write(text: string): Promise<void>;
  readonly size: number;
  /** Publishes the file; an empty file is discarded and gives null. */
  close(): Promise<{ url: string } | null>;
  discard(): Promise<void>;
}

/** Shopify keeps bulk results for 7 days. */
export const FILE_TTL_MS = 7 * 24 * 3600 * 1000;

export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly secret = randomBytes(16).toString("hex");
  private dir: string | null = null;

  constructor(private readonly baseUrl: () => string, private readonly clock: Clock) {}

  put(name: string, content: string | Buffer, contentType = "application/jsonl"): { token: string; url: string } {
    const buffer = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
    return this.publish({ name, content: buffer, path: null, size: buffer.length, contentType });
  }

  private publish(file: Pick<StoredFile, "name" | "content" | "path" | "size" | "contentType">): { token: string; url: string } {
    const token = randomBytes(12).toString("hex");
    const stored: StoredFile = { ...file, token, expiresAt: this.clock.now() + FILE_TTL_MS };
    this.files.set(token, stored);
    return { token, url: this.urlFor(stored) };
  }

  /**
   * A file written chunk by chunk to a temporary directory (a 1M-order export is about a gigabyte:
   * it must not sit in memory), served from disk once closed.
   */
  async writer(name: string, contentType = "application/jsonl"): Promise<FileWriter> {
    this.dir ??= mkdtempSync(path.join(os.tmpdir(), "shopify-sim-files-"));
    const file = path.join(this.dir, randomBytes(8).toString("hex"));
    let handle: FileHandle | null = await open(file, "w");
    let size = 0;
    const release = async () => {
      await handle?.close();
      handle = null;
    };
    return {
      write: async (text) => {
        const bytes = Buffer.from(text, "utf8");
        size += bytes.length;
        await handle!.write(bytes);
      },
      get size() {
        return size;
      },
      close: async () => {
        await release();
        if (size === 0) {
          unlinkSync(file);
          return null;
        }
        return { url: this.publish({ name, content: null, path: file, size, contentType }).url };
      },
      discard: async () => {
        await release();
        rmSync(file, { force: true });
      },
    };
  }

  /** Removes every file written to disk (the simulator stops). */
  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.files.clear();
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
    const file = token ? this.files.get(token) : undefined;
    if (!file) return;
    this.files.delete(file.token);
    if (file.path) rmSync(file.path, { force: true });
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

import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "../kit/clock";
import type { StagedUploadTarget } from "./resolvers/context";

/**
 * Staged uploads (stagedUploadsCreate → multipart POST → use the `key` as stagedUploadPath), shaped
 * like Shopify's Google Cloud Storage targets: a form URL plus signed policy parameters that must be
 * sent back unchanged, with the file as the last form field.
 */
interface Upload {
  shopDomain: string;
  key: string;
  mimeType: string;
  signature: string;
  expiresAt: number;
  content: Buffer | null;
}

const UPLOAD_TTL_MS = 24 * 3600 * 1000;

export class UploadStore {
  private readonly uploads = new Map<string, Upload>();
  private readonly secret = randomBytes(16).toString("hex");

  constructor(private readonly baseUrl: () => string, private readonly clock: Clock) {}

  createTarget(
    shopDomain: string,
    shopId: number,
    input: { resource: string; filename: string; mimeType: string; httpMethod: string | null }
  ): StagedUploadTarget {
    const folder = input.resource === "BULK_MUTATION_VARIABLES" ? "bulk" : "files";
    const key = `tmp/${shopId}/${folder}/${randomUUID()}/${input.filename}`;
    const expiresAt = this.clock.now() + UPLOAD_TTL_MS;
    const policy = Buffer.from(
      JSON.stringify({
        conditions: [["eq", "$key", key], { "Content-Type": input.mimeType }, { success_action_status: "201" }, { acl: "private" }],
        expiration: new Date(expiresAt).toISOString(),
      })
    ).toString("base64");
    const signature = createHmac("sha256", this.secret).update(policy).digest("hex");
    this.uploads.set(key, { shopDomain, key, mimeType: input.mimeType, signature, expiresAt, content: null });
    const url = `${this.baseUrl()}/__sim/staged-uploads/`;
    if (input.httpMethod === "PUT") {
      return { url: `${url}${key}?X-Goog-Signature=${signature}`, resourceUrl: `${url}${key}`, parameters: [] };
    }
    return {
      url,
      resourceUrl: input.resource === "BULK_MUTATION_VARIABLES" ? null : `${url}${key}`,
      parameters: [
        { name: "Content-Type", value: input.mimeType },
        { name: "success_action_status", value: "201" },
        { name: "acl", value: "private" },
        { name: "key", value: key },
        { name: "x-goog-date", value: new Date(this.clock.now()).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "") },
        { name: "x-goog-credential", value: "simulator@shopify-sim.iam.gserviceaccount.com/auto/storage/goog4_request" },
        { name: "x-goog-algorithm", value: "GOOG4-RSA-SHA256" },
        { name: "x-goog-signature", value: signature },
        { name: "policy", value: policy },
      ],
    };
  }

  /** Multipart POST: the signed fields as given, then `file` last. Returns an HTTP status and XML body. */
  async acceptForm(form: FormData): Promise<{ status: number; body: string }> {
    const entries = [...form.entries()];
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === "string" ? value : null;
    };
    const key = field("key");
    const upload = key ? this.uploads.get(key) : undefined;
    if (!upload) return xmlError(400, "InvalidArgument", "Missing or unknown key.");
    if (field("x-goog-signature") !== upload.signature || !field("policy")) {
      return xmlError(403, "AccessDenied", "Invalid policy signature: send the parameters from stagedUploadsCreate unchanged.");
    }
    if (upload.expiresAt <= this.clock.now()) return xmlError(400, "InvalidPolicyDocument", "Policy expired.");
    const last = entries[entries.length - 1];
    if (!last || last[0] !== "file" || typeof last[1] === "string") {
      return xmlError(400, "InvalidArgument", "The file must be the last field of the form, named 'file'.");
    }
    return this.store(upload, last[1] as Blob);
  }

  /** PUT to the signed URL with the raw body. */
  acceptPut(key: string, signature: string | null, body: Buffer): { status: number; body: string } {
    const upload = this.uploads.get(key);
    if (!upload) return xmlError(404, "NoSuchKey", "Unknown upload key.");
    if (signature !== upload.signature) return xmlError(403, "AccessDenied", "Invalid signature.");
    upload.content = body;
    return { status: 200, body: "" };
  }

  private async store(upload: Upload, file: Blob): Promise<{ status: number; body: string }> {
    upload.content = Buffer.from(await file.arrayBuffer());
    const body =
      `<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>${this.baseUrl()}/__sim/staged-uploads/${upload.key}</Location>` +
      `<Bucket>shopify-staged-uploads</Bucket><Key>${upload.key}</Key><ETag>"${randomBytes(8).toString("hex")}"</ETag></PostResponse>`;
    return { status: 201, body };
  }

  /** Uploaded content for a stagedUploadPath, if this shop uploaded it. */
  content(shopDomain: string, key: string): Buffer | null {
    const upload = this.uploads.get(key);
    if (!upload || upload.shopDomain !== shopDomain) return null;
    return upload.content;
  }
}

function xmlError(status: number, code: string, message: string): { status: number; body: string } {
  return { status, body: `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>` };
}

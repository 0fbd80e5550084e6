import { z } from "zod";
import { parseTokenKeys } from "./privacy/token-cipher";

/**
 * Every environment variable the app reads, validated once at start-up.
 * A missing or malformed one stops the app with a message naming it.
 */
const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  SHOPIFY_API_KEY: z.string().min(1, "is required (the app's client id from the Partner Dashboard)"),
  SHOPIFY_API_SECRET: z.string().min(1, "is required (the app's client secret; it signs webhooks and session tokens)"),
  SHOPIFY_APP_URL: z.string().url("must be the app's public https URL, e.g. https://rfm.example.com"),
  SCOPES: z
    .string()
    .default("read_orders,read_all_orders,read_customers,write_customers")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  DATABASE_URL: z
    .string()
    .default("file:./data/rfm.db")
    .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), "must start with file: (SQLite) or postgresql:// (PostgreSQL)"),
  /** A worker process's nice value: background jobs yield the CPU to web processes on the same machine (docs/decisions/052). */
  WORKER_NICE: z.coerce.number().int().min(-20).max(19).default(10),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  LOG_LEVEL: z.enum(["error", "warn", "info", "debug"]).default("info"),
  /** Order webhooks in a burst become one recompute this long after the last; unset: RECOMPUTE_DEBOUNCE_MS in app/sync/apply-events.server.ts. */
  RECOMPUTE_DEBOUNCE_MS: z.coerce.number().int().min(0).optional(),
  /** How often a running bulk export is polled (the finish webhook usually arrives first). */
  BULK_POLL_MS: z.coerce.number().int().min(10).default(5_000),
  /** Reconciliation sweep interval: orders updated since the last sweep are re-read. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** Run background jobs in this process (the embedded default); false on PostgreSQL web processes, with `npm run worker` running them. */
  RUN_JOBS: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /** Access tokens at rest: base64 32-byte AES keys, comma-separated; the first encrypts, all decrypt (rotation). */
  TOKEN_ENCRYPTION_KEY: z
    .string()
    .superRefine((v, ctx) => {
      try {
        parseTokenKeys(v);
      } catch (e) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      }
    })
    .optional(),
  /** Tests and the demo only: send Admin API traffic for *.myshopify.com to this simulator. */
  SHOPIFY_ADMIN_SIMULATOR_URL: z
    .string()
    .url("must be the simulator's http URL")
    // Rerouting a real store's traffic by accident must be impossible: only a local simulator.
    .refine((u) => LOOPBACK_HOSTS.includes(new URL(u).hostname), "must point at a simulator on this machine (localhost)")
    .optional(),
}).superRefine((env, ctx) => {
  // In production the interception would hand the app's client secret (token exchange)
  // and every shop's traffic to whatever listens on that port. The production build is
  // allowed to meet the simulator only where no Shopify store can reach the app at all:
  // an app URL on this machine over plain http (the demo and the browser tests).
  if (env.NODE_ENV === "production" && env.SHOPIFY_ADMIN_SIMULATOR_URL && !isLocalOnlyAppUrl(env.SHOPIFY_APP_URL)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["SHOPIFY_ADMIN_SIMULATOR_URL"],
      message:
        "must not be set with NODE_ENV=production: it would send the client secret and shop traffic to a local listener " +
        "(only a production build served at http://localhost for the demo or tests may use the simulator)",
    });
  }
});

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/** http://localhost:PORT and the like: an app URL no Shopify admin or webhook can reach. */
function isLocalOnlyAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "http:" && LOOPBACK_HOSTS.includes(u.hostname);
  } catch {
    return false;
  }
}

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example.`);
    this.name = "EnvError";
  }
}

// Tokens are never stored in plaintext in production.
const CheckedEnvSchema = EnvSchema.superRefine((e, ctx) => {
  if (e.NODE_ENV === "production" && !e.TOKEN_ENCRYPTION_KEY) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["TOKEN_ENCRYPTION_KEY"],
      message: "is required in production (access tokens are encrypted at rest); generate one with `openssl rand -base64 32`",
    });
  }
});

export function parseEnv(source: NodeJS.ProcessEnv | Record<string, string | undefined>): Env {
  // Empty strings count as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = CheckedEnvSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((i) => {
        const name = i.path.join(".");
        return i.code === "invalid_type" && cleaned[name] === undefined ? `${name} is required` : `${name} ${i.message}`;
      }),
    );
  }
  return result.data;
}

let cached: Env | undefined;
/** The process's validated environment (parsed on first use, then cached). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * The wc/v3 REST client: the official `@woocommerce/woocommerce-rest-api` (OAuth 1.0a in the
 * query over http, Basic over https, as the library decides), made resilient and readable:
 * - 429, 5xx and timeouts are retried with backoff (Retry-After honoured); each retry is a
 *   fresh request, so OAuth signs it with a new nonce;
 * - errors become WooApiError naming the call, the status and WooCommerce's own code and message;
 * - collections are paged by page number. The `Link` header is never followed: WooCommerce
 *   echoes the request's oauth_* parameters into it, so following it replays a used nonce.
 */
import { createRequire } from "node:module";
import type WooCommerceRestApiType from "@woocommerce/woocommerce-rest-api";

// CommonJS with exports.default: under Node ESM and bundlers alike take `default ?? module`.
const require = createRequire(import.meta.url);
const pkg = require("@woocommerce/woocommerce-rest-api") as { default?: typeof WooCommerceRestApiType } & typeof WooCommerceRestApiType;
const WooCommerceRestApi: typeof WooCommerceRestApiType = pkg.default ?? pkg;

export const PAGE_SIZE = 100;

export class WooApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or null when no answer came (network, timeout). */
    readonly status: number | null,
    /** WooCommerce's error code (`woocommerce_rest_authentication_error`, …). */
    readonly code: string | null,
  ) {
    super(message);
    this.name = "WooApiError";
  }
}

export interface WooResponse<T> {
  data: T;
  status: number;
  headers: Record<string, string>;
}

export interface WooClientOptions {
  siteUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /** Attempts per request (first included). */
  attempts?: number;
  /** First backoff; doubles each retry. */
  retryBaseMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface WooClient {
  readonly siteUrl: string;
  get<T = unknown>(endpoint: string, params?: Record<string, unknown>): Promise<WooResponse<T>>;
  post<T = unknown>(endpoint: string, body: unknown): Promise<WooResponse<T>>;
  put<T = unknown>(endpoint: string, body: unknown): Promise<WooResponse<T>>;
  delete<T = unknown>(endpoint: string, params?: Record<string, unknown>): Promise<WooResponse<T>>;
  /** One page of a collection with WooCommerce's totals. */
  page<T = unknown>(endpoint: string, params: Record<string, unknown>, page: number): Promise<WooPage<T>>;
  /** Every element of a collection, page by page. */
  all<T = unknown>(endpoint: string, params?: Record<string, unknown>): AsyncGenerator<T>;
}

export interface WooPage<T> {
  items: T[];
  /** X-WP-Total / X-WP-TotalPages (0 past the end). */
  total: number;
  totalPages: number;
}

interface AxiosLikeError {
  response?: { status: number; data?: unknown; headers?: Record<string, unknown> };
  code?: string;
  message: string;
}

const RETRYABLE_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ERR_NETWORK", "EAI_AGAIN"]);

function describe(method: string, endpoint: string, err: AxiosLikeError): WooApiError {
  const res = err.response;
  if (!res) return new WooApiError(`WooCommerce ${method} ${endpoint}: no answer (${err.code ?? err.message})`, null, null);
  const body = res.data as { code?: unknown; message?: unknown } | undefined;
  const code = typeof body?.code === "string" ? body.code : null;
  const detail = typeof body?.message === "string" ? body.message : typeof res.data === "string" ? res.data.slice(0, 200) : "";
  return new WooApiError(`WooCommerce ${method} ${endpoint}: HTTP ${res.status}${code ? ` ${code}` : ""}${detail ? `: ${detail}` : ""}`, res.status, code);
}

function retryable(err: AxiosLikeError): boolean {
  const status = err.response?.status;
  if (status === undefined) return err.code === undefined || RETRYABLE_CODES.has(err.code);
  return status === 429 || status >= 500;
}

function retryAfterMs(err: AxiosLikeError): number | null {
  const value = err.response?.headers?.["retry-after"];
  const seconds = typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, 60_000) : null;
}

function headersOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = raw && typeof raw === "object" ? Object.entries(raw as Record<string, unknown>) : [];
  for (const [k, v] of entries) if (typeof v === "string" || typeof v === "number") out[k.toLowerCase()] = String(v);
  return out;
}

export function createWooClient(options: WooClientOptions): WooClient {
  const api = new WooCommerceRestApi({
    url: options.siteUrl,
    consumerKey: options.consumerKey,
    consumerSecret: options.consumerSecret,
    version: "wc/v3",
    timeout: options.timeoutMs ?? 30_000,
  });
  const attempts = options.attempts ?? 4;
  const base = options.retryBaseMs ?? 250;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function request<T>(method: "get" | "post" | "put" | "delete", endpoint: string, arg?: unknown): Promise<WooResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = (await (method === "get" || method === "delete"
          ? api[method](endpoint, (arg ?? {}) as Record<string, unknown>)
          : api[method](endpoint, arg))) as { data: T; status: number; headers: unknown };
        return { data: res.data, status: res.status, headers: headersOf(res.headers) };
      } catch (e) {
        const err = e as AxiosLikeError;
        // A POST may create something (a webhook): only a refusal for rate is safe to resend.
        const safe = method === "post" ? err.response?.status === 429 : retryable(err);
        if (attempt >= attempts || !safe) throw describe(method.toUpperCase(), endpoint, err);
        await sleep(retryAfterMs(err) ?? base * 2 ** (attempt - 1));
      }
    }
  }

  async function page<T>(endpoint: string, params: Record<string, unknown>, pageNo: number): Promise<WooPage<T>> {
    const res = await request<T[]>("get", endpoint, { ...params, per_page: params.per_page ?? PAGE_SIZE, page: pageNo });
    if (!Array.isArray(res.data)) throw new WooApiError(`WooCommerce GET ${endpoint}: expected a list, got ${typeof res.data}`, res.status, null);
    return {
      items: res.data,
      total: Number(res.headers["x-wp-total"] ?? res.data.length),
      totalPages: Number(res.headers["x-wp-totalpages"] ?? 1),
    };
  }

  return {
    siteUrl: options.siteUrl,
    get: (endpoint, params) => request("get", endpoint, params),
    post: (endpoint, body) => request("post", endpoint, body),
    put: (endpoint, body) => request("put", endpoint, body),
    delete: (endpoint, params) => request("delete", endpoint, params),
    page,
    async *all<T>(endpoint: string, params: Record<string, unknown> = {}) {
      for (let p = 1; ; p++) {
        const { items, totalPages } = await page<T>(endpoint, params, p);
        yield* items;
        if (items.length === 0 || p >= totalPages) return;
      }
    },
  };
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimulatorApp } from "./server";
import type { SimShop } from "./shop";
import { normaliseDomain } from "./shop";

/**
 * The simulated Shopify admin around an embedded app, and an App Bridge stand-in for the app —
 * test and demo infrastructure only (docs/decisions/007-offline-admin-and-app-bridge.md).
 *
 *   GET /admin/apps/<handle>[/<app path>]?shop=<shop>   the admin page: top bar, left nav, the app in an iframe
 *                                                       at <appUrl><app path, default /app>?embedded=1&shop&host&id_token
 *   GET /__sim/app-bridge.js                            the stand-in for cdn.shopify.com/shopifycloud/app-bridge.js
 *   GET /__sim/admin/session-token?shop=<shop>          {token}: a fresh session token (CORS: the app calls it when not framed)
 *
 * The admin and the app talk as App Bridge and Shopify's admin do, by postMessage, with messages
 * `{source: "shopify-sim-app-bridge", type, ...}`:
 *   app → admin   {type: "idToken", id}                 → admin answers {type: "idToken", id, token} (or error)
 *                 {type: "navMenu", items: [{label, href, home}]}   the app's <ui-nav-menu> links, for the left nav
 *                 {type: "location", path}              the app navigated (the admin keeps its own URL in step)
 *                 {type: "toast", message, isError, duration}, {type: "loading", on}, {type: "title", title},
 *                 {type: "adminLink", href}             a shopify://admin/… link was clicked
 *                 {type: "saveBar", open, save, discard} the contextual save bar (<ui-save-bar>) shown or hidden, its buttons
 *   admin → app   {type: "navigate", href}              a left-nav link was clicked
 *                 {type: "saveBarAction", action}       the save bar's Save or Discard was clicked
 * Both sides check the other's origin and window.
 */

export const BRIDGE_MESSAGE_SOURCE = "shopify-sim-app-bridge";

export interface AdminFrameHost {
  app: SimulatorApp;
  shops: ReadonlyMap<string, SimShop>;
  sessionToken(shop: string): string;
  /** The simulator's own origin, e.g. http://127.0.0.1:53211. */
  baseUrl(): string;
}

/** The `host` query parameter Shopify's admin gives an embedded app: base64url of admin.shopify.com/store/<name>. */
export function adminHostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${normaliseDomain(shop).replace(/\.myshopify\.com$/, "")}`).toString("base64url");
}

/** The app's embedded URL as the admin frames it, with a freshly signed session token. */
export function embeddedAppUrl(host: AdminFrameHost, shop: string, appPath = "/app", query: URLSearchParams = new URLSearchParams()): string {
  if (!host.app.appUrl) throw new Error("the simulator has no app.appUrl: the admin cannot frame the app");
  const url = new URL(appPath, host.app.appUrl);
  for (const [key, value] of query) url.searchParams.append(key, value);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", normaliseDomain(shop));
  url.searchParams.set("host", adminHostParam(shop));
  url.searchParams.set("locale", "en");
  url.searchParams.set("id_token", host.sessionToken(shop));
  return url.toString();
}

/** Answers the admin-frame routes; returns false for any other request. */
export function handleAdminFrame(req: IncomingMessage, res: ServerResponse, url: URL, host: AdminFrameHost): boolean {
  const method = req.method ?? "GET";
  if (url.pathname === "/__sim/app-bridge.js" || url.pathname === "/__sim/admin/session-token") {
    if (method === "OPTIONS") {
      res.writeHead(204, { ...cors(req), "Access-Control-Allow-Methods": "GET, OPTIONS", "Access-Control-Max-Age": "600" });
      res.end();
      return true;
    }
    if (method !== "GET") return false;
    if (url.pathname === "/__sim/app-bridge.js") {
      reply(res, 200, "text/javascript; charset=utf-8", appBridgeScript(host), cors(req));
      return true;
    }
    const shop = findShop(host, url.searchParams.get("shop"));
    if (!shop) {
      reply(res, 404, "application/json; charset=utf-8", JSON.stringify({ error: "unknown shop" }), cors(req));
      return true;
    }
    reply(res, 200, "application/json; charset=utf-8", JSON.stringify({ token: host.sessionToken(shop.domain) }), cors(req));
    return true;
  }
  const page = /^\/admin\/apps\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!page || method !== "GET") return false;
  const handle = decodeURIComponent(page[1]);
  if (handle !== host.app.handle && handle !== host.app.apiKey) {
    reply(res, 404, "text/html; charset=utf-8", messagePage("App not found", `No app with the handle “${handle}” is installed. Try /admin/apps/${host.app.handle}.`));
    return true;
  }
  const shop = findShop(host, url.searchParams.get("shop"));
  if (!shop) {
    const known = [...host.shops.keys()].map((d) => `<li><a href="/admin/apps/${esc(host.app.handle)}?shop=${esc(d)}">${esc(d)}</a></li>`).join("");
    reply(res, 404, "text/html; charset=utf-8", messagePage("Store not found", `Pass ?shop=&lt;store&gt;.myshopify.com. Stores here:<ul>${known}</ul>`));
    return true;
  }
  if (!host.app.appUrl) {
    reply(res, 500, "text/html; charset=utf-8", messagePage("No app URL", "Start the simulator with app.appUrl so the admin can load the app."));
    return true;
  }
  // /admin/apps/<handle>/app/customers?shop=…&persona=x → <appUrl>/app/customers?persona=x&embedded=1&…, as Shopify maps
  // the admin path after the handle onto the app's URL.
  const appQuery = new URLSearchParams(url.searchParams);
  appQuery.delete("shop");
  const appPath = page[2] && page[2] !== "/" ? page[2] : "/app";
  reply(res, 200, "text/html; charset=utf-8", adminPage(host, shop, embeddedAppUrl(host, shop.domain, appPath, appQuery)), {
    "Cache-Control": "no-store",
  });
  return true;
}

function findShop(host: AdminFrameHost, domain: string | null): SimShop | undefined {
  if (domain) return host.shops.get(normaliseDomain(domain));
  return host.shops.size === 1 ? [...host.shops.values()][0] : undefined;
}

function cors(req: IncomingMessage): Record<string, string> {
  // Simulator endpoints the app calls from its own origin (another port): any local origin may.
  const origin = typeof req.headers.origin === "string" ? req.headers.origin : "*";
  return { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
}

function reply(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": contentType, "Cache-Control": "no-store", ...headers });
  res.end(body);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON for a <script> block: no "</script>" or "<!--" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function messagePage(title: string, html: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Shopify admin (simulated)</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:40rem;color:#303030}</style></head>
<body><h1>${esc(title)}</h1><p>${html}</p></body></html>`;
}

const NAV_ICON = `<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" r="3.5" fill="currentColor" opacity=".55"/></svg>`;

function adminPage(host: AdminFrameHost, shop: SimShop, iframeSrc: string): string {
  const storeName = shop.store.shop.name || shop.domain;
  const initials =
    storeName
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join("") || "S";
  const appTitle = host.app.title;
  const config = {
    source: BRIDGE_MESSAGE_SOURCE,
    shop: shop.domain,
    handle: host.app.handle,
    appOrigin: new URL(host.app.appUrl!).origin,
    appTitle,
  };
  const adminItems = ["Home", "Orders", "Products", "Customers", "Marketing", "Discounts", "Content", "Analytics"]
    .map((label) => `<li><span class="item disabled" aria-disabled="true" title="Not part of the simulator">${NAV_ICON}${label}</span></li>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(appTitle)} · ${esc(storeName)} · Shopify admin (simulated)</title>
<style>
  *{box-sizing:border-box}
  html,body{margin:0;height:100%}
  body{font:13px/20px -apple-system,BlinkMacSystemFont,"San Francisco","Segoe UI",Roboto,"Helvetica Neue",sans-serif;background:#1a1a1a;color:#303030}
  .topbar{height:56px;display:flex;align-items:center;gap:16px;padding:0 12px 0 16px;color:#e3e3e3}
  .logo{display:flex;align-items:center;gap:8px;font-weight:700;font-size:17px;color:#fff;letter-spacing:-.2px;min-width:224px}
  .logo .sim{font-size:11px;font-weight:600;color:#1a1a1a;background:#b4fed2;border-radius:8px;padding:0 6px;letter-spacing:0}
  .search{flex:1;max-width:560px;margin:0 auto;height:36px;border-radius:10px;background:#303030;border:1px solid #4a4a4a;color:#b5b5b5;display:flex;align-items:center;padding:0 12px}
  .store{display:flex;align-items:center;gap:8px;color:#e3e3e3;font-weight:600;white-space:nowrap}
  .avatar{width:28px;height:28px;border-radius:8px;background:#36fba1;color:#1a1a1a;display:grid;place-items:center;font-size:12px;font-weight:700}
  .frame{position:fixed;top:56px;left:0;right:0;bottom:0;display:flex;background:#ebebeb;border-radius:12px 12px 0 0;overflow:hidden}
  nav{width:240px;flex:none;padding:12px 8px;overflow-y:auto;border-right:1px solid #e3e3e3}
  nav ul{list-style:none;margin:0;padding:0}
  .item{display:flex;align-items:center;gap:6px;padding:4px 8px;border-radius:8px;color:#303030;text-decoration:none;font-weight:600;min-height:32px}
  .item.disabled{color:#8a8a8a;cursor:default}
  .section{margin:16px 8px 4px;font-size:12px;font-weight:600;color:#616161;text-transform:none}
  .app-item{cursor:pointer}
  .app-icon{width:20px;height:20px;border-radius:5px;background:linear-gradient(135deg,#6c5ce7,#00b894);flex:none}
  .app-item:hover,.sub a:hover{background:#e3e3e3}
  .app-item.active{background:#fafafa}
  .sub a{display:block;margin-left:26px;padding:4px 8px;border-radius:8px;color:#616161;text-decoration:none;font-weight:500}
  .sub a.active{background:#fafafa;color:#303030;font-weight:650}
  main{flex:1;position:relative;min-width:0;background:#f1f1f1}
  iframe{display:block;border:0;width:100%;height:100%;background:#f1f1f1}
  #loading{position:absolute;top:0;left:0;height:3px;width:0;background:#36fba1;transition:width 2s ease-out,opacity .3s;opacity:0;z-index:2}
  #loading.on{width:85%;opacity:1}
  #save-bar{position:fixed;top:0;left:0;right:0;height:56px;display:none;align-items:center;gap:12px;padding:0 16px;background:#1a1a1a;color:#fff;z-index:5;font-weight:650}
  #save-bar.open{display:flex}
  #save-bar .spacer{flex:1}
  #save-bar button{height:32px;padding:0 14px;border-radius:8px;border:0;font:inherit;cursor:pointer;background:#303030;color:#fff}
  #save-bar button.primary{background:#fff;color:#1a1a1a}
  #save-bar button[disabled]{opacity:.5;cursor:default}
  #toasts{position:fixed;left:50%;bottom:32px;transform:translateX(-50%);display:flex;flex-direction:column;gap:8px;align-items:center;z-index:10}
  .toast{background:#1a1a1a;color:#fff;border-radius:10px;padding:10px 16px;font-weight:550;box-shadow:0 4px 12px rgba(0,0,0,.3);max-width:480px}
  .toast.error{background:#8e1f0b}
  /* Shopify's mobile admin: the navigation folds away and the app gets the whole width. */
  @media (max-width: 768px){nav{display:none}.frame{border-radius:0}.search{display:none}}
</style>
</head>
<body>
<header class="topbar">
  <div class="logo"><svg width="22" height="24" viewBox="0 0 22 24" aria-hidden="true"><path d="M15.5 4.6c0-.1-.1-.2-.2-.2s-1.6-.1-1.6-.1-1.1-1.1-1.2-1.2c-.1-.1-.3-.1-.4 0l-.6.2C11.1 2.2 10.5 1.5 9.5 1.5 7.4 1.5 6.4 4.1 6.1 5.4l-1.7.5c-.5.2-.5.2-.6.7L2.5 17.8l10.4 1.9 5.6-1.2S15.5 4.7 15.5 4.6z" fill="#95bf47"/></svg>shopify <span class="sim">simulator</span></div>
  <div class="search" aria-hidden="true">Search</div>
  <div class="store" id="store-name"><span class="avatar">${esc(initials)}</span>${esc(storeName)}</div>
</header>
<div class="frame">
  <nav aria-label="Admin">
    <ul>${adminItems}</ul>
    <div class="section">Apps</div>
    <ul>
      <li><a class="item app-item" id="app-home" href="#" data-href=""><span class="app-icon"></span>${esc(appTitle)}</a></li>
      <li><ul class="sub" id="app-nav" aria-label="${esc(appTitle)}"></ul></li>
    </ul>
  </nav>
  <main>
    <div id="loading" role="progressbar" aria-hidden="true"></div>
    <iframe id="app-iframe" name="app-iframe" title="${esc(appTitle)}" src="${esc(iframeSrc)}"
      allow="clipboard-read; clipboard-write"
      sandbox="allow-downloads allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts allow-top-navigation-by-user-activation"></iframe>
  </main>
</div>
<div id="save-bar" role="region" aria-label="Contextual save bar"><svg width="18" height="18" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="8" fill="none" stroke="#ffb800" stroke-width="2"/><path d="M10 5.5v5.5M10 13.5v1" stroke="#ffb800" stroke-width="2"/></svg><span>Unsaved changes</span><span class="spacer"></span>
  <button type="button" id="save-bar-discard">Discard</button><button type="button" class="primary" id="save-bar-save">Save</button></div>
<div id="toasts" aria-live="polite"></div>
<script>
(function () {
  "use strict";
  var CONFIG = ${scriptJson(config)};
  var frame = document.getElementById("app-iframe");
  var nav = document.getElementById("app-nav");
  var home = document.getElementById("app-home");
  var items = [];
  var currentPath = "";

  function post(message) {
    message.source = CONFIG.source;
    frame.contentWindow.postMessage(message, CONFIG.appOrigin);
  }

  function navigate(href) {
    post({ type: "navigate", href: href });
  }

  ["save", "discard"].forEach(function (action) {
    document.getElementById("save-bar-" + action).addEventListener("click", function () { post({ type: "saveBarAction", action: action }); });
  });

  home.addEventListener("click", function (event) {
    event.preventDefault();
    if (home.dataset.href) navigate(home.dataset.href);
  });

  function pathOnly(href) {
    try { return new URL(href, CONFIG.appOrigin).pathname; } catch (e) { return href; }
  }

  function renderNav() {
    var homeItem = items.filter(function (i) { return i.home; })[0];
    home.dataset.href = homeItem ? homeItem.href : "";
    nav.textContent = "";
    var path = pathOnly(currentPath);
    var best = null;
    items.forEach(function (item) {
      var p = pathOnly(item.href);
      if (path === p || path.indexOf(p + "/") === 0) { if (!best || p.length > pathOnly(best.href).length) best = item; }
    });
    home.classList.toggle("active", !!best && best.home);
    items.forEach(function (item) {
      if (item.home) return;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#";
      a.textContent = item.label;
      a.dataset.href = item.href;
      if (item === best) { a.classList.add("active"); a.setAttribute("aria-current", "page"); }
      a.addEventListener("click", function (event) { event.preventDefault(); navigate(item.href); });
      li.appendChild(a);
      nav.appendChild(li);
    });
  }

  function toast(message, isError, duration) {
    var box = document.getElementById("toasts");
    var el = document.createElement("div");
    el.className = "toast" + (isError ? " error" : "");
    el.setAttribute("role", "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, duration || 5000);
  }

  function adminUrlFor(appPath) {
    var url = new URL(appPath, CONFIG.appOrigin);
    var query = new URLSearchParams(url.search);
    query.set("shop", CONFIG.shop);
    return "/admin/apps/" + encodeURIComponent(CONFIG.handle) + url.pathname + "?" + query.toString();
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== CONFIG.appOrigin) return;
    var m = event.data;
    if (!m || typeof m !== "object" || m.source !== CONFIG.source) return;
    switch (m.type) {
      case "idToken":
        fetch("/__sim/admin/session-token?shop=" + encodeURIComponent(CONFIG.shop))
          .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
          .then(function (body) { post({ type: "idToken", id: m.id, token: body.token }); })
          .catch(function (error) { post({ type: "idToken", id: m.id, error: String(error) }); });
        break;
      case "navMenu":
        items = Array.isArray(m.items) ? m.items : [];
        renderNav();
        break;
      case "location":
        currentPath = String(m.path || "");
        renderNav();
        try { history.replaceState(null, "", adminUrlFor(currentPath)); } catch (e) { /* not a path we can show */ }
        break;
      case "toast":
        toast(String(m.message || ""), !!m.isError, Number(m.duration) || 5000);
        break;
      case "loading":
        document.getElementById("loading").classList.toggle("on", !!m.on);
        break;
      case "adminLink":
        toast("In Shopify's admin this opens " + String(m.href).split("shopify://admin/").join("") + " (not part of the simulator)", false, 4000);
        break;
      case "saveBar":
        var bar = document.getElementById("save-bar");
        bar.classList.toggle("open", !!m.open);
        [["save", m.save], ["discard", m.discard]].forEach(function (pair) {
          var button = document.getElementById("save-bar-" + pair[0]);
          var spec = pair[1];
          button.hidden = !spec;
          if (!spec) return;
          button.textContent = spec.loading ? spec.label + "…" : spec.label;
          button.disabled = !!(spec.disabled || spec.loading);
        });
        break;
      case "title":
        document.title = (m.title ? m.title + " · " : "") + CONFIG.appTitle + " · Shopify admin (simulated)";
        break;
    }
  });
})();
</script>
</body>
</html>
`;
}

/**
 * The App Bridge stand-in, loaded by the app in place of cdn.shopify.com/shopifycloud/app-bridge.js when the
 * app runs against the simulator. What it does, App Bridge does too (as far as this app uses it): the
 * `shopify` global, session tokens for the app's own requests, the admin's nav menu, toasts.
 */
function appBridgeScript(host: AdminFrameHost): string {
  const defaults = { simOrigin: host.baseUrl(), apiKey: host.app.apiKey, source: BRIDGE_MESSAGE_SOURCE };
  return `/* Shopify App Bridge stand-in from the Shopify Admin simulator (tests and the offline demo only). */
(function () {
  "use strict";
  if (window.shopify && window.shopify.__simulated) return;
  var DEFAULTS = ${scriptJson(defaults)};
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  // The simulator serving this script: the admin page's origin (postMessage) and the token endpoint's.
  var SIM_ORIGIN = DEFAULTS.simOrigin;
  var SOURCE = DEFAULTS.source;
  var params = new URLSearchParams(location.search);
  var framed = window.parent !== window;

  function b64url(text) { return btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""); }
  var shop = params.get("shop") || data.shop || "";
  var config = {
    apiKey: data.apiKey || DEFAULTS.apiKey,
    shop: shop,
    host: params.get("host") || data.host || (shop ? b64url("admin.shopify.com/store/" + shop.replace(/\\.myshopify\\.com$/, "")) : ""),
    locale: params.get("locale") || "en",
  };

  // --- the admin (parent frame) ---------------------------------------------------------------
  var pending = {};
  var nextId = 1;
  var inbox = {};
  function toAdmin(message) {
    if (!framed) return false;
    message.source = SOURCE;
    window.parent.postMessage(message, SIM_ORIGIN);
    return true;
  }
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== SIM_ORIGIN) return;
    var m = event.data;
    if (!m || typeof m !== "object" || m.source !== SOURCE) return;
    var handler = inbox[m.type];
    if (handler) handler(m);
  });
  inbox.idToken = function (m) {
    var p = pending[m.id];
    if (!p) return;
    delete pending[m.id];
    if (m.token) p.resolve(m.token); else p.reject(new Error("the admin could not issue a session token: " + m.error));
  };

  // --- session tokens: from the admin when framed, else from the simulator directly ---------------
  var nativeFetch = window.fetch.bind(window);
  var cached = null;
  var inflight = null;
  function expiry(token) {
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part)).exp * 1000;
    } catch (e) { return 0; }
  }
  function fromAdmin() {
    return new Promise(function (resolve, reject) {
      var id = nextId++;
      pending[id] = { resolve: resolve, reject: reject };
      toAdmin({ type: "idToken", id: id });
      setTimeout(function () {
        if (pending[id]) { delete pending[id]; reject(new Error("the admin did not answer")); }
      }, 3000);
    });
  }
  function fromSimulator() {
    return nativeFetch(SIM_ORIGIN + "/__sim/admin/session-token?shop=" + encodeURIComponent(config.shop), { credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("session token: HTTP " + r.status); return r.json(); })
      .then(function (body) { return body.token; });
  }
  function idToken(fresh) {
    if (!fresh && cached && cached.exp - Date.now() > 15000) return Promise.resolve(cached.token);
    if (inflight) return inflight;
    var request = framed ? fromAdmin().catch(fromSimulator) : fromSimulator();
    inflight = request.then(function (token) {
      cached = { token: token, exp: expiry(token) };
      inflight = null;
      return token;
    }, function (error) { inflight = null; throw error; });
    return inflight;
  }

  // --- fetch: the app's own requests carry "Authorization: Bearer <session token>" ---------------
  function authorized(request, token) {
    var headers = new Headers(request.headers);
    headers.set("Authorization", "Bearer " + token);
    return new Request(request, { headers: headers });
  }
  window.fetch = function (input, init) {
    var request;
    try { request = new Request(input, init); } catch (e) { return nativeFetch(input, init); }
    if (new URL(request.url).origin !== location.origin || request.headers.has("Authorization")) return nativeFetch(request);
    var spare = request.clone();
    return idToken(false).then(function (token) {
      return nativeFetch(authorized(request, token)).then(function (response) {
        var reauthorize = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
        if (response.status === 401 && reauthorize) { window.open(reauthorize, "_top"); return response; }
        if (response.status === 401 && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
          return idToken(true).then(function (fresh) { return nativeFetch(authorized(spare, fresh)); });
        }
        return response;
      });
    });
  };

  // --- toasts ------------------------------------------------------------------------------------
  var toastId = 0;
  function localToast(message, isError, duration) {
    var el = document.createElement("div");
    el.setAttribute("role", "status");
    el.textContent = message;
    el.style.cssText = "position:fixed;left:50%;bottom:24px;transform:translateX(-50%);z-index:2147483647;padding:10px 16px;" +
      "border-radius:10px;color:#fff;font:600 13px/20px system-ui,sans-serif;background:" + (isError ? "#8e1f0b" : "#1a1a1a");
    document.body.appendChild(el);
    setTimeout(function () { el.remove(); }, duration);
  }

  // --- the shopify global ----------------------------------------------------------------------
  var resolved = function () { return Promise.resolve(); };
  var shopify = {
    __simulated: true,
    config: config,
    origin: location.origin,
    environment: { embedded: framed, mobile: false, pos: false },
    ready: Promise.resolve(),
    idToken: function () { return idToken(false); },
    user: function () { return Promise.resolve({}); },
    loading: function (on) { toAdmin({ type: "loading", on: on === undefined ? true : !!on }); },
    toast: {
      show: function (message, options) {
        options = options || {};
        var duration = Number(options.duration) || 5000;
        if (!toAdmin({ type: "toast", message: String(message), isError: !!options.isError, duration: duration })) {
          localToast(String(message), !!options.isError, duration);
        }
        return "sim-toast-" + ++toastId;
      },
      hide: function () {},
    },
    saveBar: {
      show: function (id) { var bar = document.getElementById(id); return bar && bar.show ? bar.show() : resolved(); },
      hide: function (id) { var bar = document.getElementById(id); return bar && bar.hide ? bar.hide() : resolved(); },
      toggle: function (id) { var bar = document.getElementById(id); return bar && bar.toggle ? bar.toggle() : resolved(); },
      leaveConfirmation: resolved,
    },
    modal: { show: resolved, hide: resolved, toggle: resolved },
    resourcePicker: function () { return Promise.resolve(undefined); },
  };
  window.shopify = shopify;

  // --- the admin's bounce page: reload the app with a fresh session token --------------------------
  var reload = params.get("shopify-reload");
  if (reload) {
    var target = new URL(reload, location.href);
    if (target.origin === location.origin) {
      idToken(true).then(function (token) {
        target.searchParams.set("id_token", token);
        location.replace(target.toString());
      });
    }
  }

  // --- location: the admin keeps its URL in step with the app's --------------------------------------
  var APP_ONLY = ["embedded", "shop", "host", "id_token", "hmac", "locale", "session", "timestamp"];
  function reportLocation() {
    var query = new URLSearchParams(location.search);
    APP_ONLY.forEach(function (k) { query.delete(k); });
    var q = query.toString();
    toAdmin({ type: "location", path: location.pathname + (q ? "?" + q : "") });
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      reportLocation();
      return result;
    };
  });
  window.addEventListener("popstate", reportLocation);
  reportLocation();

  // --- custom elements: what App Bridge renders in the admin, hidden in the app ---------------------
  // A shadow root without a <slot> hides the element's children without touching the DOM React hydrates.
  function hidden(onChange, methods) {
    var Element = class extends HTMLElement {
      connectedCallback() {
        if (!this.shadowRoot) this.attachShadow({ mode: "open" });
        if (!onChange) return;
        var self = this;
        var scheduled = false;
        var notify = function () {
          if (scheduled) return;
          scheduled = true;
          queueMicrotask(function () { scheduled = false; if (self.isConnected) onChange(self); });
        };
        this.__observer = new MutationObserver(notify);
        this.__observer.observe(this, { childList: true, subtree: true, attributes: true, characterData: true });
        notify();
      }
      disconnectedCallback() {
        if (this.__observer) this.__observer.disconnect();
      }
    };
    Object.keys(methods || {}).forEach(function (name) { Element.prototype[name] = methods[name]; });
    return Element;
  }
  function define(name, element) {
    if (!customElements.get(name)) customElements.define(name, element);
  }
  define("ui-nav-menu", hidden(function (menu) {
    var items = Array.prototype.map.call(menu.querySelectorAll("a[href]"), function (a) {
      return { label: (a.textContent || "").trim(), href: a.getAttribute("href"), home: a.getAttribute("rel") === "home" };
    });
    toAdmin({ type: "navMenu", items: items });
  }));
  define("ui-title-bar", hidden(function (bar) { toAdmin({ type: "title", title: bar.getAttribute("title") || "" }); }));
  // The contextual save bar: shown in the admin's top bar with the element's Save (variant="primary") and
  // Discard buttons; a click there clicks the app's own button. Button state (disabled, loading) follows.
  var openSaveBar = null;
  function saveBarButtons(bar) {
    var buttons = Array.prototype.slice.call(bar.querySelectorAll("button"));
    var describe = function (b, fallback) {
      return b ? { label: (b.textContent || "").trim() || fallback, disabled: b.hasAttribute("disabled"), loading: b.hasAttribute("loading") } : null;
    };
    return {
      save: describe(buttons.filter(function (b) { return b.getAttribute("variant") === "primary"; })[0], "Save"),
      discard: describe(buttons.filter(function (b) { return b.getAttribute("variant") !== "primary"; })[0], "Discard"),
    };
  }
  function reportSaveBar(bar, open) {
    if (open) openSaveBar = bar; else if (openSaveBar === bar) openSaveBar = null;
    var buttons = saveBarButtons(bar);
    toAdmin({ type: "saveBar", open: open, save: buttons.save, discard: buttons.discard });
  }
  define("ui-save-bar", hidden(function (bar) { if (openSaveBar === bar) reportSaveBar(bar, true); }, {
    show: function () { reportSaveBar(this, true); this.dispatchEvent(new Event("show")); return resolved(); },
    hide: function () { if (openSaveBar === this) { reportSaveBar(this, false); this.dispatchEvent(new Event("hide")); } return resolved(); },
    toggle: function () { return openSaveBar === this ? this.hide() : this.show(); },
  }));
  // A page the admin no longer shows has no save bar.
  window.addEventListener("pagehide", function () { if (openSaveBar) reportSaveBar(openSaveBar, false); });
  inbox.saveBarAction = function (m) {
    if (!openSaveBar) return;
    var buttons = Array.prototype.slice.call(openSaveBar.querySelectorAll("button"));
    var target = buttons.filter(function (b) { return (b.getAttribute("variant") === "primary") === (m.action === "save"); })[0];
    if (target && !target.hasAttribute("disabled")) target.click();
  };
  define("ui-modal", hidden(null, { show: resolved, hide: resolved, toggle: resolved }));

  // shopify://admin/… links open admin pages; the simulated admin has none, so it says what would open.
  document.addEventListener("click", function (event) {
    var a = event.target && event.target.closest ? event.target.closest("a[href^='shopify:']") : null;
    if (!a || event.defaultPrevented) return;
    event.preventDefault();
    toAdmin({ type: "adminLink", href: a.getAttribute("href") });
  }, true);

  // A left-nav click in the admin: App Bridge fires shopify:navigate on the menu's link; the app routes it.
  inbox.navigate = function (m) {
    var links = document.querySelectorAll("ui-nav-menu a[href]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("href") === m.href) {
        links[i].dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true, composed: true }));
        return;
      }
    }
  };
})();
`;
}

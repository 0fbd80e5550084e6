/**
 * A real WordPress on loopback for the companion plugin's tests: Debian's WordPress core
 * copied into a temp dir with its own wp-config.php (the package's own config reads
 * /etc/wordpress), MariaDB on a unix socket in that dir, `php -S` on 127.0.0.1, installed over
 * HTTP by WordPress's installer. `stop()` ends both servers and removes the dir.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

export const WORDPRESS_CORE = "/usr/share/wordpress";
const PLUGIN_DIR = path.resolve(import.meta.dirname, "../../extensions/woocommerce/rfm-personas");
/** The Debian packages this needs (CI installs them). */
export const WORDPRESS_PACKAGES = "wordpress mariadb-server php-mysql php-cli";

/** What is missing to run WordPress here ('' when nothing is). */
export function missingWordPress(): string {
  const missing = [
    [`${WORDPRESS_CORE}/wp-settings.php`, "wordpress"],
    ["/usr/sbin/mariadbd", "mariadb-server"],
    ["/usr/bin/mariadb-install-db", "mariadb-server"],
  ]
    .filter(([file]) => !existsSync(file))
    .map(([, pkg]) => pkg);
  try {
    execFileSync("php", ["-r", "exit(extension_loaded('mysqli') ? 0 : 1);"], { stdio: "ignore" });
  } catch {
    missing.push("php-cli php-mysql");
  }
  return missing.length ? `WordPress cannot run here: apt-get install ${[...new Set(missing)].join(" ")} (CI installs ${WORDPRESS_PACKAGES})` : "";
}

/** Whether php-cli is on this machine (the plugin's PHP runs under it). */
export const hasPhp = (() => {
  try {
    execFileSync("php", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

export const ADMIN = { user: "admin", password: "rfm-admin-password-1" } as const;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | Promise<T>, attempts = 200): Promise<NonNullable<T>> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    await sleep(100);
  }
  throw new Error(`${what} did not come up`);
}

/** Ends a server this harness started: its whole process group when it leads one. */
function stopChild(child: ChildProcess | undefined, group = false): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const pid = child.pid;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, name);
    } catch {
      // already gone
    }
  };
  return new Promise((resolve) => {
    const hard = setTimeout(() => signal("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(hard);
      // Anything it forked goes with it.
      if (group) signal("SIGKILL");
      resolve();
    });
    signal("SIGTERM");
  });
}

/** A browser's cookie jar for one host: enough for WordPress's auth cookies. */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now()) || value === "deleted";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request, redirects not followed (the tests read them). */
  async request(pathOrUrl: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    let body: string | undefined;
    if (init.form) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(new URL(pathOrUrl, this.base), { method: init.method ?? (body ? "POST" : "GET"), headers, body, redirect: "manual" });
    this.remember(res);
    return res;
  }

  /** GET (or POST a form) and follow same-host redirects; returns the last response and its text. */
  async page(pathOrUrl: string, form?: Record<string, string>): Promise<{ res: Response; html: string; url: string }> {
    let url = new URL(pathOrUrl, this.base).toString();
    let res = await this.request(url, { form });
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops++) {
      url = new URL(res.headers.get("location")!, url).toString();
      if (!url.startsWith(this.base)) break;
      res = await this.request(url);
    }
    return { res, html: await res.text(), url };
  }

  set(name: string, value: string) {
    this.cookies.set(name, value);
  }
}

export interface WordPress {
  url: string;
  dir: string;
  /** Runs PHP inside this WordPress (wp-load.php loaded) and returns what it prints. */
  php(code: string): string;
  /** A browser logged in to WP admin as the administrator. */
  admin(): Promise<Browser>;
  /** A browser logged in as this user, through wp-login.php. */
  login(user: string, password: string): Promise<Browser>;
  /** The PHP warnings and errors WordPress logged (WP_DEBUG_LOG). */
  debugLog(): string;
  stop(): Promise<void>;
}

/** Decodes the HTML entities WordPress puts in attribute values (hrefs carry &amp;). */
export const unescapeHtml = (s: string) =>
  s.replace(/&amp;/g, "&").replace(/&#0?38;/g, "&").replace(/&quot;/g, '"').replace(/&#0?39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");

/** Starts MariaDB and WordPress, runs the installer, and copies in our plugin (not yet active). */
export async function startWordPress(extraPlugins: Record<string, string> = {}): Promise<WordPress> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-wp-"));
  // MariaDB may run as `mysql` (below): it must reach its socket under this dir.
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, "db");
  const socket = path.join(dataDir, "mysqld.sock");
  const wpDir = path.join(dir, "wp");
  let db: ChildProcess | undefined;
  let web: ChildProcess | undefined;
  const stop = async () => {
    await stopChild(web, true);
    await stopChild(db);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // MariaDB refuses to run as root; as root, it drops to the package's `mysql` user.
    const asRoot = process.getuid?.() === 0;
    const userArgs = asRoot ? ["--user=mysql"] : [];
    mkdirSync(dataDir);
    if (asRoot) execFileSync("chown", ["mysql:mysql", dataDir]);
    execFileSync(
      "mariadb-install-db",
      ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve", ...userArgs],
      { stdio: "ignore" },
    );
    // Only a socket in our temp dir, no TCP at all: grant tables can be skipped.
    db = spawn(
      "/usr/sbin/mariadbd",
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--pid-file=${path.join(dataDir, "mysqld.pid")}`,
        "--skip-networking",
        "--skip-grant-tables",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=16M",
        `--log-error=${path.join(dir, "mariadb.log")}`,
        ...userArgs,
      ],
      { stdio: "ignore" },
    );
    const sql = (statement: string) =>
      execFileSync("php", ["-r", "$m = @new mysqli('localhost', 'root', '', '', 0, $argv[1]); if ($m->connect_errno) exit(1); exit($m->query($argv[2]) ? 0 : 2);", "--", socket, statement], {
        stdio: "ignore",
      });
    await until("MariaDB", () => {
      if (db!.exitCode !== null) throw new Error(`MariaDB exited: ${readFileSync(path.join(dir, "mariadb.log"), "utf8").slice(-2000)}`);
      try {
        sql("SELECT 1");
        return true;
      } catch {
        return false;
      }
    });
    sql("CREATE DATABASE wordpress CHARACTER SET utf8mb4");

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    cpSync(WORDPRESS_CORE, wpDir, { recursive: true, verbatimSymlinks: true });
    rmSync(path.join(wpDir, ".htaccess"), { force: true });
    const salt = () => randomBytes(24).toString("hex");
    const config: Record<string, string | boolean> = {
      DB_NAME: "wordpress",
      DB_USER: "root",
      DB_PASSWORD: "",
      DB_HOST: `localhost:${socket}`,
      DB_CHARSET: "utf8mb4",
      WP_HOME: url,
      WP_SITEURL: url,
      // Nothing leaves loopback: no update checks, no news feeds, no cron calls to itself.
      WP_HTTP_BLOCK_EXTERNAL: true,
      DISABLE_WP_CRON: true,
      AUTOMATIC_UPDATER_DISABLED: true,
      WP_DEBUG: true,
      WP_DEBUG_DISPLAY: false,
      WP_DEBUG_LOG: path.join(dir, "debug.log"),
      ...Object.fromEntries(
        ["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"].map((k) => [k, salt()]),
      ),
    };
    writeFileSync(
      path.join(wpDir, "wp-config.php"),
      [
        "<?php",
        ...Object.entries(config).map(([k, v]) => `define( '${k}', ${typeof v === "boolean" ? String(v) : `'${v}'`} );`),
        "$table_prefix = 'wp_';",
        "if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }",
        "require_once ABSPATH . 'wp-settings.php';",
        "",
      ].join("\n"),
    );
    cpSync(PLUGIN_DIR, path.join(wpDir, "wp-content/plugins/rfm-personas"), { recursive: true });
    for (const [file, source] of Object.entries(extraPlugins)) {
      mkdirSync(path.dirname(path.join(wpDir, "wp-content/plugins", file)), { recursive: true });
      writeFileSync(path.join(wpDir, "wp-content/plugins", file), source);
    }

    // Its own process group, so stop() ends it whole. One process: WordPress makes no requests to itself here (no cron).
    web = spawn("php", ["-S", `127.0.0.1:${port}`, "-t", wpDir], { stdio: "ignore", detached: true });
    await until("php -S", async () => {
      if (web!.exitCode !== null) throw new Error("php -S exited");
      return fetch(`${url}/wp-login.php`, { redirect: "manual" }).then(
        () => true,
        () => false,
      );
    });

    // WordPress's own installer, as a person fills it in.
    const installer = new Browser(url);
    const installed = await installer.page("/wp-admin/install.php?step=2", {
      weblog_title: "RFM Test Store",
      user_name: ADMIN.user,
      admin_password: ADMIN.password,
      admin_password2: ADMIN.password,
      pw_weak: "1",
      admin_email: "admin@store.test",
      blog_public: "0",
      language: "",
    });
    if (!installed.html.includes("Success!")) throw new Error(`WordPress install failed: ${installed.html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 500)}`);

    const login = async (user: string, password: string) => {
      const browser = new Browser(url);
      browser.set("wordpress_test_cookie", "WP%20Cookie%20check");
      const res = await browser.request("/wp-login.php", { form: { log: user, pwd: password, "wp-submit": "Log In", redirect_to: `${url}/wp-admin/`, testcookie: "1" } });
      if (res.status !== 302) throw new Error(`WordPress login as ${user} failed (${res.status})`);
      return browser;
    };

    return {
      url,
      dir: wpDir,
      php(code: string) {
        const boot = `$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}'; define('WP_USE_THEMES', false); require $argv[1];`;
        return execFileSync("php", ["-r", `${boot}\n${code}`, "--", path.join(wpDir, "wp-load.php")], { encoding: "utf8" });
      },
      login,
      admin: () => login(ADMIN.user, ADMIN.password),
      debugLog() {
        const file = path.join(dir, "debug.log");
        return existsSync(file) ? readFileSync(file, "utf8") : "";
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Resolves with the first stdout line (the child says it is ready). */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Runs a TypeScript file in its own Node process (the project's Node, tsx as loader). */
export function runTs(file: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, file)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    void exited.then(({ code, signal }) => reject(new Error(`${file} exited (${code ?? signal}) before it was ready: ${err}`)));
  });
  ready.catch(() => {}); // a child that dies later (on purpose) must not be an unhandled rejection
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return { process: child, pid: child.pid!, ready, exited, stderr: () => err };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits for a child to exit; fails (and kills it) if it has not within `ms`. */
export async function exitWithin(child: Child, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.process.kill("SIGKILL");
      reject(new Error(`process ${child.pid} had not exited after ${ms} ms: ${child.stderr()}`));
    }, ms);
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
export const SCREENSHOTS = path.join(ROOT, "test", "browser", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

import { afterEach } from "vitest";
import { closeAdminPages } from "./harness";

// What the browser saw: console.error, uncaught exceptions, 5xx answers. Any of them fails the test.
afterEach(async () => {
  const problems = await closeAdminPages();
  if (problems.length > 0) {
    throw new Error(`the browser reported ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
  }
});

// The scoring worker from TypeScript source, for tests and `npm run dev` (the production
// build runs build/server/scoring-worker.js instead): tsx compiles it on load, with the
// project's tsconfig so `~/…` imports resolve.
import { register } from "tsx/esm/api";

register({ tsconfig: new URL("../../tsconfig.json", import.meta.url).pathname });
const { default: runScoringTask } = await import("./worker.server.ts");

export default runScoringTask;

/**
 * Per-file mutation scores from Stryker's JSON report (reports/mutation/mutation.json):
 * prints one line per mutated file and exits 1 when any file is under the bar (90 %).
 * Score = detected (killed + timed out) / (detected + survived + not covered); ignored
 * mutants (disabled by `// Stryker disable` comments: proven equivalents) are not counted.
 * Reads Stryker's incremental file too (same format) to see a run stopped part-way.
 */
import { readFileSync } from "node:fs";

const BAR = 90;
const reportPath = process.argv[2] ?? "reports/mutation/mutation.json";
const report = JSON.parse(readFileSync(reportPath, "utf8"));
let failing = 0;
const rows = Object.entries(report.files)
  .map(([file, { mutants }]) => {
    const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
    const detected = count("Killed", "Timeout");
    const undetected = count("Survived", "NoCoverage");
    const valid = detected + undetected;
    const score = valid === 0 ? 100 : (100 * detected) / valid;
    return { file, score, detected, undetected, ignored: count("Ignored") };
  })
  .sort((a, b) => a.file.localeCompare(b.file));
for (const r of rows) {
  const ok = r.score >= BAR;
  if (!ok) failing++;
  console.log(`${ok ? "ok  " : "LOW "} ${r.score.toFixed(2).padStart(6)} %  ${r.file}  (${r.detected} detected, ${r.undetected} survived, ${r.ignored} ignored)`);
}
if (failing > 0) {
  console.log(`${failing} file(s) under ${BAR} %`);
  process.exit(1);
}
console.log(`every file at or above ${BAR} %`);

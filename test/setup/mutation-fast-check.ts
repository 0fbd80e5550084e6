import fc from "fast-check";

// Under mutation testing every property runs once per mutant that reaches it: fewer runs
// per property keep a full run within minutes; `npm test` keeps fast-check's 100.
fc.configureGlobal({ numRuns: 25 });

/**
 * The one order in which writers lock a shop's customer rows (the recompute's upserts, the
 * write-back's outcomes): two transactions that touch the same customers in the same order wait
 * for each other instead of deadlocking on PostgreSQL (decision 056).
 */
export const inLockOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

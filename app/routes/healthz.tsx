import prisma from "~/db.server";

/** Liveness and readiness for load balancers: the process answers and the database responds. */
export const loader = async () => {
  try {
    await prisma.$queryRawUnsafe("SELECT 1");
    return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
  } catch {
    return Response.json({ status: "error", database: "unreachable" }, { status: 503 });
  }
};

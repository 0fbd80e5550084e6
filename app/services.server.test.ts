import { describe, expect, it } from "vitest";
import { exitWebOnSignals } from "./services.server";

describe("a web process that runs no jobs", () => {
  it("GIVEN its queue client and database open WHEN it is sent the stop signal THEN after the grace it stops the client, closes the database and exits 0", async () => {
    const stopped: string[] = [];
    const runner = { stop: async () => (stopped.push("queue"), { finished: 0, released: 0 }) };
    const closed = { close: async () => void stopped.push("database") };
    const exited = new Promise<number>((resolve) =>
      exitWebOnSignals({ db: closed as never, runner: runner as never }, { signals: ["SIGUSR2"], graceMs: 50, exit: resolve }),
    );

    process.emit("SIGUSR2", "SIGUSR2");

    expect(await exited).toBe(0);
    expect(stopped).toEqual(["queue", "database"]);
  });
});

import { createServer, request as httpRequest, Agent } from "node:http";
import net, { type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { bounded, closeServer } from "./shutdown";

describe("stopping without hanging", () => {
  it("GIVEN a server with a keep-alive client and a request its handler never answers WHEN closed THEN the close resolves and the client sees its socket end", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/hang") return; // a handler stuck on something that never settles
      res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true });
    const get = (path: string) =>
      new Promise<string>((resolve) => {
        const req = httpRequest({ host: "127.0.0.1", port, path, agent }, (res) => {
          res.resume();
          res.on("end", () => resolve("answered"));
        });
        req.on("error", (err) => resolve(`error: ${(err as NodeJS.ErrnoException).code}`));
        req.end();
      });
    expect(await get("/")).toBe("answered"); // leaves an idle keep-alive socket
    const stuck = get("/hang");
    await new Promise((r) => setTimeout(r, 20));

    expect(await closeServer(server, 5_000)).toBe("done");
    expect(await stuck).toBe("error: ECONNRESET");
    agent.destroy();
  });

  it("GIVEN a connection that never sent a request (a pooled socket a client opened and did not use) WHEN the server is closed THEN the close resolves", async () => {
    // server.close() alone waits for it: Node does not count it as idle, and stops the
    // headersTimeout sweep that would have ended it once the server closes. This is how the
    // demo's app server, with the simulator's unused webhook-delivery sockets, could hang.
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const socket = net.connect((server.address() as AddressInfo).port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const socketClosed = new Promise((r) => socket.once("close", r));

    expect(await closeServer(server, 5_000)).toBe("done");
    await socketClosed;
  });

  it("GIVEN a stop step that never settles WHEN bounded THEN it gives up and says so", async () => {
    expect(await bounded(new Promise(() => {}), 10)).toBe("timeout");
    expect(await bounded(Promise.reject(new Error("failed to stop")), 10)).toBe("done");
  });
});

/**
 * The load balancer in front of several web processes, for benchmarks: one loopback port,
 * each request passed to the next backend in turn, bodies streamed both ways. Like a real
 * one, it keeps the client's Host header and answers 502 when a backend is unreachable.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Proxy {
  port: number;
  /** Requests passed to each backend, in the order given. */
  counts: number[];
  stop(): Promise<void>;
}

export async function startRoundRobinProxy(backendPorts: number[]): Promise<Proxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts = backendPorts.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const i = next++ % backendPorts.length;
    counts[i]++;
    const upstream = http.request(
      { host: "127.0.0.1", port: backendPorts[i], method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`bad gateway: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

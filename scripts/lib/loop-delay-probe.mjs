// Preloaded into a server process (node --import) by bench:responsiveness: measures that
// process's event-loop delay with perf_hooks.monitorEventLoopDelay and answers over the IPC
// channel: "reset" starts a new measurement, "report" sends the figures in milliseconds.
import { monitorEventLoopDelay } from "node:perf_hooks";

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;
  process.on("message", (message) => {
    if (message === "reset") {
      histogram.reset();
      process.send({ reset: true });
    } else if (message === "report") {
      process.send({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples: histogram.count });
    }
  });
  // The channel must not keep the server alive once it is asked to stop.
  process.channel?.unref();
}

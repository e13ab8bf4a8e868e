/**
 * The seeds' connect timeout (Linux notes, item 15), in idiomatic sockkit: `connect` with a
 * `timeout`. Prints "connected", "timed out" or the refusal in the seeds' vocabulary. The
 * line-for-line port (non-blocking connect, EINPROGRESS, select) is
 * examples/bsd/connect_timeout.ts.
 *
 * Run: deno run --allow-net examples/connect_timeout.ts --port PORT [--host 127.0.0.1] [--timeout 1000]
 * Exit code: 0 connected, 1 timed out, 2 other failure.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connect, explainError, SocketTimeoutError } from "../mod.ts";
import { formatExplanation } from "../src/errno/mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    timeout: { type: "string", default: "1000" },
  },
});
const timeout = Number(values.timeout);
console.log(`connecting to ${values.host}:${values.port} with a ${timeout} ms timeout`);
const t0 = performance.now();
try {
  const c = await connect({ hostname: values.host, port: Number(values.port), timeout });
  console.log(`connected in ${Math.round(performance.now() - t0)} ms`);
  await c.close();
} catch (e) {
  if (e instanceof SocketTimeoutError) {
    console.log(
      `connect timed out after ${timeout} ms: ${formatExplanation(explainError("ETIMEDOUT")!)}`,
    );
    Deno.exit(1);
  }
  const ex = explainError(e);
  console.log(`connect failed: ${ex ? formatExplanation(ex) : (e as Error).message}`);
  Deno.exit(2);
}

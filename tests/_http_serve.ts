/**
 * Test helper: serve this checkout over loopback HTTP, every file as `text/plain` (as raw-file
 * hosts such as raw.githubusercontent.com do), for URL-import tests. Listens on 127.0.0.1,
 * port 0; records every requested path.
 *
 * @module
 */

const root = new URL("../", import.meta.url);

/** A running server: Deno's `HttpServer` plus the paths requested so far. */
export type CheckoutServer = Deno.HttpServer<Deno.NetAddr> & {
  /** Every path requested, in order. */
  requested: string[];
  /** `http://127.0.0.1:PORT`. */
  base: string;
};

/**
 * Start serving the checkout. Call `await server.shutdown()` when done.
 *
 * @returns The server.
 */
export function serveCheckout(): CheckoutServer {
  const requested: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      requested.push(path);
      if (path.includes("..") || !/^\/[\w./-]+$/.test(path)) {
        return new Response("bad path", { status: 400 });
      }
      try {
        const body = await Deno.readFile(new URL("." + path, root));
        return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  return Object.assign(server, { requested, base: `http://127.0.0.1:${server.addr.port}` });
}

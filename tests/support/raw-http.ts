// HTTP exactly as written: fetch() normalises paths ("/a/../b" → "/b", "%2e%2e" → "..") and will
// not send a foreign Host header, so probes of the server's own parsing use node:http directly.
import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawOptions {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bind the client side to this loopback address (127.0.0.0/8 is all ours). */
  localAddress?: string;
}

export function rawRequest(o: RawOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: o.port, path: o.path, method: o.method ?? "GET", headers: o.headers, localAddress: o.localAddress, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body = (body + d).slice(0, 100_000)));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(o.body);
  });
}

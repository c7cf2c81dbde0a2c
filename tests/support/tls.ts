// Throwaway TLS material (openssl) and a TLS-only redis-server for integration tests.
// Everything lives in one temp dir that stop() removes.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort, redisServerBinary } from "../../lib/redis/local-server";
import { waitFor } from "./wait";

const execFileP = promisify(execFile);

export interface TlsFiles {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing the server presents: "wrong CA" for clients. */
  otherCa: string;
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await execFileP("openssl", args, { cwd, timeout: 30_000 });
}

/** CA, a server cert for IP:127.0.0.1 and a client cert, all signed by the CA; plus an unrelated CA. */
export async function makeTlsFiles(): Promise<TlsFiles> {
  const dir = mkdtempSync(path.join(tmpdir(), "replscope-tls-"));
  const f = (n: string) => path.join(dir, n);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    for (const name of ["ca", "other-ca"]) {
      await openssl(dir, "req", "-x509", ...ec, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=replscope test ${name}`);
    }
    const leaf = async (name: string, cn: string, ext: string) => {
      await openssl(dir, "req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
      await openssl(dir, "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", ext);
    };
    writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    writeFileSync(f("client.ext"), "extendedKeyUsage=clientAuth\n");
    await leaf("server", "127.0.0.1", "server.ext");
    await leaf("client", "replscope-monitor", "client.ext");
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    ca: f("ca.crt"),
    serverCert: f("server.crt"),
    serverKey: f("server.key"),
    clientCert: f("client.crt"),
    clientKey: f("client.key"),
    otherCa: f("other-ca.crt"),
  };
}

export interface TlsRedis {
  host: "127.0.0.1";
  /** The TLS port; the plain port is disabled (--port 0). */
  port: number;
  id: string;
  logFile: string;
  stop(): Promise<void>;
}

/** A TLS-only redis-server; ready once redis-cli --tls (with the client cert) gets PONG. */
export async function startTlsRedis(files: TlsFiles, opts: { authClients: "yes" | "no" | "optional"; args?: string[] }): Promise<TlsRedis> {
  const binary = redisServerBinary();
  if (!binary) throw new Error("redis-server not found on PATH");
  const port = await freePort();
  const dir = mkdtempSync(path.join(files.dir, `redis-${port}-`));
  const logFile = path.join(dir, "redis.log");
  const child: ChildProcess = spawn(
    binary,
    [
      "--port", "0",
      "--tls-port", String(port),
      "--bind", "127.0.0.1",
      "--dir", dir,
      "--logfile", logFile,
      "--save", "",
      "--appendonly", "no",
      "--tls-cert-file", files.serverCert,
      "--tls-key-file", files.serverKey,
      "--tls-ca-cert-file", files.ca,
      "--tls-auth-clients", opts.authClients,
      ...(opts.args ?? []),
    ],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  const stop = async () => {
    process.removeListener("exit", onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(t);
  };
  try {
    await waitFor(
      `TLS redis on ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        const { stdout } = await execFileP(
          "redis-cli",
          ["--tls", "--cacert", files.ca, "--cert", files.clientCert, "--key", files.clientKey, "-h", "127.0.0.1", "-p", String(port), "PING"],
          { timeout: 5000 },
        );
        return stdout.trim();
      },
      (out) => out === "PONG" || out.startsWith("NOAUTH"),
      10_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: "127.0.0.1", port, id: `127.0.0.1:${port}`, logFile, stop };
}

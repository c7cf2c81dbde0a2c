import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError, credentialsFor, loadConfig, type Env } from "../../lib/config/load";
import { parseRedisUrl } from "../../lib/config/schema";

const dir = mkdtempSync(path.join(os.tmpdir(), "spine-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a config file into the temp dir and returns its absolute path. */
function configFile(content: unknown): string {
  const file = path.join(dir, `config-${n++}.json`);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

/** Runs loadConfig and returns the ConfigError it throws (fails the test if it does not throw one). */
function configError(env: Env, cwd = dir): ConfigError {
  try {
    loadConfig(env, cwd);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.name, "ConfigError");
    return err;
  }
  assert.fail("loadConfig did not throw");
}

describe("loadConfig from REPLSCOPE_SEEDS", () => {
  test("a valid list becomes one 'default' topology with parsed endpoints", () => {
    const cfg = loadConfig({ REPLSCOPE_SEEDS: "redis://127.0.0.1:6379, rediss://bob:s%40cret@[::1]:6380/2 ,redis://cache.local" }, dir);
    assert.equal(cfg.topologies.length, 1);
    const t = cfg.topologies[0]!;
    assert.equal(t.name, "default");
    assert.deepEqual(t.seeds, [
      { host: "127.0.0.1", port: 6379, username: undefined, password: undefined, tls: false },
      { host: "::1", port: 6380, username: "bob", password: "s@cret", tls: true },
      { host: "cache.local", port: 6379, username: undefined, password: undefined, tls: false },
    ]);
  });

  test("defaults: port 3000, host 127.0.0.1, poll 250 ms, info 2 s, timeout 1 s, no drills, data dir under cwd", () => {
    const cfg = loadConfig({ REPLSCOPE_SEEDS: "redis://127.0.0.1:6379" }, dir);
    assert.equal(cfg.port, 3000);
    assert.equal(cfg.host, "127.0.0.1");
    assert.equal(cfg.dataDir, path.join(dir, ".replscope"));
    assert.equal(cfg.password, undefined);
    assert.equal(cfg.apiToken, undefined);
    const t = cfg.topologies[0]!;
    assert.equal(t.pollMs, 250);
    assert.equal(t.infoMs, 2000);
    assert.equal(t.timeoutMs, 1000);
    assert.equal(t.drills, false);
    assert.deepEqual(t.nodes, {});
  });

  test("environment overrides are applied; empty strings count as unset", () => {
    const cfg = loadConfig(
      { REPLSCOPE_SEEDS: "redis://h:1", PORT: "8080", HOST: "0.0.0.0", REPLSCOPE_POLL_MS: "500", REPLSCOPE_DATA_DIR: "/var/lib/rs", REPLSCOPE_PASSWORD: "" },
      dir,
    );
    assert.equal(cfg.port, 8080);
    assert.equal(cfg.host, "0.0.0.0");
    assert.equal(cfg.topologies[0]?.pollMs, 500);
    assert.equal(cfg.dataDir, "/var/lib/rs");
    assert.equal(cfg.password, undefined);
  });

  test("a bad seed URL: the message names the seed and the problem, never the password", () => {
    const cases: [string, RegExp][] = [
      ["redis://u:secretpw@host:1/not-a-db", /only an optional \/db number/],
      ["http://u:secretpw@host:1", /expected scheme redis:\/\/ or rediss:\/\/, got http:\/\//],
      ["redis://u:secretpw@host:0", /port must be 1-65535/],
      ["redis://u:secretpw@host:99999", /expected a URL like/],
      ["u:secretpw@host:1", /expected|scheme/],
    ];
    for (const [seed, problem] of cases) {
      const err = configError({ REPLSCOPE_SEEDS: `redis://127.0.0.1:6379,${seed}` });
      assert.match(err.message, /^REPLSCOPE_SEEDS: /, seed);
      assert.match(err.message, /seed #\d+/, `${seed}: ${err.message}`);
      assert.match(err.message, problem, `${seed}: ${err.message}`);
      assert.ok(!err.message.includes("secretpw"), `password leaked: ${err.message}`);
      assert.ok(!err.message.includes("topologies."), `internal path leaked: ${err.message}`);
    }
  });

  test("a bad seed is numbered the way an operator counts (first seed is #1)", () => {
    // Today the message says "seed #0" for the first seed and "seed #1" for the second: a zero-based index.
    const first = configError({ REPLSCOPE_SEEDS: "redis://u:secretpw@host:0,redis://127.0.0.1:6379" });
    assert.match(first.message, /seed #1: port must be 1-65535/, first.message);
    const second = configError({ REPLSCOPE_SEEDS: "redis://127.0.0.1:6379,redis://u:secretpw@host:0" });
    assert.match(second.message, /seed #2: port must be 1-65535/, second.message);
  });

  test("no config at all → a helpful message naming both variables and the demo", () => {
    const err = configError({});
    assert.match(err.message, /REPLSCOPE_SEEDS=redis:\/\//);
    assert.match(err.message, /REPLSCOPE_CONFIG=/);
    assert.match(err.message, /npm run demo/);
    assert.equal(configError({ REPLSCOPE_SEEDS: "", REPLSCOPE_CONFIG: "" }).message, err.message);
  });

  test("PORT out of range or not a number", () => {
    for (const port of ["70000", "65536", "-1", "http"]) {
      const err = configError({ REPLSCOPE_SEEDS: "redis://h:1", PORT: port });
      assert.match(err.message, /^environment: PORT: /, port);
    }
    assert.match(configError({ REPLSCOPE_SEEDS: "redis://h:1", PORT: "70000" }).message, /0-65535/);
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: "redis://h:1", PORT: "65535" }, dir).port, 65535);
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: "redis://h:1", PORT: "0" }, dir).port, 0);
  });

  test("bad poll interval and short secrets in the environment; secrets never echoed", () => {
    assert.match(configError({ REPLSCOPE_SEEDS: "redis://h:1", REPLSCOPE_POLL_MS: "10" }).message, /REPLSCOPE_POLL_MS: at least 50 ms/);
    assert.match(configError({ REPLSCOPE_SEEDS: "redis://h:1", REPLSCOPE_POLL_MS: "600000" }).message, /REPLSCOPE_POLL_MS: at most 60000 ms/);
    const pw = configError({ REPLSCOPE_SEEDS: "redis://h:1", REPLSCOPE_PASSWORD: "short7!" });
    assert.match(pw.message, /REPLSCOPE_PASSWORD: use at least 8 characters/);
    assert.ok(!pw.message.includes("short7!"));
    const tok = configError({ REPLSCOPE_SEEDS: "redis://h:1", REPLSCOPE_API_TOKEN: "tok-abc" });
    assert.match(tok.message, /REPLSCOPE_API_TOKEN: use at least 16 characters/);
    assert.ok(!tok.message.includes("tok-abc"));
  });
});

describe("loadConfig from REPLSCOPE_CONFIG", () => {
  const valid = {
    topologies: [
      {
        name: "prod-eu",
        seeds: ["redis://10.0.0.1:6379", "redis://ops:seedpw@10.0.0.2:6379"],
        password: "topopw",
        nodes: { "10.0.0.3:6379": { password: "nodepw", logFile: "/var/log/redis/c.log" } },
        pollMs: 1000,
        infoMs: 5000,
        timeoutMs: 300,
        expectedReplicas: 2,
        drills: true,
        tls: { rejectUnauthorized: false, servername: "redis.internal" },
      },
      { name: "staging_1", seeds: ["redis://127.0.0.1:7000"] },
      { name: "cache.v2", seeds: ["rediss://[2001:db8::1]:6380"], username: "reader" },
    ],
  };

  test("a valid file with several topologies, each with its own settings or the defaults", () => {
    const cfg = loadConfig({ REPLSCOPE_CONFIG: configFile(valid), REPLSCOPE_POLL_MS: "400" }, dir);
    assert.deepEqual(cfg.topologies.map((t) => t.name), ["prod-eu", "staging_1", "cache.v2"]);
    const [prod, staging, cache] = cfg.topologies;
    assert.equal(prod?.pollMs, 1000);
    assert.equal(prod?.infoMs, 5000);
    assert.equal(prod?.timeoutMs, 300);
    assert.equal(prod?.expectedReplicas, 2);
    assert.equal(prod?.drills, true);
    assert.deepEqual(prod?.tls, { rejectUnauthorized: false, servername: "redis.internal" });
    assert.deepEqual(prod?.nodes["10.0.0.3:6379"], { password: "nodepw", logFile: "/var/log/redis/c.log" });
    assert.equal(staging?.pollMs, 400); // from REPLSCOPE_POLL_MS
    assert.equal(staging?.infoMs, 2000);
    assert.equal(staging?.drills, false);
    assert.deepEqual(cache?.seeds, [{ host: "2001:db8::1", port: 6380, username: undefined, password: undefined, tls: true }]);
    assert.equal(cache?.username, "reader");
  });

  test("a relative path is resolved against cwd, and REPLSCOPE_CONFIG wins over REPLSCOPE_SEEDS", () => {
    const file = configFile(valid);
    const cfg = loadConfig({ REPLSCOPE_CONFIG: path.basename(file), REPLSCOPE_SEEDS: "redis://other:1" }, dir);
    assert.equal(cfg.topologies.length, 3);
    assert.ok(!cfg.topologies.some((t) => t.seeds.some((s) => s.host === "other")));
  });

  test("an unknown field: the message names the field and where it is", () => {
    const topLevel = configError({ REPLSCOPE_CONFIG: configFile({ ...valid, refreshEvery: 5 }) });
    assert.match(topLevel.message, /refreshEvery/);
    const inTopology = configError({
      REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:1"], pollIntervalMs: 100 }] }),
    });
    assert.match(inTopology.message, /pollIntervalMs/);
    assert.match(inTopology.message, /topologies\.0/);
    const inNode = configError({
      REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:1"], nodes: { "h:1": { pass: "x" } } }] }),
    });
    assert.match(inNode.message, /"pass"/);
  });

  test("bad JSON → 'not valid JSON', naming the file", () => {
    const file = configFile('{ "topologies": [ { "name": "a", ');
    const err = configError({ REPLSCOPE_CONFIG: file });
    assert.ok(err.message.startsWith(`REPLSCOPE_CONFIG (${file}): not valid JSON: `), err.message);
  });

  test("missing file → 'cannot read the file: ENOENT'", () => {
    const file = path.join(dir, "nope.json");
    const err = configError({ REPLSCOPE_CONFIG: file });
    assert.equal(err.message, `REPLSCOPE_CONFIG (${file}): cannot read the file: ENOENT`);
  });

  test("duplicate topology names are rejected, naming the name and its position", () => {
    const err = configError({
      REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:1"] }, { name: "b", seeds: ["redis://h:2"] }, { name: "a", seeds: ["redis://h:3"] }] }),
    });
    assert.match(err.message, /topologies\.2\.name: duplicate topology name "a"/);
    assert.ok(!err.message.includes("topologies.0.name"));
  });

  test("bad poll interval in a topology", () => {
    for (const pollMs of [10, 60_001, 12.5]) {
      const err = configError({ REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:1"], pollMs }] }) });
      assert.match(err.message, /topologies\.0\.pollMs: /, String(pollMs));
    }
    const str = configError({ REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:1"], pollMs: "250" }] }) });
    assert.match(str.message, /topologies\.0\.pollMs/);
  });

  test("structural problems: no topologies, no seeds, bad name, bad node key", () => {
    assert.match(configError({ REPLSCOPE_CONFIG: configFile({ topologies: [] }) }).message, /at least one topology is needed/);
    assert.match(configError({ REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: [] }] }) }).message, /at least one seed URL is needed/);
    assert.match(configError({ REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "has space", seeds: ["redis://h:1"] }] }) }).message, /topologies\.0\.name: use 1-64 letters/);
  });

  test("a node key that is not host:port is rejected with the schema's own explanation", () => {
    const err = configError({ REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:1"], nodes: { "no-port": {} } }] }) });
    assert.match(err.message, /topologies\.0\.nodes\.no-port/);
    // schema.ts declares the message "node keys are host:port"; zod 4 wraps it in an invalid_key issue
    // whose own message is "Invalid key in record", and describeIssues prints only that.
    assert.match(err.message, /node keys are host:port/);
  });

  test("a bad seed in a file: the message names its place, never the password", () => {
    const err = configError({ REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:1", "redis://u:secretpw@h:0"] }] }) });
    assert.match(err.message, /topologies\.0\.seeds\.1: port must be 1-65535/);
    assert.ok(!err.message.includes("secretpw"));
  });

  test("a file with several problems reports each on its own line", () => {
    const err = configError({
      REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "a", seeds: ["redis://h:0"], pollMs: 1, extra: true }] }),
    });
    const lines = err.message.split("\n");
    assert.equal(lines.length, 3, err.message);
    for (const line of lines) assert.match(line, /^REPLSCOPE_CONFIG \(.*\): topologies\.0/);
  });
});

describe("parseRedisUrl", () => {
  test("accepts an optional /db and rejects a trailing path", () => {
    assert.deepEqual(parseRedisUrl("redis://h:6379/15"), { host: "h", port: 6379, username: undefined, password: undefined, tls: false });
    assert.equal(typeof parseRedisUrl("redis://h:6379/150"), "string");
    assert.equal(typeof parseRedisUrl("redis://h:6379/a/b"), "string");
  });

  test("username only, percent-decoded", () => {
    const e = parseRedisUrl("redis://al%20ice@h:1");
    assert.ok(typeof e !== "string");
    assert.equal(e.username, "al ice");
    assert.equal(e.password, undefined);
  });
});

describe("credentialsFor precedence: node override > seed URL > topology > first seed", () => {
  const load = (topology: Record<string, unknown>) => {
    const cfg = loadConfig({ REPLSCOPE_CONFIG: configFile({ topologies: [{ name: "t", ...topology }] }) }, dir);
    const t = cfg.topologies[0];
    assert.ok(t);
    return t;
  };

  test("all four levels", () => {
    const t = load({
      seeds: ["redis://seeduser:seedpw@10.0.0.1:6379", "redis://10.0.0.2:6379", "redis://other:otherpw@10.0.0.3:6379"],
      username: "topouser",
      password: "topopw",
      nodes: { "10.0.0.3:6379": { username: "nodeuser", password: "nodepw" }, "10.0.0.4:6379": { password: "only-pw" } },
    });
    // node override beats the seed URL naming the same node
    assert.deepEqual(credentialsFor(t, "10.0.0.3", 6379), { username: "nodeuser", password: "nodepw" });
    assert.deepEqual(credentialsFor(t, "10.0.0.4", 6379), { username: undefined, password: "only-pw" });
    // the seed URL naming the node beats the topology's
    assert.deepEqual(credentialsFor(t, "10.0.0.1", 6379), { username: "seeduser", password: "seedpw" });
    // a seed without credentials and an unknown node get the topology's
    assert.deepEqual(credentialsFor(t, "10.0.0.2", 6379), { username: "topouser", password: "topopw" });
    assert.deepEqual(credentialsFor(t, "10.0.0.9", 6379), { username: "topouser", password: "topopw" });
    // same host, other port: not the seed's node
    assert.deepEqual(credentialsFor(t, "10.0.0.1", 6380), { username: "topouser", password: "topopw" });
  });

  test("without topology credentials a discovered node gets the first seed's that has any", () => {
    const t = load({ seeds: ["redis://10.0.0.1:6379", "redis://a:firstpw@10.0.0.2:6379", "redis://b:secondpw@10.0.0.3:6379"] });
    assert.deepEqual(credentialsFor(t, "10.0.0.9", 6379), { username: "a", password: "firstpw" });
    assert.deepEqual(credentialsFor(t, "10.0.0.3", 6379), { username: "b", password: "secondpw" });
  });

  test("an override holding only a logFile does not blank the credentials", () => {
    const t = load({ seeds: ["redis://:seedpw@10.0.0.1:6379"], nodes: { "10.0.0.1:6379": { logFile: "/tmp/a.log" } } });
    assert.deepEqual(credentialsFor(t, "10.0.0.1", 6379), { username: undefined, password: "seedpw" });
  });

  test("no credentials anywhere → empty", () => {
    const t = load({ seeds: ["redis://10.0.0.1:6379"] });
    assert.deepEqual(credentialsFor(t, "10.0.0.1", 6379), {});
  });
});

describe("REPLSCOPE_PUBLIC_URL", () => {
  test("an http(s) origin is taken; anything else is a configuration error naming the variable", () => {
    const seeds = "redis://127.0.0.1:6380";
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: seeds }, dir).publicUrl, undefined);
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_PUBLIC_URL: "https://replscope.example.com" }, dir).publicUrl, "https://replscope.example.com");
    for (const bad of ["replscope.example.com", "ftp://replscope.example.com", "https://replscope.example.com/dash", "javascript:alert(1)"]) {
      assert.match(configError({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_PUBLIC_URL: bad }).message, /REPLSCOPE_PUBLIC_URL/, bad);
    }
  });
});

describe("REPLSCOPE_DATABASE_URL", () => {
  test("a postgres:// URL selects PostgreSQL; anything else is a configuration error that does not echo the URL", () => {
    const seeds = "redis://127.0.0.1:6380";
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: seeds }, dir).databaseUrl, undefined);
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_DATABASE_URL: "postgres://u@db:5432/rs" }, dir).databaseUrl, "postgres://u@db:5432/rs");
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_DATABASE_URL: "postgresql://u@db/rs" }, dir).databaseUrl, "postgresql://u@db/rs");
    for (const bad of ["mysql://u:hunter2@db/rs", "sqlite:///tmp/x.db", "postgres://", "db:5432"]) {
      const err = configError({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_DATABASE_URL: bad });
      assert.match(err.message, /REPLSCOPE_DATABASE_URL must be a PostgreSQL URL/, bad);
      assert.ok(!err.message.includes("hunter2"), "the password in a bad URL is not echoed");
    }
  });
});

describe("REPLSCOPE_COORDINATION_URL", () => {
  const seeds = "redis://127.0.0.1:6380";
  const db = "postgres://u@db:5432/rs";
  test("unset: one instance as before; a redis:// or rediss:// URL with a shared database is taken", () => {
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: seeds }, dir).coordinationUrl, undefined);
    assert.equal(loadConfig({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_DATABASE_URL: db, REPLSCOPE_COORDINATION_URL: "redis://127.0.0.1:7000" }, dir).coordinationUrl, "redis://127.0.0.1:7000");
    const c = loadConfig({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_DATABASE_URL: db, REPLSCOPE_COORDINATION_URL: "rediss://:pw@coord:6380/2", REPLSCOPE_INSTANCE_ID: "web-1" }, dir);
    assert.equal(c.coordinationUrl, "rediss://:pw@coord:6380/2");
    assert.equal(c.instanceId, "web-1");
  });
  test("a bad URL, a missing shared database or a bad instance id are configuration errors that do not echo the password", () => {
    for (const bad of ["http://u:hunter2@coord/", "coord:6379", "redis://", "postgres://u:hunter2@db/x"]) {
      const err = configError({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_DATABASE_URL: db, REPLSCOPE_COORDINATION_URL: bad });
      assert.match(err.message, /REPLSCOPE_COORDINATION_URL must be a Redis URL/, bad);
      assert.ok(!err.message.includes("hunter2"), "the password in a bad URL is not echoed");
    }
    const noDb = configError({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_COORDINATION_URL: "redis://:hunter2@coord:6379" });
    assert.match(noDb.message, /needs REPLSCOPE_DATABASE_URL/);
    assert.ok(!noDb.message.includes("hunter2"));
    assert.match(configError({ REPLSCOPE_SEEDS: seeds, REPLSCOPE_INSTANCE_ID: "a b/c" }).message, /REPLSCOPE_INSTANCE_ID/);
  });
});

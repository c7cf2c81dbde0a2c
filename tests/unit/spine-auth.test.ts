import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, mock, test } from "node:test";
import crypto from "node:crypto";
import { authenticate, isPublicPath, isSafeMethod, originAllowed } from "../../lib/auth/gate";
import { generatePassword, hashPassword, safeEqualStrings, verifyPassword } from "../../lib/auth/password";
import {
  clearedSessionCookie,
  issueToken,
  parseCookies,
  readToken,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionCookie,
} from "../../lib/auth/session";
import { openAuth as openAuthOn, type AuthService } from "../../lib/auth/store";
import type { UserConfig } from "../../lib/config/load";
import { DB_FILE, openStore, type Store } from "../../lib/store";

const root = mkdtempSync(path.join(os.tmpdir(), "spine-auth-"));
let n = 0;
const freshDir = (): string => path.join(root, `data-${n++}`);

// One process per data dir at a time: opening a dir again plays a restart (the previous one's
// writes are committed and its store closed first).
const opened = new Map<string, { store: Store; auth: AuthService }>();
after(async () => {
  for (const { store, auth } of opened.values()) {
    await auth.flush();
    await store.close();
  }
  rmSync(root, { recursive: true, force: true });
});
async function storeAt(dir: string): Promise<Store> {
  const prev = opened.get(dir);
  if (prev) {
    await prev.auth.flush();
    await prev.store.close();
    opened.delete(dir);
  }
  return openStore({ dataDir: dir });
}
async function openAuth(dir: string, envPassword?: string, apiToken?: string, users?: UserConfig[]): Promise<AuthService> {
  const store = await storeAt(dir);
  try {
    const auth = await openAuthOn(store.auth, envPassword, apiToken, users);
    opened.set(dir, { store, auth });
    return auth;
  } catch (err) {
    await store.close();
    throw err;
  }
}
/** Every byte the store has on disk (database and write-ahead log). */
function onDisk(dir: string): string {
  return ["", "-wal"].map((x) => path.join(dir, `${DB_FILE}${x}`)).filter((f) => existsSync(f)).map((f) => readFileSync(f, "latin1")).join("");
}

const NOW = 1_795_564_572_000;

/** The session id a token carries. */
function sidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8")) as { sid: string }).sid;
}

describe("password hashing", () => {
  test("hash/verify round trip; a wrong password fails", () => {
    const stored = hashPassword("correct horse battery");
    assert.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    assert.ok(!stored.includes("correct horse battery"));
    assert.equal(verifyPassword("correct horse battery", stored), true);
    assert.equal(verifyPassword("correct horse batterY", stored), false);
    assert.equal(verifyPassword("", stored), false);
  });

  test("the same password hashes differently each time (salted)", () => {
    const a = hashPassword("same-password");
    const b = hashPassword("same-password");
    assert.notEqual(a, b);
    assert.equal(verifyPassword("same-password", a), true);
    assert.equal(verifyPassword("same-password", b), true);
  });

  test("a malformed stored hash never verifies", () => {
    assert.equal(verifyPassword("x", "not-a-hash"), false);
    assert.equal(verifyPassword("x", "bcrypt$1$2$3$4$5"), false);
    assert.equal(verifyPassword("x", "scrypt$16384$8$1$salt"), false);
  });

  test("safeEqualStrings and generatePassword", () => {
    assert.equal(safeEqualStrings("abc", "abc"), true);
    assert.equal(safeEqualStrings("abc", "abd"), false);
    assert.equal(safeEqualStrings("abc", "abcd"), false);
    const p = generatePassword();
    assert.match(p, /^[A-Za-z0-9_-]{20}$/);
    assert.notEqual(generatePassword(), p);
  });
});

describe("session tokens", () => {
  const secret = randomBytes(32);
  const payload = { sub: "admin", exp: NOW + 60_000, gen: 0 };

  test("a token issued with the secret reads back", () => {
    const t = issueToken(secret, payload);
    assert.deepEqual(readToken(secret, t, NOW, 0), payload);
  });

  test("a tampered signature is rejected", () => {
    const t = issueToken(secret, payload);
    const last = t.at(-1) === "A" ? "B" : "A";
    assert.equal(readToken(secret, t.slice(0, -1) + last, NOW), null);
    assert.equal(readToken(secret, `${t}x`, NOW), null);
  });

  test("a tampered body is rejected", () => {
    const t = issueToken(secret, payload);
    const sig = t.slice(t.indexOf(".") + 1);
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: "root", exp: NOW + 10 ** 9 })).toString("base64url");
    assert.equal(readToken(secret, `${forged}.${sig}`, NOW), null);
  });

  test("a token signed with another secret is rejected", () => {
    assert.equal(readToken(randomBytes(32), issueToken(secret, payload), NOW), null);
  });

  test("an expired token is rejected", () => {
    const t = issueToken(secret, payload);
    assert.notEqual(readToken(secret, t, payload.exp), null);
    assert.equal(readToken(secret, t, payload.exp + 1), null);
  });

  test("a token from another generation is rejected", () => {
    const t = issueToken(secret, payload);
    assert.equal(readToken(secret, t, NOW, 1), null);
    const t1 = issueToken(secret, { ...payload, gen: 1 });
    assert.equal(readToken(secret, t1, NOW, 0), null);
    assert.deepEqual(readToken(secret, t1, NOW, 1), { ...payload, gen: 1 });
  });

  test("garbage tokens are rejected without throwing", () => {
    for (const t of ["", ".", "abc", ".sig", "a.b.c", "x".repeat(3000)]) assert.equal(readToken(secret, t, NOW), null, t);
    // correctly signed, but not a valid payload
    const signed = (text: string): string => {
      const body = Buffer.from(text).toString("base64url");
      return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
    };
    assert.deepEqual(readToken(secret, signed(JSON.stringify(payload)), NOW), payload); // the helper signs like issueToken
    assert.equal(readToken(secret, signed("not json"), NOW), null);
    assert.equal(readToken(secret, signed(JSON.stringify({ exp: NOW + 1000, gen: 0 })), NOW), null);
    assert.equal(readToken(secret, signed(JSON.stringify({ sub: "admin", exp: "never", gen: 0 })), NOW), null);
  });

  test("parseCookies", () => {
    assert.deepEqual(parseCookies(undefined), {});
    assert.deepEqual(parseCookies(""), {});
    assert.deepEqual(parseCookies("a=1; b=hello%20world;c=x=y; novalue;=anon; bad=%E0%A4%A"), {
      a: "1",
      b: "hello world",
      c: "x=y",
    });
    assert.deepEqual(parseCookies(`${SESSION_COOKIE}=tok.sig`), { [SESSION_COOKIE]: "tok.sig" });
    // A repeated name: the first one counts (browsers send the most specific path first).
    assert.deepEqual(parseCookies(`${SESSION_COOKIE}=first; ${SESSION_COOKIE}=second`), { [SESSION_COOKIE]: "first" });
    // A cookie named __proto__ cannot change the result's prototype.
    const odd = parseCookies("__proto__=x; a=1");
    assert.equal(Object.getPrototypeOf(odd), Object.prototype);
    assert.equal(odd.a, "1");
  });

  test("session cookies are HttpOnly, SameSite=Strict, Secure only when asked", () => {
    const c = sessionCookie("tok", true);
    assert.match(c, new RegExp(`^${SESSION_COOKIE}=tok; `));
    assert.match(c, /HttpOnly/);
    assert.match(c, /SameSite=Strict/);
    assert.match(c, new RegExp(`Max-Age=${SESSION_TTL_MS / 1000}(;|$)`));
    assert.match(c, /; Secure$/);
    assert.doesNotMatch(sessionCookie("tok", false), /Secure/);
    assert.match(clearedSessionCookie(), /Max-Age=0/);
  });
});

describe("openAuth (the auth state in a temp data dir's store)", () => {
  test("without an env password: generates one once; a second open reuses the stored hash", async () => {
    const dir = freshDir();
    const first = await openAuth(dir);
    assert.equal(typeof first.generatedPassword, "string");
    const pw = first.generatedPassword ?? "";
    assert.ok(pw.length >= 16);
    assert.equal((first.checkLogin("admin", pw) !== null), true);
    assert.equal((first.checkLogin("admin", `${pw}x`) !== null), false);

    const second = await openAuth(dir);
    assert.equal(second.generatedPassword, null);
    assert.equal((second.checkLogin("admin", pw) !== null), true);
    assert.equal((second.checkLogin("admin", "something-else") !== null), false);
  });

  test("the store holds no plaintext password, only the hash, and its file has mode 0600", async () => {
    const dir = freshDir();
    const a = await openAuth(dir);
    assert.ok(a.generatedPassword);
    assert.ok(!onDisk(dir).includes(a.generatedPassword), "plaintext password on disk");
    const state = await opened.get(dir)!.store.auth.getState();
    assert.deepEqual(Object.keys(state).sort(), ["generation", "passwordHash", "sessionSecret"]);
    assert.match(String(state.passwordHash), /^scrypt\$/);
    assert.ok(onDisk(dir).includes(String(state.passwordHash)), "the hash is what is stored");
    assert.equal(statSync(path.join(dir, DB_FILE)).mode & 0o777, 0o600);

    const envDir = freshDir();
    await openAuth(envDir, "env-password-123");
    assert.ok(!onDisk(envDir).includes("env-password-123"));
    assert.equal(statSync(path.join(envDir, DB_FILE)).mode & 0o777, 0o600);
  });

  test("an existing database with loose permissions is tightened to 0600", async () => {
    const dir = freshDir();
    await openAuth(dir);
    const file = path.join(dir, DB_FILE);
    chmodSync(file, 0o644);
    assert.equal(statSync(file).mode & 0o777, 0o644);
    await openAuth(dir);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test("with REPLSCOPE_PASSWORD: that is the password, nothing is generated", async () => {
    const dir = freshDir();
    const a = await openAuth(dir, "env-password-123");
    assert.equal(a.generatedPassword, null);
    assert.equal((a.checkLogin("admin", "env-password-123") !== null), true);
    assert.equal((a.checkLogin("admin", "env-password-12") !== null), false);
    // later starts without the env var fall back to the stored hash of it
    const b = await openAuth(dir);
    assert.equal(b.generatedPassword, null);
    assert.equal((b.checkLogin("admin", "env-password-123") !== null), true);
  });

  test("sessions survive a restart (same data dir) but not a different data dir", async () => {
    const dir = freshDir();
    const token = (await openAuth(dir)).issue({ user: "admin", role: "operator" });
    assert.deepEqual((await openAuth(dir)).verify(token), { user: "admin", role: "operator", sid: sidOf(token) });
    // The token itself carries a 12 h expiry.
    const body = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as { exp: number };
    assert.ok(body.exp > Date.now() + SESSION_TTL_MS - 60_000);
    assert.equal((await openAuth(freshDir())).verify(token), null);
  });

  test("a stored auth state that is not replscope's is refused, not overwritten", async () => {
    const dir = freshDir();
    await openAuth(dir);
    const store = await storeAt(dir);
    await store.auth.setState({ passwordHash: "hunter2" });
    await store.close();
    await assert.rejects(openAuth(dir), /not replscope's/);
    const again = await storeAt(dir);
    assert.equal((await again.auth.getState()).passwordHash, "hunter2");
    await again.close();
  });

  test("api token", async () => {
    const withToken = await openAuth(freshDir(), undefined, "0123456789abcdef-token");
    assert.equal(withToken.hasApiToken, true);
    assert.equal(withToken.checkApiToken("0123456789abcdef-token"), true);
    assert.equal(withToken.checkApiToken("0123456789abcdef-tokex"), false);
    const without = await openAuth(freshDir());
    assert.equal(without.hasApiToken, false);
    assert.equal(without.checkApiToken(""), false);
    assert.equal(without.checkApiToken("undefined"), false);
  });
});

describe("gate", () => {
  const API_TOKEN = "0123456789abcdef-token";
  let auth: AuthService;
  let other: AuthService;
  before(async () => {
    auth = await openAuth(freshDir(), "env-password-123", API_TOKEN);
    other = await openAuth(freshDir(), "env-password-123");
  });

  test("authenticate with a session cookie", () => {
    const token = auth.issue({ user: "admin", role: "operator" });
    assert.deepEqual(authenticate({ cookie: `theme=dark; ${SESSION_COOKIE}=${token}` }, auth), { ok: true, via: "cookie", user: "admin", role: "operator", sid: sidOf(token) });
  });

  test("authenticate with a bearer API token (any case of 'Bearer')", () => {
    assert.deepEqual(authenticate({ authorization: `Bearer ${API_TOKEN}` }, auth), { ok: true, via: "token", user: "api-token", role: "operator" });
    assert.deepEqual(authenticate({ authorization: `bearer  ${API_TOKEN}` }, auth), { ok: true, via: "token", user: "api-token", role: "operator" });
  });

  test("no credentials, wrong token, or a cookie from another install → not authenticated", () => {
    assert.deepEqual(authenticate({}, auth), { ok: false });
    assert.deepEqual(authenticate({ authorization: "Bearer wrong-token-wrong-token" }, auth), { ok: false });
    assert.deepEqual(authenticate({ authorization: API_TOKEN }, auth), { ok: false });
    assert.deepEqual(authenticate({ cookie: `${SESSION_COOKIE}=${other.issue({ user: "admin", role: "operator" })}` }, auth), { ok: false });
    assert.deepEqual(authenticate({ cookie: `${SESSION_COOKIE}=` }, auth), { ok: false });
  });

  test("a wrong bearer token still lets a valid cookie through", () => {
    const token = auth.issue({ user: "admin", role: "operator" });
    assert.deepEqual(authenticate({ authorization: "Bearer nope", cookie: `${SESSION_COOKIE}=${token}` }, auth), { ok: true, via: "cookie", user: "admin", role: "operator", sid: sidOf(token) });
  });

  test("originAllowed", () => {
    assert.equal(originAllowed({ host: "localhost:3000" }), true);
    assert.equal(originAllowed({ origin: "http://localhost:3000", host: "localhost:3000" }), true);
    assert.equal(originAllowed({ origin: "https://dash.example.com", host: "dash.example.com" }), true);
    assert.equal(originAllowed({ origin: "http://evil.example", host: "localhost:3000" }), false);
    assert.equal(originAllowed({ origin: "http://localhost:3001", host: "localhost:3000" }), false);
    assert.equal(originAllowed({ origin: "null", host: "localhost:3000" }), false);
    assert.equal(originAllowed({ origin: "http://localhost:3000" }), false);
  });

  test("isPublicPath", () => {
    for (const p of ["/api/health", "/login", "/api/auth/login", "/favicon.ico", "/_next/static/chunks/main.js"]) {
      assert.equal(isPublicPath(p), true, p);
    }
    for (const p of ["/api/topology", "/", "/api/health/details", "/api/auth/logout", "/nodes/127.0.0.1:6379", "/_next/data/x.json", "/login/../api/topology"]) {
      assert.equal(isPublicPath(p), false, p);
    }
  });

  test("isSafeMethod", () => {
    for (const m of ["GET", "HEAD", "OPTIONS"]) assert.equal(isSafeMethod(m), true, m);
    for (const m of ["POST", "PUT", "DELETE", "PATCH", "get", undefined]) assert.equal(isSafeMethod(m), false, String(m));
  });
});

describe("server-side sessions (issue 9, finding 12)", () => {
  test("regression: logout ends that session for good, across a restart; the user's other sessions stay", async () => {
    const dir = freshDir();
    const a = await openAuth(dir, "env-password-123");
    const tab = a.issue({ user: "admin", role: "operator" });
    const laptop = a.issue({ user: "admin", role: "operator" });
    const revoked: string[] = [];
    a.onRevoke((sid) => revoked.push(sid));
    assert.deepEqual(a.revoke(tab), { user: "admin", role: "operator", sid: sidOf(tab) });
    assert.deepEqual(revoked, [sidOf(tab)]);
    assert.equal(a.verify(tab), null);
    assert.equal(a.sessionOpen(sidOf(tab)), false);
    assert.equal(a.revoke(tab), null, "a second logout ends nothing");
    const restarted = await openAuth(dir, "env-password-123");
    assert.equal(restarted.verify(tab), null, "still ended after a restart");
    assert.equal(restarted.verify(laptop)?.user, "admin", "the other session survives logout and restart");
  });

  test("regression: a validly signed token that names no stored session is refused", async () => {
    const dir = freshDir();
    const a = await openAuth(dir);
    const secret = Buffer.from((await opened.get(dir)!.store.auth.getState()).sessionSecret ?? "", "hex");
    const stateless = issueToken(secret, { sub: "admin", exp: Date.now() + 60_000, gen: 0 });
    assert.equal(a.verify(stateless), null);
    const unknownSid = issueToken(secret, { sub: "admin", exp: Date.now() + 60_000, gen: 0, sid: "A".repeat(24) });
    assert.equal(a.verify(unknownSid), null);
    const other = a.issue({ user: "admin", role: "operator" });
    const stolenSid = issueToken(secret, { sub: "vera", exp: Date.now() + 60_000, gen: 0, sid: sidOf(other) });
    assert.equal(a.verify(stolenSid), null, "a session belongs to one user");
  });

  test("log out everywhere ends every session and reports each, for good", async () => {
    const dir = freshDir();
    const a = await openAuth(dir);
    const tokens = [a.issue({ user: "admin", role: "operator" }), a.issue({ user: "admin", role: "operator" })];
    const revoked: string[] = [];
    const off = a.onRevoke((sid) => revoked.push(sid));
    a.logoutEverywhere();
    off();
    assert.deepEqual(revoked.sort(), tokens.map(sidOf).sort());
    for (const t of tokens) assert.equal(a.verify(t), null);
    const restarted = await openAuth(dir);
    for (const t of tokens) assert.equal(restarted.verify(t), null, "still ended after a restart");
    assert.ok(restarted.verify(restarted.issue({ user: "admin", role: "operator" })), "a new login works");
  });
});

describe("equal hashing work for every user name (issue 9, finding 3)", () => {
  test("regression: an unknown name, a config user and admin with REPLSCOPE_PASSWORD each cost one scrypt with the same parameters", async () => {
    const users = [{ name: "vera", role: "viewer" as const, passwordHash: hashPassword("viewer-pass-123") }];
    const a = await openAuth(freshDir(), "env-password-123", undefined, users);
    const calls = mock.method(crypto, "scryptSync");
    try {
      const costOf = (user: string, password: string) => {
        const before = calls.mock.callCount();
        const ok = a.checkLogin(user, password) !== null;
        const args = calls.mock.calls.slice(before).map((c) => JSON.stringify(c.arguments[3]));
        return { ok, args };
      };
      const unknown = costOf("nobody-by-this-name", "guess-123");
      const viewer = costOf("vera", "guess-123");
      const admin = costOf("admin", "guess-123");
      const adminOk = costOf("admin", "env-password-123");
      assert.deepEqual([unknown.ok, viewer.ok, admin.ok, adminOk.ok], [false, false, false, true]);
      for (const c of [unknown, viewer, admin, adminOk]) assert.equal(c.args.length, 1, "one scrypt per check");
      assert.deepEqual(new Set([unknown, viewer, admin, adminOk].map((c) => c.args[0])).size, 1, "same scrypt parameters");
    } finally {
      calls.mock.restore();
    }
  });
});

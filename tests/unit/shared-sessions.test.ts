// Two AuthServices on one store play two instances sharing the PostgreSQL store (here SQLite, the
// same repository code): the first start's secret is the one both use, a session opened on one is
// learned by the other, and a logout or "log out everywhere" on one ends it on the other.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openAuth } from "../../lib/auth/store";
import { openStore } from "../../lib/store";

const dir = mkdtempSync(path.join(os.tmpdir(), "shared-sessions-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("two instances on one store: one secret, logins learned, logouts and log-out-everywhere reach the other", async () => {
  const store = await openStore({ dataDir: dir });
  try {
    // Started at the same moment on an empty store: both keep the first one's secret.
    const [x, y] = await Promise.all([openAuth(store.auth, "first-password-1"), openAuth(store.auth, "second-password-2")]);
    const token = x.issue({ user: "admin", role: "operator" });
    await x.flush();
    assert.equal(y.verify(token), null, "not known before it is looked up");
    await y.learn(token);
    const s = y.verify(token);
    assert.ok(s, "the session opened on x is valid on y (same secret, read from the store)");

    const endedOnY: string[] = [];
    y.onRevoke((sid) => endedOnY.push(sid));
    assert.ok(x.revoke(token));
    await x.flush();
    await y.sync();
    assert.equal(y.verify(token), null);
    assert.deepEqual(endedOnY, [s.sid], "y's sockets of that session are told");

    // A logout announced before its delete is committed is not undone by a re-read.
    const t2 = x.issue({ user: "admin", role: "operator" });
    await x.flush();
    await y.sync();
    const s2 = y.verify(t2);
    assert.ok(s2, "a re-read learns sessions opened elsewhere");
    y.forget(s2.sid);
    await y.sync();
    assert.equal(y.verify(t2), null);
    await y.learn(t2);
    assert.equal(y.verify(t2), null);

    const t3 = x.issue({ user: "admin", role: "operator" });
    await x.flush();
    await y.learn(t3);
    assert.ok(y.verify(t3));
    x.logoutEverywhere();
    await x.flush();
    await y.sync();
    assert.equal(y.verify(t3), null, "log out everywhere on x ends y's sessions too");
    const t4 = y.issue({ user: "admin", role: "operator" });
    await y.flush();
    await x.learn(t4);
    assert.ok(x.verify(t4), "y's new sessions carry the new generation");
  } finally {
    await store.close();
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyStatus, createWebhookSender, validateWebhookUrl } from "../../lib/alerts/webhook";

test("status classes: deliver, retry, give up", () => {
  assert.deepEqual(
    [200, 204, 301, 400, 401, 404, 408, 413, 429, 500, 502, 503].map((s) => `${s}:${classifyStatus(s)}`),
    ["200:sent", "204:sent", "301:give-up", "400:give-up", "401:give-up", "404:give-up", "408:retry", "413:give-up", "429:retry", "500:retry", "502:retry", "503:retry"],
  );
});

test("only http(s) URLs and sane numbers are accepted", async () => {
  assert.equal(validateWebhookUrl("https://hooks.example.com/x?y=1").host, "hooks.example.com");
  assert.throws(() => validateWebhookUrl("ftp://example.com/"), /http or https/);
  assert.throws(() => validateWebhookUrl("file:///etc/passwd"), /http or https/);
  assert.throws(() => validateWebhookUrl("not a url"), /not a valid URL/);
  assert.throws(() => createWebhookSender({ url: "javascript:alert(1)" }), TypeError);
  assert.throws(() => createWebhookSender({ url: "http://127.0.0.1/", maxQueue: 0 }), RangeError);
  assert.throws(() => createWebhookSender({ url: "http://127.0.0.1/", timeoutMs: 1.5 }), RangeError);
  const ok = createWebhookSender({ url: "http://127.0.0.1/", retries: 0 });
  await ok.close();
});

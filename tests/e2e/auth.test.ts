// Issue 9 in a real browser: the after-login redirect stays on this origin (finding 7), and the
// audit page shows failed, throttled and logout events with who/action/time filters (finding 3).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, TEST_PASSWORD, type ServerProcess } from "../support/server";
import { startTopology, type Topology } from "../support/topology";

let topo: Topology;
let server: ServerProcess;
let browser: Browser;

before(async () => {
  topo = await startTopology({ replicas: 0 });
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}` });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await topo?.stop();
});

/** Logs in on /login?next=<raw> and returns where the browser ended up. */
async function landAfterLogin(page: Page, rawNext: string): Promise<URL> {
  await page.goto(`${server.url}/login?next=${rawNext}`);
  await page.getByTestId("password").fill(TEST_PASSWORD);
  await page.getByTestId("login-submit").click();
  await page.waitForURL((u) => !(u.origin === server.url && u.pathname === "/login"), { timeout: 10_000 });
  return new URL(page.url());
}

test("regression: after login, next= never leaves this origin (the issue's /%5C… and /%09/… spellings)", async () => {
  const elsewhere = `127.0.0.1:${server.port + 1}`;
  for (const rawNext of [`/%5C${elsewhere}/phish`, `/%09/${elsewhere}/phish`, `//${elsewhere}/phish`, `/%5C%5C${elsewhere}`, `https://${elsewhere}/`, `/%0A/${elsewhere}`]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const landed = await landAfterLogin(page, rawNext);
      assert.equal(landed.origin, server.url, `next=${rawNext} went to ${landed.href}`);
      assert.equal(landed.pathname, "/");
    } finally {
      await context.close();
    }
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  const landed = await landAfterLogin(page, encodeURIComponent("/keys?db=1"));
  assert.equal(`${landed.origin}${landed.pathname}${landed.search}`, `${server.url}/keys?db=1`, "a same-origin path is followed");
  await context.close();
});

test("the audit page shows failed, throttled and logout events and filters them by who, action and time", async () => {
  const post = (username: string, password: string) =>
    fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await post("mallory", "guess")).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  const cookie = ((await post("admin", TEST_PASSWORD)).headers.get("set-cookie") ?? "").split(";")[0]!;
  assert.equal((await fetch(`${server.url}/api/auth/logout`, { method: "POST", headers: { cookie } })).status, 200);

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/audit`);
  const rows = page.getByTestId("audit-row");
  await rows.filter({ hasText: "logout" }).first().waitFor({ timeout: 10_000 });
  const seen = async () => rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute("data-action")}:${tr.getAttribute("data-result")}`));
  const all = await seen();
  for (const want of ["login:denied", "login:throttled", "logout:ok", "login:ok"]) assert.ok(all.includes(want), `${want} in ${all.join(" ")}`);

  await page.getByTestId("audit-filter-user").fill("mallory");
  await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=audit-row]")].every((tr) => tr.textContent?.includes("mallory")));
  const mallory = await seen();
  assert.deepEqual([...new Set(mallory)].sort(), ["login:denied", "login:throttled"]);

  await page.getByTestId("audit-filter-clear").click();
  await page.getByTestId("audit-filter-action").fill("logout");
  await page.waitForFunction(() => {
    const trs = [...document.querySelectorAll("[data-testid=audit-row]")];
    return trs.length > 0 && trs.every((tr) => tr.getAttribute("data-action") === "logout");
  });

  await page.getByTestId("audit-filter-from").fill("2999-01-01T00:00");
  await page.getByTestId("audit-empty").waitFor({ timeout: 10_000 });
  await page.close();
});

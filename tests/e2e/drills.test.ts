// Failover drills from the browser: start a promote drill through the confirmation dialog, watch the
// master badge move on the live map without a reload, read the report and download it. Also: a
// viewer sees the page read-only, a topology without drills says why, and sentinel cards on the map.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { hashPassword } from "../../lib/auth/password";
import { stopAll } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { startSentinels, type Sentinels } from "../support/sentinel";
import { startTopology, type Topology } from "../support/topology";

let topo: Topology;
let watched: Topology;
let sent: Sentinels;
let server: ServerProcess;
let browser: Browser;
let dir: string;

before(async () => {
  topo = await startTopology({ replicas: 2 });
  watched = await startTopology({ replicas: 1 });
  sent = await startSentinels({ host: watched.master.host, port: watched.master.port }, { downAfterMs: 1000 });
  dir = mkdtempSync(path.join(tmpdir(), "replscope-e2e-drills-"));
  const configFile = path.join(dir, "config.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      topologies: [
        { name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`], drills: true, pollMs: 100 },
        { name: "watched", seeds: [`redis://127.0.0.1:${watched.master.port}`], sentinels: sent.sentinels.map((s) => `redis://127.0.0.1:${s.port}`) },
      ],
      users: [{ name: "vera", role: "viewer", passwordHash: hashPassword("viewer-pass-123") }],
    }),
  );
  server = await startServer({ REPLSCOPE_CONFIG: configFile });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sent?.stop();
  await watched?.stop();
  await topo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  return errors;
}

interface RoleChange {
  from: string | null;
  to: string | null;
  at: number;
}

test("a promote drill started from the UI moves the master live and ends with a report", { timeout: 120_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const errors = watchErrors(page);
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/drills`);

  // The form: only "main" allows drills; "watched" says why not.
  const topologySelect = page.getByTestId("drill-topology");
  await topologySelect.waitFor();
  assert.equal(await topologySelect.inputValue(), "main");
  assert.equal(await page.locator('[data-testid="drill-topology"] option[value="watched"]').isDisabled(), true);
  await page.getByTestId("drills-off").getByText(/watched.*drills are off/).waitFor();

  // The suggested target is preselected once the plan and the live map have arrived.
  const replicaIds = topo.replicas.map((r) => r.id);
  await page.waitForFunction(
    (ids) => ids.includes((document.querySelector('[data-testid="drill-target"]') as HTMLSelectElement | null)?.value ?? ""),
    replicaIds,
    { timeout: 15_000 },
  );
  const target = await page.getByTestId("drill-target").inputValue();
  assert.equal(await page.getByTestId("opt-include-old-master").isChecked(), true);

  // From now on, record every change of the role shown on the target's card (the card may be
  // re-created when it moves to the top of the map, so watch the whole document), and mark this
  // page instance: a reload would lose both.
  await page.evaluate((id) => {
    const w = window as unknown as { __roleChanges: RoleChange[]; __marker: number };
    w.__marker = 7;
    w.__roleChanges = [];
    let last: string | null = document.querySelector(`[data-testid="node-${id}"]`)?.getAttribute("data-role") ?? null;
    new MutationObserver(() => {
      const role = document.querySelector(`[data-testid="node-${id}"]`)?.getAttribute("data-role") ?? null;
      if (role === null || role === last) return;
      w.__roleChanges.push({ from: last, to: role, at: Date.now() });
      last = role;
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-role"] });
  }, target);

  // Confirmation: names every node the drill touches and the pre-checks.
  await page.getByTestId("drill-review").click();
  const dialog = page.getByTestId("confirm-dialog");
  await dialog.waitFor();
  const touches = (await page.getByTestId("confirm-touches").locator("li").allTextContents()).sort();
  assert.deepEqual(touches, topo.all.map((n) => n.id).sort());
  assert.equal(await page.getByTestId("confirm-target").textContent(), target);
  await page.getByTestId("confirm-prechecks-ok").waitFor();
  await page.getByTestId("confirm-action").click();

  await page.waitForURL(/\/drills\/[0-9a-f-]{36}$/, { timeout: 10_000 });
  const drillId = page.url().split("/").pop()!;
  await page.getByTestId(`node-${target}`).waitFor({ timeout: 10_000 });

  // The badge moves on the map while the drill runs.
  const sawReplica = await page.getByTestId(`node-${target}`).getAttribute("data-role");
  await page
    .waitForFunction(() => (window as unknown as { __roleChanges: RoleChange[] }).__roleChanges.some((c) => c.from === "replica" && c.to === "master"), undefined, { timeout: 20_000 })
    .catch(async (err: unknown) => {
      const seen = await page.evaluate(() => (window as unknown as { __roleChanges: RoleChange[] }).__roleChanges);
      const now = await page.getByTestId(`node-${target}`).getAttribute("data-role");
      throw new Error(`no replica→master change on ${target}'s card (first seen as ${sawReplica}, now ${now}; changes ${JSON.stringify(seen)}): ${String(err)}`);
    });
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 7, "no page reload happened");

  // The report, once the drill is done.
  await page.waitForFunction(() => document.querySelector('[data-testid="drill-detail"]')?.getAttribute("data-status") === "done", undefined, { timeout: 60_000 });
  await page.getByTestId("drill-report").waitFor();
  assert.equal(await page.getByTestId("report-new-master").textContent(), target);
  const outage = (await page.getByTestId("report-write-outage").textContent()) ?? "";
  assert.match(outage, /^[\d,]+ ms$/, `write outage shown as a number: "${outage}"`);
  assert.match((await page.getByTestId("report-lost-writes").textContent()) ?? "", /^\d+$/);
  assert.equal(await page.getByTestId(`node-${target}`).getAttribute("data-role"), "master");
  const steps = await page.getByTestId("drill-steps").locator("li").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
  assert.ok(steps.includes("promote") && steps.includes("settled"), steps.join(","));

  // Downloads.
  const md = await page.request.get(`${server.url}${await page.getByTestId("download-md").getAttribute("href")}`);
  assert.equal(md.status(), 200);
  assert.match(await md.text(), new RegExp(target.replace(/[.]/g, "\\.")));
  const json = await page.request.get(`${server.url}${await page.getByTestId("download-json").getAttribute("href")}`);
  assert.equal(json.status(), 200);
  assert.equal(((await json.json()) as { report: { newMaster: string } }).report.newMaster, target);

  // The list shows it, newest first, linking back.
  await page.getByRole("link", { name: "← Drills" }).click();
  const row = page.getByTestId(`drill-row-${drillId}`);
  await row.waitFor({ timeout: 10_000 });
  assert.match((await row.textContent()) ?? "", new RegExp(`Promote.*main.*done.*${target.replace(/[.]/g, "\\.")}`));
  assert.deepEqual(errors, []);
  await page.close();
});

test("a running drill can be aborted from its page after a confirmation", { timeout: 60_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = watchErrors(page);
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/drills`);
  await page.getByTestId("drill-scenario").selectOption("outage");
  await page.getByTestId("opt-outage-ms").fill("4000");
  await page.getByTestId("drill-review").click();
  await page.getByTestId("confirm-prechecks-ok").waitFor({ timeout: 10_000 });
  await page.getByTestId("confirm-action").click();
  await page.waitForURL(/\/drills\/[0-9a-f-]{36}$/, { timeout: 10_000 });
  await page.locator('[data-testid="drill-steps"] li[data-step="outage"]').waitFor({ timeout: 10_000 });
  await page.getByTestId("drill-abort").click();
  await page.getByTestId("confirm-action").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="drill-detail"]')?.getAttribute("data-status") === "aborted", undefined, { timeout: 15_000 });
  await page.getByTestId("drill-error").getByText("aborted by the operator").waitFor();
  await page.getByTestId("drill-report").waitFor();
  assert.equal(await page.getByTestId("drill-abort").count(), 0, "no abort button once it ended");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a viewer sees drills read-only", async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/drills`);
  await page.waitForURL(/\/login/);
  await page.getByTestId("username").fill("vera");
  await page.getByTestId("password").fill("viewer-pass-123");
  await page.getByTestId("login-submit").click();
  await page.waitForURL(/\/drills$/);
  await page.getByTestId("viewer-note").waitFor();
  assert.equal(await page.getByTestId("drill-review").isDisabled(), true);
  assert.equal(await page.getByTestId("drill-scenario").isDisabled(), true);
  await page.close();
});

test("sentinel cards show what each sentinel believes, and a dead one goes down", { timeout: 60_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const errors = watchErrors(page);
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/?topology=watched`);
  for (const s of sent.sentinels) {
    const card = page.getByTestId(`sentinel-${s.id}`);
    await card.waitFor({ timeout: 15_000 });
    await page.waitForFunction((id) => document.querySelector(`[data-testid="sentinel-${id}"] [data-testid="subscription"]`)?.getAttribute("data-live") === "true", s.id, { timeout: 15_000 });
    assert.equal(await card.getAttribute("data-status"), "up");
    assert.equal(await card.getByTestId("believed-master").textContent(), watched.master.id);
    await card.getByTestId("ckquorum").filter({ hasText: /^OK \d+ usable/ }).waitFor({ timeout: 15_000 });
  }
  await page.getByText("Failover-state events come only from the leader", { exact: false }).waitFor();
  const victim = sent.sentinels[2]!;
  await stopAll([victim]);
  await page.waitForFunction((id) => document.querySelector(`[data-testid="sentinel-${id}"]`)?.getAttribute("data-status") === "down", victim.id, { timeout: 15_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

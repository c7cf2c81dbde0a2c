// Logs in and screenshots pages with Debian's Chromium: npx tsx scripts/screenshot.ts <baseUrl> <password> <outDir> [path…]
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

async function main() {
  const [base, password, outDir = "screenshots", ...paths] = process.argv.slice(2);
  if (!base || !password) throw new Error("usage: screenshot.ts <baseUrl> <password> [outDir] [path…]");
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${base}/login`);
  await page.screenshot({ path: path.join(outDir, "login.png") });
  await page.getByTestId("password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(`${base}/`);
  for (const p of paths.length ? paths : ["/"]) {
    await page.goto(`${base}${p}`);
    await page.waitForTimeout(6000);
    const name = p === "/" ? "overview" : p.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "");
    await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
    console.log(`saved ${name}.png`);
  }
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

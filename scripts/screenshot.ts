// Logs in and screenshots pages with Debian's Chromium at one or more widths, and says for each
// page whether it scrolls sideways (and which elements stick out) — the layout check by eye:
//   npx tsx scripts/screenshot.ts <baseUrl> <password> <outDir> [--widths 390,768,1440] [--wait ms] [path…]
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";


/** The page's width against the window's, and the outermost elements reaching past the window. */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const r = el.getBoundingClientRect();
      if (r.right <= innerWidth + 0.5 || r.width === 0) continue;
      // Only the outermost: an element whose parent already sticks out is not news, and content
      // inside a sideways scroller is meant to be wider.
      const parent = el.parentElement?.getBoundingClientRect();
      if (parent && parent.right > innerWidth + 0.5) continue;
      let scroller = false;
      for (let a = el.parentElement; a && !scroller; a = a.parentElement) scroller = getComputedStyle(a).overflowX !== "visible";
      if (scroller) continue;
      const cls = typeof el.className === "string" ? el.className.slice(0, 80) : "";
      culprits.push(`${el.tagName.toLowerCase()}${el.getAttribute("data-testid") ? `[${el.getAttribute("data-testid")}]` : ""} right=${Math.round(r.right)} .${cls}`);
      if (culprits.length >= 5) break;
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits };
  });
}

async function main() {
  const { values, positionals } = parseArgs({ options: { widths: { type: "string", default: "1440" }, wait: { type: "string", default: "4000" } }, allowPositionals: true });
  const widths = values.widths.split(",").map(Number);
  const waitMs = Number(values.wait);
  const [base, password, outDir = "screenshots", ...paths] = positionals;
  if (!base || !password || widths.some((w) => !(w > 0)) || !(waitMs >= 0)) {
    throw new Error("usage: screenshot.ts <baseUrl> <password> [outDir] [--widths 390,768,1440] [--wait ms] [path…]");
  }
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const context = await browser.newContext({ viewport: { width: widths[0] ?? 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByTestId("password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(`${base}/`);
  for (const p of paths.length ? paths : ["/"]) {
    const name = p === "/" ? "overview" : p.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "");
    for (const width of widths) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${base}${p}`);
      await page.waitForTimeout(waitMs);
      const file = path.join(outDir, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      const o = await overflow(page);
      const verdict = o.scrollWidth <= o.innerWidth ? "fits" : `SCROLLS SIDEWAYS (${o.scrollWidth} px)`;
      console.log(`${file}: ${verdict}`);
      for (const c of o.culprits) console.log(`    ${c}`);
    }
  }
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

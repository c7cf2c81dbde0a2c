// Debian's Chromium driven by playwright-core (no browser download).
import { chromium, type Browser, type Page } from "playwright-core";
import { TEST_PASSWORD } from "./server";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
}

export async function loginInBrowser(page: Page, baseUrl: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/login/);
  await page.getByTestId("password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(`${baseUrl}/`);
}

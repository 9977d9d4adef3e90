// Real Chromium for console tests: Debian's chromium driven by playwright-core. Screenshots go to
// artifacts/console/ (kept by CI as test artefacts, ignored by git).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Why browser tests cannot run here, or null. .ci/run installs chromium when it is missing. */
export const chromiumMissing = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'artifacts', 'console');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** The page at 390 px (a phone) and 1280 px (a desktop), saved as <name>-390.png and <name>-1280.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}

/** Nothing wider than the screen at 390 px (the page itself never scrolls sideways). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = await page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1');
  await page.setViewportSize({ width: 1280, height: 800 });
  return wide;
}

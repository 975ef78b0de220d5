import type { Page } from 'playwright-core';
import { AXE_PATH } from './browser.js';

/**
 * axe-core for the acceptance checks of issue 11. axe goes into the page as an
 * init script of the browser context: Chromium runs those outside the page's
 * CSP (no bypassCSP, no inline script), so the page keeps its strict CSP and
 * any violation it causes is still reported.
 */

export const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
export const THEMES = ['light', 'dark'] as const;

export type Finding = { rule: string; impact: string; help: string; targets: string[] };

/** Makes axe available in every document this page's context loads from now on. */
export async function installAxe(page: Page): Promise<void> {
  await page.context().addInitScript({ path: AXE_PATH });
}

/** Sets the viewport and colour scheme, and waits until the page has laid itself out again. */
export async function look(page: Page, width: (typeof WIDTHS)[number], theme: (typeof THEMES)[number]): Promise<void> {
  await page.setViewportSize({ width: width.width, height: width.height });
  await page.emulateMedia({ colorScheme: theme });
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  const scheme = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  if (scheme !== (theme === 'dark')) throw new Error(`the page did not switch to ${theme}`);
}

/**
 * Waits until the page stops changing (answers how long that took; no nodes or text added or removed for 300 ms, at most 3 s):
 * screens fill in after their requests answer. Attribute changes (level meters) do not count,
 * and a call's ticking timer leaves quiet gaps between ticks.
 */
export async function settle(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const started = performance.now();
        let last = started;
        const observer = new MutationObserver(() => (last = performance.now()));
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
        const check = () => {
          const now = performance.now();
          if (now - last >= 300 || now - started >= 3000) {
            observer.disconnect();
            resolve(now - started);
          } else setTimeout(check, 50);
        };
        setTimeout(check, 50);
      }),
  );
}

/** axe's full default rule set (WCAG 2.0–2.2 A/AA and best practices) on the whole document: the serious and critical findings. */
export async function seriousFindings(page: Page): Promise<Finding[]> {
  const present = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!present) throw new Error('axe is not in the page: call installAxe before the page loads');
  return page.evaluate(async () => {
    type AxeResult = { violations: Array<{ id: string; impact?: string; help: string; nodes: Array<{ target: unknown[] }> }> };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResult> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ rule: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  });
}

/**
 * Saves `page` in every look (width × theme) as `<dir>/<name>-<width>-<theme>.png` when `dir`
 * is set (tests take it from an environment variable), then puts the page back to the default look.
 */
export async function shootLooks(page: Page, dir: string | undefined, name: string): Promise<void> {
  if (!dir) return;
  for (const width of WIDTHS) {
    for (const theme of THEMES) {
      await look(page, width, theme);
      await page.screenshot({ path: `${dir}/${name}-${width.width}-${theme}.png` });
    }
  }
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
}

// Every page at phone width (390 px) has no horizontal overflow; screenshots of every page at
// 1280 px (and 390 px) go to e2e/screenshots/ for a person to look at.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import {
  DESKTOP,
  PHONE,
  horizontalOverflow,
  launchBrowser,
  newContext,
  signIn,
} from "../lib/harness.js";
import { demoPages, openPage } from "../lib/pages.js";

const SHOTS = path.resolve(import.meta.dirname, "..", "screenshots");

let browser;
let pages;
before(async () => {
  browser = await launchBrowser();
  pages = await demoPages();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
});

/**
 * Visits every page at `viewport` (signed out for the login page), each as a subtest of `t`
 * named after the page, and calls `check` on it.
 */
async function eachPage(t, viewport, check) {
  const guest = await newContext(browser, viewport);
  const member = await newContext(browser, viewport);
  const guestTab = await guest.newPage();
  const memberTab = await member.newPage();
  await signIn(memberTab);
  try {
    for (const [index, page] of pages.entries()) {
      await t.test(page.key, async () => {
        const tab = page.signedIn ? memberTab : guestTab;
        await openPage(tab, page);
        await check(tab, page, `${String(index + 1).padStart(2, "0")}-${page.key}.png`);
      });
    }
    assert.deepEqual([...guest.pageErrors, ...member.pageErrors], []);
  } finally {
    await guest.close();
    await member.close();
  }
}

test("no page overflows horizontally at 390 px", async (t) => {
  await eachPage(t, PHONE, async (tab, page, file) => {
    const { scrollWidth, clientWidth } = await horizontalOverflow(tab);
    await tab.screenshot({ path: path.join(SHOTS, `phone-${file}`), fullPage: true });
    assert.ok(
      scrollWidth <= clientWidth,
      `${page.path} is ${scrollWidth} px wide on a ${clientWidth} px screen`,
    );
  });
});

test("screenshots of every page at 1280 px", async (t) => {
  await eachPage(t, DESKTOP, async (tab, page, file) => {
    const { scrollWidth, clientWidth } = await horizontalOverflow(tab);
    assert.ok(scrollWidth <= clientWidth, `${page.path} overflows at 1280 px`);
    const shot = await tab.screenshot({ path: path.join(SHOTS, `desktop-${file}`), fullPage: true });
    assert.ok(shot.length > 10_000, `desktop-${file} is a real picture`);
  });
});

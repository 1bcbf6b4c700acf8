// Shared set-up of the browser tests: the server's address, one headless Chromium per test
// file, sign-in, the JSON API, and small waiting and measuring helpers.
//
// `cargo xtask e2e` starts `crm serve` on a fresh SQLite database with the demo data and passes
// its address in CRM_URL; the tests never start a server themselves.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

/** The demo users of the seed (seed/). */
export const AVA = { email: "ava@demo.crm", password: "demo-pass-1", name: "Ava Thompson" };
export const BEN = { email: "ben@demo.crm", password: "demo-pass-2", name: "Ben Okafor" };

/** Desktop and phone widths used by the tests. */
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The running server's base URL, without a trailing slash. */
export function baseUrl() {
  const url = process.env.CRM_URL;
  if (!url) {
    throw new Error("CRM_URL is not set: run the browser tests with `cargo xtask e2e`");
  }
  return url.replace(/\/+$/, "");
}

/**
 * Launches the system Chromium headless. Playwright gives every launch a fresh, temporary
 * user-data-dir and deletes it on close, so no profile state leaks between runs.
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A fresh browser context (own cookies and storage) at `viewport`, with the server as base
 * URL. Console errors and uncaught page errors are collected in `context.pageErrors`.
 */
export async function newContext(browser, viewport = DESKTOP) {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    viewport,
    locale: "en-GB",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  context.pageErrors = [];
  context.on("page", (page) => {
    page.on("pageerror", (err) => context.pageErrors.push(String(err)));
  });
  return context;
}

/** Signs `user` in through the login form; the page lands on the dashboard. */
export async function signIn(page, user = AVA) {
  await page.goto("/login");
  await page.getByTestId("login-email").fill(user.email);
  await page.getByTestId("login-password").fill(user.password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== "/login"),
    page.getByTestId("login-submit").click(),
  ]);
}

/** A new signed-in page of a new context. */
export async function signedInPage(browser, user = AVA, viewport = DESKTOP) {
  const context = await newContext(browser, viewport);
  const page = await context.newPage();
  await signIn(page, user);
  return { context, page };
}

/** Signs `user` in on the JSON API and answers a function that GETs a path with the token. */
export async function apiAs(user) {
  const login = await fetch(`${baseUrl()}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  assert.equal(login.status, 200, `API sign-in of ${user.email}`);
  const { access_token: token } = await login.json();
  return async (path) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    });
    assert.equal(res.status, 200, `GET ${path}`);
    return res.json();
  };
}

/** Waits until the toast area shows a toast containing `text` and answers its text. */
export async function expectToast(page, text) {
  const toast = page.getByTestId("toast").filter({ hasText: text });
  await toast.first().waitFor({ state: "visible" });
  return (await toast.first().innerText()).trim();
}

/** Polls `probe` until it answers a truthy value (answered) or `timeoutMs` passes. */
export async function eventually(probe, message, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > until) throw new Error(`timed out: ${message} (last value: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The page's horizontal overflow: how far the document is wider than the viewport. */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
  });
}

/** A name unique to this run, so the tests can run again on the same database. */
export function unique(prefix) {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

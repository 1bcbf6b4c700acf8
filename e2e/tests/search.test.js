// The top bar's search finds contacts and deals; another user's deal is a 404 page, not a
// leak.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { AVA, BEN, apiAs, launchBrowser, signedInPage } from "../lib/harness.js";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Types `q` into the top bar's search and waits for the results page. */
async function search(page, q) {
  const box = page.getByTestId("global-search");
  await box.fill(q);
  await Promise.all([page.waitForURL(/\/search\?q=/), box.press("Enter")]);
}

test("search finds a contact and a deal and opens them", async () => {
  const { context, page } = await signedInPage(browser);
  const api = await apiAs(AVA);
  const [contact] = (await api("/api/crm/contacts?limit=1")).data;
  const board = await api("/api/crm/deals");
  const deal = board.stages.flatMap((s) => s.deals)[0];
  const contactName = `${contact.first_name} ${contact.last_name}`;

  await search(page, contact.last_name);
  const contactLink = page.locator(`[data-testid=search-contact][href$="id=${contact.id}"]`);
  assert.equal(await contactLink.count(), 1, `"${contact.last_name}" finds ${contactName}`);
  assert.equal((await contactLink.innerText()).trim(), contactName);
  await Promise.all([page.waitForURL(/lead-details\?id=/), contactLink.click()]);
  assert.equal((await page.getByTestId("lead-name").innerText()).trim(), contactName);

  await search(page, deal.name);
  const dealLink = page.locator(`[data-testid=search-deal][href$="id=${deal.id}"]`);
  assert.equal(await dealLink.count(), 1, `"${deal.name}" finds the deal`);
  assert.equal((await dealLink.innerText()).trim(), deal.name);
  await Promise.all([page.waitForURL(/deal-details\?id=/), dealLink.click()]);
  assert.equal((await page.getByTestId("deal-name").innerText()).trim(), deal.name);

  await search(page, "zz-no-such-thing-zz");
  await page.getByText("No contact matches.").waitFor();
  await page.getByText("No deal matches.").waitFor();
  assert.deepEqual(context.pageErrors, []);
  await context.close();
});

test("another user's deal opened by ava shows the 404 page", async () => {
  const { context, page } = await signedInPage(browser, AVA);
  const bens = (await (await apiAs(BEN))("/api/crm/deals")).stages.flatMap((s) => s.deals);
  assert.ok(bens.length > 0, "ben has deals in the demo data");
  const theirs = bens[0];

  const response = await page.goto(`/apps/crm/deal-details?id=${theirs.id}`);
  assert.equal(response?.status(), 404);
  const error = page.getByTestId("error-page");
  await error.waitFor();
  assert.match(await error.innerText(), /404/);
  assert.equal(await page.getByText(theirs.name).count(), 0, "nothing of ben's deal shows");

  // Ava's own deal opens, so the 404 is about ownership, not the route.
  const mine = (await (await apiAs(AVA))("/api/crm/deals")).stages.flatMap((s) => s.deals)[0];
  const ok = await page.goto(`/apps/crm/deal-details?id=${mine.id}`);
  assert.equal(ok?.status(), 200);
  await context.close();
});

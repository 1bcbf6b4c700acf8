// The add-contact wizard end to end: three steps, the lead page with its toast, a deal for the
// new contact from that page, and the deal on the Kanban board.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { cardById, openBoard, stageOfCard } from "../lib/board.js";
import { expectToast, launchBrowser, signedInPage, unique } from "../lib/harness.js";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test("a contact made in three steps gets a deal that shows on the board", async () => {
  const { context, page } = await signedInPage(browser);
  const last = unique("Okonkwo").replace(" ", "-");
  const company = unique("Brightwater Labs");
  const dealName = `${company} – Pilot`;

  await page.getByTestId("nav-add-contact").click();
  await page.waitForURL("**/apps/crm/add-contact");

  // Step 1: personal.
  await page.getByTestId("first-name").fill("Ada");
  await page.getByTestId("last-name").fill(last);
  await page.getByTestId("email").fill(`ada.${last.toLowerCase()}@example.com`);
  await page.getByTestId("job-title").fill("Head of Research");
  await Promise.all([page.waitForLoadState("load"), page.getByTestId("wizard-next").click()]);

  // Step 2: a new company.
  await page.getByTestId("company-mode-new").check();
  await page.getByTestId("new-company-name").fill(company);
  await page.getByTestId("industry").fill("Biotech");
  await Promise.all([page.waitForLoadState("load"), page.getByTestId("wizard-next").click()]);

  // Step 3: lead, then save.
  await page.getByTestId("lead-source").selectOption({ index: 1 });
  await page.getByTestId("lead-status").selectOption({ index: 1 });
  await Promise.all([
    page.waitForURL(/\/apps\/crm\/lead-details\?id=/),
    page.getByTestId("wizard-save").click(),
  ]);
  await expectToast(page, "Contact created");
  assert.equal((await page.getByTestId("lead-name").innerText()).trim(), `Ada ${last}`);
  assert.equal((await page.getByTestId("lead-company").innerText()).trim(), company);
  const contactId = new URL(page.url()).searchParams.get("id");

  // A deal for this contact: the dialog comes pre-filled with the contact and its company.
  await Promise.all([
    page.waitForURL(/\/apps\/crm\/deals\?new=1/),
    page.getByTestId("lead-new-deal").click(),
  ]);
  const dialog = page.getByTestId("new-deal-dialog");
  await dialog.waitFor();
  assert.equal(await dialog.getByTestId("deal-contact").inputValue(), `Ada ${last}`);
  assert.equal(await dialog.getByTestId("deal-company").inputValue(), company);
  await dialog.getByTestId("deal-name").fill(dealName);
  await dialog.getByTestId("deal-amount").fill("12500");
  await dialog.getByTestId("deal-priority").selectOption("high");
  const stage = (await dialog.getByTestId("deal-stage").locator("option:checked").innerText()).trim();
  await Promise.all([
    page.waitForURL((url) => url.pathname === "/apps/crm/deals" && !url.search.includes("new")),
    dialog.getByTestId("deal-submit").click(),
  ]);
  await expectToast(page, `Deal “${dealName}” created in ${stage}`);

  await openBoard(page);
  const card = page.getByTestId("deal-card").filter({ hasText: dealName });
  assert.equal(await card.count(), 1, "the new deal is on the board once");
  const dealId = await card.getAttribute("data-deal-id");
  assert.equal(await stageOfCard(page, dealId), stage);
  assert.match(await cardById(page, dealId).innerText(), /12,500/);

  // The lead page lists the deal too.
  await page.goto(`/apps/crm/lead-details?id=${contactId}`);
  const rows = page.getByTestId("deal-row").filter({ hasText: dealName });
  assert.equal(await rows.count(), 1);
  assert.deepEqual(context.pageErrors, []);
  await context.close();
});

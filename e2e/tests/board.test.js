// The Kanban board: drag-and-drop between columns (saved, still there after a reload, logged
// as a stage change on the deal page), a new stage that takes a dropped deal, and the keyboard
// "Move to…" menu.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  column,
  cardById,
  columnCount,
  dragCard,
  firstCardIn,
  openBoard,
  stageNames,
  stageOfCard,
  stagesWithCards,
  waitForCardIn,
} from "../lib/board.js";
import { expectToast, launchBrowser, signedInPage, unique } from "../lib/harness.js";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test("dragging a card to another column saves the move, survives a reload and is logged", async () => {
  const { context, page } = await signedInPage(browser);
  await openBoard(page);
  const stages = await stageNames(page);
  const [from] = await stagesWithCards(page);
  const to = stages[stages.indexOf(from) + 1] ?? stages[0];
  const deal = await firstCardIn(page, from);
  const fromCount = await columnCount(page, from);
  const toCount = await columnCount(page, to);

  await dragCard(page, deal.id, column(page, to).locator(".column-body"));

  assert.match(await expectToast(page, "Deal moved to"), new RegExp(`Deal moved to ${to}`));
  await waitForCardIn(page, deal.id, to);
  assert.equal(await columnCount(page, from), fromCount - 1, "source column count");
  assert.equal(await columnCount(page, to), toCount + 1, "target column count");

  await page.reload();
  await page.getByTestId("column").first().waitFor();
  assert.equal(await stageOfCard(page, deal.id), to, "the card is still there after a reload");

  await Promise.all([
    page.waitForURL(/\/apps\/crm\/deal-details\?id=/),
    cardById(page, deal.id).getByTestId("deal-link").click(),
  ]);
  assert.equal((await page.getByTestId("deal-name").innerText()).trim(), deal.name);
  const entry = page
    .getByTestId("activity-item")
    .filter({ hasText: `Moved from ${from} to ${to}` });
  await entry.first().waitFor();
  assert.match(await entry.first().textContent(), /Stage change/);
  const current = page.getByTestId("deal-stepper").locator("[aria-current=step]");
  assert.match(await current.innerText(), new RegExp(to));
  assert.deepEqual(context.pageErrors, []);
  await context.close();
});

test("a new stage appears on the board and takes a dropped deal", async () => {
  const { context, page } = await signedInPage(browser);
  await openBoard(page);
  const before = await stageNames(page);
  // The new stage goes right after the first stage with cards, so that both are on screen.
  const [from] = await stagesWithCards(page);
  const slot = before.indexOf(from) + 1;
  const name = unique("Review");

  await page.getByTestId("add-stage").click();
  const form = page.getByTestId("add-stage-form");
  await form.getByTestId("stage-new-name").fill(name);
  await form
    .getByTestId("stage-new-position")
    .selectOption({ label: slot < before.length ? `Before ${before[slot]}` : "At the end" });
  await Promise.all([
    page.waitForLoadState("load"),
    form.getByRole("button", { name: "Add stage" }).click(),
  ]);
  assert.match(await expectToast(page, "added"), new RegExp(`Stage “${name}” added`));
  const after = await stageNames(page);
  assert.equal(after.length, before.length + 1, "one more column");
  assert.equal(after.indexOf(name), slot, `the new stage follows ${from}: ${after.join(", ")}`);
  assert.equal(await columnCount(page, name), 0);

  const deal = await firstCardIn(page, from);
  // Playwright's own dragTo: the empty column is short and on screen, so nothing scrolls
  // between the press and the drop, and Chromium runs the page's HTML5 drag-and-drop.
  await cardById(page, deal.id).dragTo(column(page, name).locator(".column-body"));
  await expectToast(page, `Deal moved to ${name}`);
  await waitForCardIn(page, deal.id, name);
  assert.equal(await columnCount(page, name), 1);

  await page.reload();
  await page.getByTestId("column").first().waitFor();
  assert.equal(await stageOfCard(page, deal.id), name, "the drop was saved");
  assert.deepEqual(context.pageErrors, []);
  await context.close();
});

test("the keyboard Move to… menu moves a card to another stage", async () => {
  const { context, page } = await signedInPage(browser);
  await openBoard(page);
  const stages = await stageNames(page);
  const [from] = await stagesWithCards(page);
  const to = stages.findLast((s) => s !== from);
  const deal = await firstCardIn(page, from);

  const button = cardById(page, deal.id).getByTestId("move-to");
  await button.focus();
  await page.keyboard.press("Enter");
  const menu = page.getByTestId("move-menu");
  await menu.waitFor();
  assert.equal(await button.getAttribute("aria-expanded"), "true");
  // Walk the menu with the arrow keys to the target stage, as a keyboard user would.
  const items = await menu.getByRole("menuitem").allInnerTexts();
  const steps = items.indexOf(to);
  assert.ok(steps >= 0, `"${to}" is offered in the menu: ${items.join(", ")}`);
  for (let i = 0; i < steps; i += 1) await page.keyboard.press("ArrowDown");
  assert.equal(
    await page.evaluate(() => document.activeElement?.textContent),
    to,
    "focus is on the target stage",
  );
  await page.keyboard.press("Enter");

  await expectToast(page, `Deal moved to ${to}`);
  await waitForCardIn(page, deal.id, to);
  // Focus comes back to the moved card's menu button.
  assert.equal(
    await page.evaluate(() => document.activeElement?.closest("[data-deal-id]")?.dataset.dealId),
    deal.id,
  );
  await page.reload();
  await page.getByTestId("column").first().waitFor();
  assert.equal(await stageOfCard(page, deal.id), to);
  assert.deepEqual(context.pageErrors, []);
  await context.close();
});

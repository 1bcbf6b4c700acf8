// Reading the Kanban board (/apps/crm/deals) as a person sees it: columns by stage name, cards
// by deal name, and where a card sits.

import { eventually } from "./harness.js";

/** The column of the stage `name`. */
export function column(page, name) {
  return page.locator(`section[data-testid="column"][data-stage-name="${cssString(name)}"]`);
}

/** The card of the deal `id`. */
export function cardById(page, id) {
  return page.locator(`li[data-testid="deal-card"][data-deal-id="${cssString(id)}"]`);
}

/** The stage names of the board's columns, in order. */
export async function stageNames(page) {
  return page
    .getByTestId("column")
    .evaluateAll((cols) => cols.map((c) => c.getAttribute("data-stage-name")));
}

/** The stage names of the columns that show at least one card, in order. */
export async function stagesWithCards(page) {
  return page
    .getByTestId("column")
    .evaluateAll((cols) =>
      cols
        .filter((c) => c.querySelector("[data-testid=deal-card]"))
        .map((c) => c.getAttribute("data-stage-name")),
    );
}

/** The stage name of the column that holds the card of deal `id`, or null. */
export async function stageOfCard(page, id) {
  return cardById(page, id).evaluate(
    (card) => card.closest("[data-testid=column]")?.getAttribute("data-stage-name") ?? null,
  );
}

/** The first card of the column `stage`: its deal id and name. */
export async function firstCardIn(page, stage) {
  const card = column(page, stage).getByTestId("deal-card").first();
  return {
    id: await card.getAttribute("data-deal-id"),
    name: await card.getAttribute("data-deal-name"),
  };
}

/** The deal count in the header of the column `stage`. */
export async function columnCount(page, stage) {
  const text = await column(page, stage).getByTestId("column-count").innerText();
  return Number(text.replace(/\D/g, ""));
}

/** Waits until the board is idle (no move being saved) and the card of `id` is in `stage`. */
export async function waitForCardIn(page, id, stage) {
  await eventually(
    async () =>
      (await page.locator("#board[aria-busy]").count()) === 0 &&
      (await cardById(page, id).count()) === 1 &&
      (await stageOfCard(page, id)) === stage,
    `the card ${id} to be in the column ${stage}`,
  );
}

/**
 * Drags the card of deal `id` with the mouse and drops it on `target` (a locator), near the
 * target's top so that the drop point is on screen without scrolling: the board uses native
 * HTML5 drag-and-drop, which Chromium starts from real mouse events. (Playwright's own
 * `dragTo` triggers it too, but it scrolls a tall target column into view between the press
 * and the first move, so the drag can start on whichever card is under the pointer then.)
 */
export async function dragCard(page, id, target) {
  const card = cardById(page, id);
  await card.scrollIntoViewIfNeeded();
  const from = await card.boundingBox();
  const to = await target.boundingBox();
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  const onScreen = (box) => box && box.x >= 0 && box.x + 20 <= viewport.width;
  if (!onScreen(from) || !onScreen(to)) {
    throw new Error("the card and the drop target must both be on screen to drag");
  }
  const start = { x: from.x + from.width / 2, y: from.y + Math.min(from.height / 2, 30) };
  const end = {
    x: to.x + to.width / 2,
    y: Math.min(to.y + Math.min(to.height / 2, 40), viewport.height - 10),
  };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 12, start.y + 12, { steps: 3 });
  await page.mouse.move(end.x, end.y, { steps: 12 });
  await page.mouse.up();
}

/** Opens the board and waits for its columns. */
export async function openBoard(page) {
  await page.goto("/apps/crm/deals");
  await page.getByTestId("column").first().waitFor();
}

function cssString(value) {
  return String(value).replace(/["\\]/g, "\\$&");
}

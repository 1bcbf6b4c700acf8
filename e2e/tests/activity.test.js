// Logging a call on a lead feeds the dashboard: the customer-feedback chart gains a positive
// activity (and the net rises), the active-engagement chart gains a call.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { feedbackAndEngagement } from "../lib/dashboard.js";
import {
  AVA,
  apiAs,
  expectToast,
  launchBrowser,
  signedInPage,
  unique,
} from "../lib/harness.js";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test("a positive call on a lead moves the dashboard's feedback and engagement figures", async () => {
  const { context, page } = await signedInPage(browser);
  const api = await apiAs(AVA);
  const [contact] = (await api("/api/crm/contacts?limit=1")).data;
  assert.ok(contact, "ava has contacts in the demo data");

  const before = await feedbackAndEngagement(page);
  assert.ok(before.feedback.Positive > 0, "the demo data has feedback to show");

  await page.goto(`/apps/crm/lead-details?id=${contact.id}`);
  await page.getByTestId("tab-call").click();
  await page.waitForURL(/tab=call/);
  await page.getByTestId("add-activity-toggle").click();
  const form = page.getByTestId("add-call");
  const subject = unique("Renewal check-in");
  await form.getByTestId("activity-subject").fill(subject);
  await form.getByTestId("call-direction").selectOption("outbound");
  await form.getByTestId("call-duration").fill("25");
  await form.getByTestId("call-sentiment").selectOption("positive");
  await form.getByTestId("call-outcome").fill("Happy with the rollout");
  await Promise.all([page.waitForLoadState("load"), form.getByTestId("activity-submit").click()]);
  await expectToast(page, "Call logged");
  await page.getByTestId("activity-item").filter({ hasText: subject }).first().waitFor();

  const after = await feedbackAndEngagement(page);
  const delta = (chart, series) => (after[chart][series] ?? 0) - (before[chart][series] ?? 0);
  assert.equal(delta("feedback", "Positive"), 1, "one more positive activity");
  assert.equal(delta("feedback", "Negative"), 0, "no more negative ones");
  assert.equal(delta("feedback", "Net"), 1, "the net rises by one");
  assert.equal(delta("engagement", "Calls"), 1, "one more call in the engagement window");
  assert.deepEqual(context.pageErrors, []);
  await context.close();
});

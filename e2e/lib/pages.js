// The six pages every layout test visits, with demo records to show.

import { AVA, apiAs } from "./harness.js";

/**
 * The pages as `{ key, path, ready, signedIn }`: `ready` is a test id that shows once the page
 * has rendered. The lead and deal pages show ava's first contact and first deal.
 */
export async function demoPages() {
  const api = await apiAs(AVA);
  const [contact] = (await api("/api/crm/contacts?limit=1")).data;
  const [deal] = (await api("/api/crm/deals")).stages.flatMap((s) => s.deals);
  if (!contact || !deal) throw new Error("the demo data has no contact or no deal for ava");
  return [
    { key: "login", path: "/login", ready: "login-form", signedIn: false },
    { key: "board", path: "/apps/crm/deals", ready: "board", signedIn: true },
    { key: "add-contact", path: "/apps/crm/add-contact", ready: "add-contact-form", signedIn: true },
    {
      key: "lead-details",
      path: `/apps/crm/lead-details?id=${contact.id}`,
      ready: "lead-header",
      signedIn: true,
    },
    {
      key: "deal-details",
      path: `/apps/crm/deal-details?id=${deal.id}`,
      ready: "deal-header",
      signedIn: true,
    },
    { key: "dashboard", path: "/dashboard/crm", ready: "greeting", signedIn: true },
  ];
}

/** Opens `page` (one of `demoPages()`) and waits until it has rendered and settled. */
export async function openPage(tab, page) {
  const response = await tab.goto(page.path);
  if (response?.status() !== 200) {
    throw new Error(`GET ${page.path} answered ${response?.status()}`);
  }
  await tab.getByTestId(page.ready).waitFor();
  await tab.evaluate(() => document.fonts.ready);
}

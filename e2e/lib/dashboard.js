// Reading the dashboard's charts (/dashboard/crm): every mark of a chart carries a hover
// title "label · series: value"; these helpers add the values up per series.

/**
 * The totals per series of the chart in the section `testId`, e.g.
 * `{ Positive: 12, Negative: 3, Net: 9 }`, from the marks' hover titles. An empty chart
 * answers `{}`.
 */
export async function chartTotals(page, testId) {
  const titles = await page
    .getByTestId(testId)
    .locator("svg.chart :is(rect, circle) > title")
    .allTextContents();
  const totals = {};
  for (const title of titles) {
    const match = /^.+ · (.+): (-?[\d,.]+)$/.exec(title.trim());
    if (!match) continue;
    const [, series, value] = match;
    totals[series] = (totals[series] ?? 0) + Number(value.replace(/,/g, ""));
  }
  return totals;
}

/** The customer-feedback and active-engagement totals of the dashboard at `path`. */
export async function feedbackAndEngagement(page, path = "/dashboard/crm") {
  await page.goto(path);
  await page.getByTestId("chart-feedback").waitFor();
  return {
    feedback: await chartTotals(page, "chart-feedback"),
    engagement: await chartTotals(page, "chart-engagement"),
  };
}

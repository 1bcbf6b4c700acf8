//! The dashboard routes and the deal analytics over HTTP: every widget's numbers for a small
//! pipeline built through the API, empty data, a range without deals, deals without amounts,
//! a renamed stage, the previous period of the KPI cards, range validation, and the analytics
//! of one deal (and 404 for another user's).
//!
//! The API stamps every row with the current time, so the history scenario is backdated with
//! plain `UPDATE`s (see [`Backdate`]) to fixed days of 2025; its figures are literals computed
//! by hand from the table on [`history`], the same on SQLite and PostgreSQL. The deal drawer
//! depends on "now" (a 30-day window, whole days in the stage), so its rows are dated relative
//! to the current time instead.
//!
//! Stages of a new user: Contact (0, 10 %), MQL (1, 20 %), SQL (2, 40 %), Opportunity (3,
//! 60 %) are open; Won (4) and Lost (5).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_store::Store;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value as SqlValue};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, User, id, unknown_id};

crm_store::backend_tests!(
    every_widget_answers_the_hand_computed_figures_of_a_backdated_pipeline,
    the_full_dashboard_is_every_widget_in_one_body,
    a_range_without_deals_gives_zeros_and_keeps_running_totals,
    an_empty_account_gets_zeros_and_empty_series_never_an_error,
    deals_without_amounts_count_as_deals_but_add_no_money,
    ranges_are_validated_422_and_unparseable_values_are_400,
    the_range_defaults_to_the_last_30_days_and_to_alone_sets_its_end,
    an_own_deal_has_its_analytics_and_another_users_deal_is_404,
);

/// The history range R and its previous range P = [2025-05-02, 2025-06-01).
const R: &str = "from=2025-06-01&to=2025-07-01";

// ---- backdating ---------------------------------------------------------------------------

/// Sets the timestamps the API does not take, on the store's owner connection. Rows the API
/// wrote during the test are newer than `since`; backdated rows are older.
struct Backdate<'a> {
    app: &'a TestApp,
    user: Uuid,
    since: DateTime<Utc>,
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

impl<'a> Backdate<'a> {
    fn new(app: &'a TestApp, user: &User) -> Self {
        Self {
            app,
            user: user.id.parse().unwrap(),
            since: Utc::now() - Duration::minutes(5),
        }
    }

    async fn exec(&self, sql: &str, values: Vec<SqlValue>) {
        let store: &Store = &self.app.store;
        let backend = store.backend();
        let sql = if backend == DbBackend::Sqlite {
            sql.replace('$', "?")
        } else {
            sql.to_owned()
        };
        store
            .connection()
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .unwrap();
    }

    /// Dates a contact's creation.
    async fn contact(&self, contact: &Value, when: DateTime<Utc>) {
        let contact: Uuid = id(contact).parse().unwrap();
        self.exec(
            "UPDATE contacts SET created_at = $3, updated_at = $3 WHERE user_id = $1 AND id = $2",
            vec![self.user.into(), contact.into(), when.into()],
        )
        .await;
    }

    /// Dates a deal's creation (and its creation history row, its only one so far).
    async fn created(&self, deal: &Value, when: DateTime<Utc>) {
        let deal: Uuid = id(deal).parse().unwrap();
        let values = || vec![self.user.into(), deal.into(), when.into()];
        self.exec(
            "UPDATE deals SET create_date = $3, last_update = $3 WHERE user_id = $1 AND id = $2",
            values(),
        )
        .await;
        self.exec(
            "UPDATE deal_stage_changes SET changed_at = $3 WHERE user_id = $1 AND deal_id = $2",
            values(),
        )
        .await;
    }

    /// Dates the newest move of a deal: its history row and its `stage_change` activity
    /// (the only ones written since `since`; a creation row has no `from_stage_id`).
    async fn moved(&self, deal: &Value, when: DateTime<Utc>) {
        let deal: Uuid = id(deal).parse().unwrap();
        let values = || {
            vec![
                self.user.into(),
                deal.into(),
                when.into(),
                self.since.into(),
            ]
        };
        self.exec(
            "UPDATE deal_stage_changes SET changed_at = $3
             WHERE user_id = $1 AND deal_id = $2 AND changed_at >= $4
               AND from_stage_id IS NOT NULL",
            values(),
        )
        .await;
        self.exec(
            "UPDATE activities SET created_at = $3, updated_at = $3
             WHERE user_id = $1 AND deal_id = $2 AND \"type\" = 'stage_change' AND created_at >= $4",
            values(),
        )
        .await;
    }

    /// Dates an activity.
    async fn activity(&self, activity: &Value, when: DateTime<Utc>) {
        let activity: Uuid = id(activity).parse().unwrap();
        self.exec(
            "UPDATE activities SET created_at = $3, updated_at = $3 WHERE user_id = $1 AND id = $2",
            vec![self.user.into(), activity.into(), when.into()],
        )
        .await;
    }
}

// ---- the history scenario -----------------------------------------------------------------

/// Moves `deal` to `stage` through the API, then dates the move.
async fn move_at(
    app: &TestApp,
    user: &User,
    back: &Backdate<'_>,
    deal: &Value,
    stage: &str,
    when: &str,
) {
    app.patch(
        &user.token,
        &format!("/api/crm/deals/{}", id(deal)),
        json!({"stage": stage}),
    )
    .await
    .expect(200);
    back.moved(deal, at(when)).await;
}

/// Logs an activity through the API, then dates it.
async fn activity_at(
    app: &TestApp,
    user: &User,
    back: &Backdate<'_>,
    body: Value,
    when: &str,
) -> Value {
    let activity = app
        .post(&user.token, "/api/crm/activities", body)
        .await
        .expect(201);
    back.activity(&activity, at(when)).await;
    activity
}

/// A contact through the API, dated.
async fn contact_at(
    app: &TestApp,
    user: &User,
    back: &Backdate<'_>,
    body: Value,
    when: &str,
) -> Value {
    let contact = app
        .post(&user.token, "/api/crm/contacts", body)
        .await
        .expect(201);
    back.contact(&contact, at(when)).await;
    contact
}

/// A deal through the API (created in Contact), dated.
async fn deal_at(
    app: &TestApp,
    user: &User,
    back: &Backdate<'_>,
    name: &str,
    extra: Value,
    when: &str,
) -> Value {
    let deal = app.deal_with(user, name, "Contact", extra).await;
    back.created(&deal, at(when)).await;
    deal
}

/// Writes, for `user`, this pipeline (all times 09:00 UTC unless given; R = June 2025, P =
/// [2025-05-02, 2025-06-01)):
///
/// | deal          | amount  | contact          | created    | moves                              |
/// |---------------|---------|------------------|------------|------------------------------------|
/// | Acme rollout  | 1000.00 | Cara (Acme)      | 05-10 (P)  | MQL 05-15, SQL 05-25, Won 06-05    |
/// | Dan pilot     | 3000.00 | Dan              | 06-11 (R)  | Won 06-15                          |
/// | Eve trial     |  500.00 | Eve              | 05-21 (P)  | MQL 05-22, Lost 05-28              |
/// | No amount     |       – | –                | 06-12 (R)  | SQL 06-13, Won 06-20               |
/// | Big open      | 5000.00 | Finn             | 06-02 (R)  | Opportunity 06-25                  |
/// | Old open      |  800.00 | –                | 2025-04-01 | –                                  |
/// | Lost in June  |  200.00 | –                | 06-04 (R)  | MQL 06-06, Lost 06-08              |
/// | Earlier win   |  400.00 | –                | 05-03 (P)  | Won 05-30                          |
///
/// Contacts: Cara paid_ads, Acme, 06-03 10:00; Dan referral 06-10; Eve paid_ads 05-20; Finn no
/// source 06-20. Activities: call on Acme rollout with Cara, positive, 06-03 10:00; e-mail to
/// Dan, negative, 06-10 11:00; meeting on Dan pilot with Dan, positive, 05-20 15:00; note on
/// Big open with Finn 06-25 12:00; task for Finn 06-28 08:00; call to Eve, positive, 06-28.
/// Spend (allotted / used): Mon 06-02 paid_ads 100 / 80; Tue 06-03 referral 50 / 50; Wed
/// 06-04 social_media 30 / 25.25; Mon 06-09 paid_ads 100 / 90.50; Fri 05-30 webinar 70 / 70.
async fn history(app: &TestApp, user: &User) {
    let back = Backdate::new(app, user);
    let acme = app
        .post(
            &user.token,
            "/api/crm/companies",
            json!({"name": "Acme Analytics"}),
        )
        .await
        .expect(201);
    let cara = contact_at(app, user, &back,
        json!({"first_name": "Cara", "last_name": "Diaz", "lead_source": "paid_ads", "company_id": id(&acme)}),
        "2025-06-03T10:00:00Z").await;
    let dan = contact_at(
        app,
        user,
        &back,
        json!({"first_name": "Dan", "last_name": "Ek", "lead_source": "referral"}),
        "2025-06-10T09:00:00Z",
    )
    .await;
    let eve = contact_at(
        app,
        user,
        &back,
        json!({"first_name": "Eve", "last_name": "Fox", "lead_source": "paid_ads"}),
        "2025-05-20T09:00:00Z",
    )
    .await;
    let finn = contact_at(
        app,
        user,
        &back,
        json!({"first_name": "Finn", "last_name": "Gray"}),
        "2025-06-20T09:00:00Z",
    )
    .await;

    let rollout = deal_at(
        app,
        user,
        &back,
        "Acme rollout",
        json!({"amount": "1000.00", "contact_id": id(&cara), "company_id": id(&acme)}),
        "2025-05-10T09:00:00Z",
    )
    .await;
    move_at(app, user, &back, &rollout, "MQL", "2025-05-15T09:00:00Z").await;
    move_at(app, user, &back, &rollout, "SQL", "2025-05-25T09:00:00Z").await;
    move_at(app, user, &back, &rollout, "Won", "2025-06-05T09:00:00Z").await;

    let pilot = deal_at(
        app,
        user,
        &back,
        "Dan pilot",
        json!({"amount": "3000.00", "contact_id": id(&dan)}),
        "2025-06-11T09:00:00Z",
    )
    .await;
    move_at(app, user, &back, &pilot, "Won", "2025-06-15T09:00:00Z").await;

    let trial = deal_at(
        app,
        user,
        &back,
        "Eve trial",
        json!({"amount": "500.00", "contact_id": id(&eve)}),
        "2025-05-21T09:00:00Z",
    )
    .await;
    move_at(app, user, &back, &trial, "MQL", "2025-05-22T09:00:00Z").await;
    move_at(app, user, &back, &trial, "Lost", "2025-05-28T09:00:00Z").await;

    let no_amount = deal_at(
        app,
        user,
        &back,
        "No amount",
        json!({}),
        "2025-06-12T09:00:00Z",
    )
    .await;
    move_at(app, user, &back, &no_amount, "SQL", "2025-06-13T09:00:00Z").await;
    move_at(app, user, &back, &no_amount, "Won", "2025-06-20T09:00:00Z").await;

    let big_open = deal_at(
        app,
        user,
        &back,
        "Big open",
        json!({"amount": "5000.00", "contact_id": id(&finn)}),
        "2025-06-02T09:00:00Z",
    )
    .await;
    move_at(
        app,
        user,
        &back,
        &big_open,
        "Opportunity",
        "2025-06-25T09:00:00Z",
    )
    .await;

    deal_at(
        app,
        user,
        &back,
        "Old open",
        json!({"amount": "800.00"}),
        "2025-04-01T09:00:00Z",
    )
    .await;

    let lost = deal_at(
        app,
        user,
        &back,
        "Lost in June",
        json!({"amount": "200.00"}),
        "2025-06-04T09:00:00Z",
    )
    .await;
    move_at(app, user, &back, &lost, "MQL", "2025-06-06T09:00:00Z").await;
    move_at(app, user, &back, &lost, "Lost", "2025-06-08T09:00:00Z").await;

    let earlier = deal_at(
        app,
        user,
        &back,
        "Earlier win",
        json!({"amount": "400.00"}),
        "2025-05-03T09:00:00Z",
    )
    .await;
    move_at(app, user, &back, &earlier, "Won", "2025-05-30T09:00:00Z").await;

    for (body, when) in [
        (
            json!({"type": "call", "deal_id": id(&rollout), "contact_id": id(&cara),
                "metadata": {"sentiment": "positive"}}),
            "2025-06-03T10:00:00Z",
        ),
        (
            json!({"type": "email", "contact_id": id(&dan), "metadata": {"sentiment": "negative"}}),
            "2025-06-10T11:00:00Z",
        ),
        (
            json!({"type": "meeting", "deal_id": id(&pilot), "contact_id": id(&dan),
                "metadata": {"sentiment": "positive"}}),
            "2025-05-20T15:00:00Z",
        ),
        (
            json!({"type": "note", "deal_id": id(&big_open), "contact_id": id(&finn)}),
            "2025-06-25T12:00:00Z",
        ),
        (
            json!({"type": "task", "contact_id": id(&finn)}),
            "2025-06-28T08:00:00Z",
        ),
        (
            json!({"type": "call", "contact_id": id(&eve), "metadata": {"sentiment": "positive"}}),
            "2025-06-28T09:00:00Z",
        ),
    ] {
        activity_at(app, user, &back, body, when).await;
    }

    for (day, source, allotted, used) in [
        ("2025-06-02", "paid_ads", "100.00", "80.00"),
        ("2025-06-03", "referral", "50.00", "50.00"),
        ("2025-06-04", "social_media", "30.00", "25.25"),
        ("2025-06-09", "paid_ads", "100.00", "90.50"),
        ("2025-05-30", "webinar", "70.00", "70.00"),
    ] {
        app.post(
            &user.token,
            "/api/crm/marketing-spend",
            json!({"spent_on": day, "lead_source": source, "allotted": allotted, "used": used}),
        )
        .await
        .expect(201);
    }
}

// ---- reading answers ----------------------------------------------------------------------

async fn widget(app: &TestApp, user: &User, name: &str, query: &str) -> Value {
    app.get(&user.token, &format!("/api/crm/dashboard/{name}?{query}"))
        .await
        .expect(200)
}

/// The KPI card `key`.
fn card(kpis: &Value, key: &str) -> Value {
    kpis["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no card {key} in {kpis}"))
        .clone()
}

/// `[key, value, previous, change_pct, trend, unit]` of every card, in order.
fn cards(kpis: &Value) -> Vec<Value> {
    kpis["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            json!([
                c["key"],
                c["value"],
                c["previous"],
                c["change_pct"],
                c["trend"],
                c["unit"]
            ])
        })
        .collect()
}

/// `[stage, kind, reached, conversion_pct, lost, lost_pct, this_month_reached,
/// this_month_pct]` of every funnel bar.
fn bars(funnel: &Value) -> Vec<Value> {
    funnel["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            json!([
                s["stage"],
                s["kind"],
                s["reached"],
                s["conversion_pct"],
                s["lost"],
                s["lost_pct"],
                s["this_month_reached"],
                s["this_month_pct"]
            ])
        })
        .collect()
}

fn quarter(label: &str, p25: &str, p50: &str, p75: &str, sum: &str, deals: i64) -> Value {
    json!({"label": label, "p25": p25, "p50": p50, "p75": p75, "sum": sum, "deals": deals})
}

fn empty_quarter(label: &str) -> Value {
    quarter(label, "0.00", "0.00", "0.00", "0.00", 0)
}

fn month(label: &str, positive: i64, negative: i64) -> Value {
    json!({"month": label, "positive": positive, "negative": negative, "net": positive - negative})
}

/// `[date, revenue, spend, customers, ltv, cac, ratio]` of a lifetime point.
fn lifetime_row(point: &Value) -> Value {
    json!([
        point["date"],
        point["revenue"],
        point["spend"],
        point["customers"],
        point["ltv"],
        point["cac"],
        point["ratio"]
    ])
}

/// The items of a JSON array from index `from` on, as an array.
fn tail(row: Value, from: usize) -> Value {
    Value::Array(row.as_array().unwrap()[from..].to_vec())
}

/// `[date, call, email, meeting, note, task, stage_change, total, engaged_contacts]`.
fn active_row(point: &Value) -> Value {
    let c = &point["counts"];
    json!([
        point["date"],
        c["call"],
        c["email"],
        c["meeting"],
        c["note"],
        c["task"],
        c["stage_change"],
        point["total"],
        point["engaged_contacts"]
    ])
}

/// The current calendar month as the funnel names it, read before and after `f` so a month
/// boundary during the request cannot fail the case.
fn is_current_month(label: &Value, before: DateTime<Utc>) -> bool {
    let after = Utc::now();
    [before, after]
        .iter()
        .any(|t| label == &json!(t.format("%Y-%m").to_string()))
}

/// Every dotted path whose value is `null` (list indexes dropped), sorted and deduplicated.
fn null_paths(value: &Value) -> Vec<String> {
    fn walk(value: &Value, path: &str, out: &mut Vec<String>) {
        match value {
            Value::Null => out.push(path.to_owned()),
            Value::Array(items) => items.iter().for_each(|item| walk(item, path, out)),
            Value::Object(map) => {
                for (key, item) in map {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(item, &path, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out.sort();
    out.dedup();
    out
}

// ---- cases --------------------------------------------------------------------------------

async fn every_widget_answers_the_hand_computed_figures_of_a_backdated_pipeline(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    history(&app, &ann).await;

    // KPIs against P. Created: R Dan pilot, No amount, Big open, Lost in June (4); P Acme
    // rollout, Eve trial, Earlier win (3). Closed: R rollout, pilot, No amount (won), Lost in
    // June (4); P Eve trial (lost), Earlier win (2).
    let kpis = widget(&app, &ann, "kpis", R).await;
    assert_eq!(
        kpis["range"],
        json!({"from": "2025-06-01", "to": "2025-07-01"})
    );
    assert_eq!(
        kpis["previous_range"],
        json!({"from": "2025-05-02", "to": "2025-06-01"})
    );
    assert_eq!(
        kpis["deals_created"],
        json!({"count": 4, "previous": 3, "change_pct": 33.3, "trend": "up"})
    );
    assert_eq!(
        kpis["deals_closed"],
        json!({"count": 4, "previous": 2, "change_pct": 100.0, "trend": "up"})
    );
    assert_eq!(
        cards(&kpis),
        [
            // Now: Big open 5000 + Old open 800. On 06-01: Acme rollout (in SQL) 1000 + Old
            // open 800.
            json!([
                "open_pipeline",
                "5800.00",
                "1800.00",
                222.2,
                "up",
                "currency"
            ]),
            // Won in R: 1000 + 3000 + no amount; in P: 400.
            json!(["won_revenue", "4000.00", "400.00", 900.0, "up", "currency"]),
            // 3 won of 4 closed; 1 of 2.
            json!(["win_rate", 75.0, 50.0, 50.0, "up", "percent"]),
            // Cara, Dan, Finn; Eve.
            json!(["new_contacts", 3, 1, 200.0, "up", "count"]),
            // (26 + 4 + 8) / 3 = 12.67 days; 27 days; (12.7 − 27) / 27 = −53.0 %.
            json!(["avg_sales_cycle_days", 12.7, 27.0, -53.0, "down", "days"]),
        ]
    );
    assert_eq!(card(&kpis, "won_revenue")["title"], "Won revenue");

    // Revenue: the 7 quarters ending 2025 Q2, which won 400, 1000, 3000 and one without
    // amount: p25 = 400 + 0.5 × 600, p75 = 1000 + 0.5 × 2000.
    let revenue = widget(&app, &ann, "revenue", R).await;
    assert_eq!(
        revenue,
        json!({"quarters": [
            empty_quarter("2023 Q4"), empty_quarter("2024 Q1"), empty_quarter("2024 Q2"),
            empty_quarter("2024 Q3"), empty_quarter("2024 Q4"), empty_quarter("2025 Q1"),
            quarter("2025 Q2", "700.00", "1000.00", "2000.00", "4400.00", 4),
        ]})
    );

    // Customer feedback: 13 months ending 2025-06.
    let feedback = widget(&app, &ann, "customer-feedback", R).await;
    let mut months: Vec<Value> = [
        "2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12", "2025-01",
        "2025-02", "2025-03", "2025-04",
    ]
    .iter()
    .map(|m| month(m, 0, 0))
    .collect();
    months.push(month("2025-05", 1, 0));
    months.push(month("2025-06", 2, 1));
    assert_eq!(feedback, json!({"months": months}));

    // Lead sources of the contacts created in R: Cara, Dan, Finn.
    let sources = widget(&app, &ann, "lead-sources", R).await;
    assert_eq!(
        sources,
        json!({"total": 3, "sources": [
            {"source": "paid_ads", "count": 1, "pct": 33.3},
            {"source": "referral", "count": 1, "pct": 33.3},
            {"source": "unknown", "count": 1, "pct": 33.3},
        ]})
    );

    // Acquisition cost: June's spend per weekday; customers won in R: Cara (paid_ads) and
    // Dan (referral); social media has spend and no customer.
    let cost = widget(&app, &ann, "acquisition-cost", R).await;
    assert_eq!(
        cost,
        json!({
            "allotted": "280.00",
            "used": "245.75",
            "weekdays": [
                {"weekday": "Mon", "allotted": "200.00", "used": "170.50"},
                {"weekday": "Tue", "allotted": "50.00", "used": "50.00"},
                {"weekday": "Wed", "allotted": "30.00", "used": "25.25"},
                {"weekday": "Thu", "allotted": "0.00", "used": "0.00"},
                {"weekday": "Fri", "allotted": "0.00", "used": "0.00"},
                {"weekday": "Sat", "allotted": "0.00", "used": "0.00"},
                {"weekday": "Sun", "allotted": "0.00", "used": "0.00"},
            ],
            "sources": [
                {"source": "paid_ads", "used": "170.50", "customers": 1, "cac": "170.50"},
                {"source": "referral", "used": "50.00", "customers": 1, "cac": "50.00"},
                {"source": "social_media", "used": "25.25", "customers": 0, "cac": null},
            ],
        })
    );

    // Sales funnel of the deals created in R: Dan pilot (Contact → Won), No amount (→ SQL →
    // Won), Big open (→ Opportunity), Lost in June (→ MQL → Lost). None was created this month.
    let before = Utc::now();
    let funnel = widget(&app, &ann, "sales-funnel", R).await;
    assert!(
        is_current_month(&funnel["month"], before),
        "{}",
        funnel["month"]
    );
    let expected = [
        json!(["Contact", "open", 4, 100.0, 0, 0.0, 0, 0.0]),
        json!(["MQL", "open", 4, 100.0, 1, 25.0, 0, 0.0]),
        json!(["SQL", "open", 3, 75.0, 0, 0.0, 0, 0.0]),
        json!(["Opportunity", "open", 3, 75.0, 0, 0.0, 0, 0.0]),
        json!(["Won", "won", 2, 50.0, 0, 0.0, 0, 0.0]),
    ];
    assert_eq!(bars(&funnel), expected);

    // Renaming a stage after deals went through it: the bar keeps its id and its deals.
    let sql = app.stage_id(&ann, "SQL").await;
    app.patch(
        &ann.token,
        &format!("/api/crm/pipeline-stages/{sql}"),
        json!({"name": "Qualified"}),
    )
    .await
    .expect(200);
    let renamed = widget(&app, &ann, "sales-funnel", R).await;
    assert_eq!(renamed["stages"][2]["stage_id"], sql.as_str());
    assert_eq!(funnel["stages"][2]["stage_id"], sql.as_str());
    assert_eq!(
        bars(&renamed)[2],
        json!(["Qualified", "open", 3, 75.0, 0, 0.0, 0, 0.0])
    );
    assert_eq!(bars(&renamed)[3..], expected[3..]);

    // Lifetime value over June: before it, Earlier win (400, no customer) and 70 of spend.
    let lifetime = widget(&app, &ann, "lifetime-value", R).await;
    let points: Vec<Value> = lifetime["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(lifetime_row)
        .collect();
    assert_eq!(points.len(), 30);
    let expected = [
        (
            0,
            json!(["2025-06-01", "400.00", "70.00", 0, "0.00", "0.00", 0.0]),
        ),
        (
            1,
            json!(["2025-06-02", "400.00", "150.00", 0, "0.00", "0.00", 0.0]),
        ),
        (
            2,
            json!(["2025-06-03", "400.00", "200.00", 0, "0.00", "0.00", 0.0]),
        ),
        (
            3,
            json!(["2025-06-04", "400.00", "225.25", 0, "0.00", "0.00", 0.0]),
        ),
        // Acme rollout won: Acme is the first customer; 1400 / 225.25 = 6.215.
        (
            4,
            json!([
                "2025-06-05",
                "1400.00",
                "225.25",
                1,
                "1400.00",
                "225.25",
                6.22
            ]),
        ),
        (
            7,
            json!([
                "2025-06-08",
                "1400.00",
                "225.25",
                1,
                "1400.00",
                "225.25",
                6.22
            ]),
        ),
        (
            8,
            json!([
                "2025-06-09",
                "1400.00",
                "315.75",
                1,
                "1400.00",
                "315.75",
                4.43
            ]),
        ),
        (
            13,
            json!([
                "2025-06-14",
                "1400.00",
                "315.75",
                1,
                "1400.00",
                "315.75",
                4.43
            ]),
        ),
        // Dan pilot won: Dan is the second; 315.75 / 2 = 157.875; 4400 / 315.75 = 13.935.
        (
            14,
            json!([
                "2025-06-15",
                "4400.00",
                "315.75",
                2,
                "2200.00",
                "157.88",
                13.94
            ]),
        ),
        // No amount won on 06-20: no money, no customer.
        (
            19,
            json!([
                "2025-06-20",
                "4400.00",
                "315.75",
                2,
                "2200.00",
                "157.88",
                13.94
            ]),
        ),
        (
            29,
            json!([
                "2025-06-30",
                "4400.00",
                "315.75",
                2,
                "2200.00",
                "157.88",
                13.94
            ]),
        ),
    ];
    for (index, row) in expected {
        assert_eq!(points[index], row, "lifetime point {index}");
    }

    // Active engagement, 7 days ending 06-30: 06-25 the note and the move of Big open (both
    // on Finn); 06-28 the task for Finn and the call to Eve.
    let active = widget(&app, &ann, "active-users", &format!("{R}&days=7")).await;
    assert_eq!(active["days"], 7);
    let rows: Vec<Value> = active["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(active_row)
        .collect();
    assert_eq!(
        rows,
        [
            json!(["2025-06-24", 0, 0, 0, 0, 0, 0, 0, 0]),
            json!(["2025-06-25", 0, 0, 0, 1, 0, 1, 2, 1]),
            json!(["2025-06-26", 0, 0, 0, 0, 0, 0, 0, 0]),
            json!(["2025-06-27", 0, 0, 0, 0, 0, 0, 0, 0]),
            json!(["2025-06-28", 1, 0, 0, 0, 1, 0, 2, 2]),
            json!(["2025-06-29", 0, 0, 0, 0, 0, 0, 0, 0]),
            json!(["2025-06-30", 0, 0, 0, 0, 0, 0, 0, 0]),
        ]
    );
}

async fn the_full_dashboard_is_every_widget_in_one_body(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    history(&app, &ann).await;

    let body = app
        .get(&ann.token, &format!("/api/crm/dashboard?{R}"))
        .await
        .expect(200);
    assert_eq!(
        crate::helpers::keys(&body),
        [
            "acquisition_cost",
            "active_users",
            "customer_feedback",
            "kpis",
            "lead_sources",
            "lifetime_value",
            "revenue",
            "sales_funnel"
        ]
    );
    // Each part is the widget route's answer.
    for (key, route) in [
        ("kpis", "kpis"),
        ("revenue", "revenue"),
        ("customer_feedback", "customer-feedback"),
        ("lead_sources", "lead-sources"),
        ("acquisition_cost", "acquisition-cost"),
        ("sales_funnel", "sales-funnel"),
        ("lifetime_value", "lifetime-value"),
        ("active_users", "active-users"),
    ] {
        assert_eq!(body[key], widget(&app, &ann, route, R).await, "{key}");
    }
    assert_eq!(body["kpis"]["deals_created"]["count"], 4);
    assert_eq!(body["revenue"]["quarters"][6]["sum"], "4400.00");
    // The default engagement window is 15 days (06-16 … 06-30): No amount's move to Won on
    // 06-20 has no contact.
    let active = &body["active_users"];
    assert_eq!(active["days"], 15);
    let rows: Vec<Value> = active["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(active_row)
        .collect();
    assert_eq!(rows.len(), 15);
    assert_eq!(rows[0], json!(["2025-06-16", 0, 0, 0, 0, 0, 0, 0, 0]));
    assert_eq!(rows[4], json!(["2025-06-20", 0, 0, 0, 0, 0, 1, 1, 0]));
    assert_eq!(rows[9], json!(["2025-06-25", 0, 0, 0, 1, 0, 1, 2, 1]));
    assert_eq!(rows[12], json!(["2025-06-28", 1, 0, 0, 0, 1, 0, 2, 2]));
    // `days` reaches the dashboard's engagement chart too.
    let thirty = app
        .get(&ann.token, &format!("/api/crm/dashboard?{R}&days=30"))
        .await
        .expect(200);
    assert_eq!(thirty["active_users"]["days"], 30);
    assert_eq!(
        thirty["active_users"]["points"].as_array().unwrap().len(),
        30
    );
    assert_eq!(thirty["active_users"]["points"][0]["date"], "2025-06-01");
}

async fn a_range_without_deals_gives_zeros_and_keeps_running_totals(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    history(&app, &ann).await;

    // January 2024: before everything.
    let body = app
        .get(
            &ann.token,
            "/api/crm/dashboard?from=2024-01-01&to=2024-02-01",
        )
        .await
        .expect(200);
    let kpis = &body["kpis"];
    let flat = json!({"count": 0, "previous": 0, "change_pct": null, "trend": "flat"});
    assert_eq!(kpis["deals_created"], flat);
    assert_eq!(kpis["deals_closed"], flat);
    assert_eq!(
        cards(kpis),
        [
            // The open pipeline is today's, whatever the range; on 2024-01-01 it was empty.
            json!(["open_pipeline", "5800.00", "0.00", null, "up", "currency"]),
            json!(["won_revenue", "0.00", "0.00", null, "flat", "currency"]),
            json!(["win_rate", 0.0, 0.0, null, "flat", "percent"]),
            json!(["new_contacts", 0, 0, null, "flat", "count"]),
            json!(["avg_sales_cycle_days", 0.0, 0.0, null, "flat", "days"]),
        ]
    );
    let quarters = body["revenue"]["quarters"].as_array().unwrap();
    assert_eq!(quarters.len(), 7);
    assert_eq!(quarters[0], empty_quarter("2022 Q3"));
    assert_eq!(quarters[6], empty_quarter("2024 Q1"));
    assert_eq!(body["lead_sources"], json!({"total": 0, "sources": []}));
    assert_eq!(body["acquisition_cost"]["used"], "0.00");
    assert_eq!(body["acquisition_cost"]["sources"], json!([]));
    for bar in bars(&body["sales_funnel"]) {
        assert_eq!(tail(bar.clone(), 2), json!([0, 0.0, 0, 0.0, 0, 0.0]));
    }
    let lifetime = body["lifetime_value"]["points"].as_array().unwrap();
    assert_eq!(lifetime.len(), 30);
    assert_eq!(
        lifetime_row(&lifetime[29]),
        json!(["2024-01-31", "0.00", "0.00", 0, "0.00", "0.00", 0.0])
    );

    // September 2025: no deal created or closed, but the running totals of the lifetime value
    // carry everything won and spent before.
    let body = app
        .get(
            &ann.token,
            "/api/crm/dashboard?from=2025-09-01&to=2025-10-01",
        )
        .await
        .expect(200);
    assert_eq!(body["kpis"]["deals_created"], flat);
    assert_eq!(body["kpis"]["deals_closed"], flat);
    let lifetime = body["lifetime_value"]["points"].as_array().unwrap();
    for point in [&lifetime[0], &lifetime[29]] {
        assert_eq!(
            tail(lifetime_row(point), 1),
            json!(["4400.00", "315.75", 2, "2200.00", "157.88", 13.94])
        );
    }
    assert_eq!(lifetime[0]["date"], "2025-09-01");
}

async fn an_empty_account_gets_zeros_and_empty_series_never_an_error(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;

    for query in [
        "",
        "?from=2025-06-01&to=2025-07-01",
        "?from=2020-01-01&to=2021-12-31",
    ] {
        let body = app
            .get(&ann.token, &format!("/api/crm/dashboard{query}"))
            .await
            .expect(200);
        // `null` only where the spec allows it: changes against a previous value of 0.
        assert_eq!(
            null_paths(&body),
            [
                "kpis.cards.change_pct",
                "kpis.deals_closed.change_pct",
                "kpis.deals_created.change_pct"
            ],
            "{query}"
        );
        let kpis = &body["kpis"];
        assert_eq!(
            cards(kpis),
            [
                json!(["open_pipeline", "0.00", "0.00", null, "flat", "currency"]),
                json!(["won_revenue", "0.00", "0.00", null, "flat", "currency"]),
                json!(["win_rate", 0.0, 0.0, null, "flat", "percent"]),
                json!(["new_contacts", 0, 0, null, "flat", "count"]),
                json!(["avg_sales_cycle_days", 0.0, 0.0, null, "flat", "days"]),
            ]
        );
        let quarters = body["revenue"]["quarters"].as_array().unwrap();
        assert_eq!(quarters.len(), 7);
        for quarter in quarters {
            assert_eq!(quarter["sum"], "0.00");
            assert_eq!(quarter["p50"], "0.00");
            assert_eq!(quarter["deals"], 0);
        }
        let months = body["customer_feedback"]["months"].as_array().unwrap();
        assert_eq!(months.len(), 13);
        assert!(
            months
                .iter()
                .all(|m| m["positive"] == 0 && m["negative"] == 0 && m["net"] == 0)
        );
        assert_eq!(body["lead_sources"], json!({"total": 0, "sources": []}));
        let cost = &body["acquisition_cost"];
        assert_eq!(
            (&cost["allotted"], &cost["used"]),
            (&json!("0.00"), &json!("0.00"))
        );
        assert_eq!(cost["weekdays"].as_array().unwrap().len(), 7);
        assert_eq!(cost["sources"], json!([]));
        assert_eq!(
            bars(&body["sales_funnel"]),
            [
                json!(["Contact", "open", 0, 0.0, 0, 0.0, 0, 0.0]),
                json!(["MQL", "open", 0, 0.0, 0, 0.0, 0, 0.0]),
                json!(["SQL", "open", 0, 0.0, 0, 0.0, 0, 0.0]),
                json!(["Opportunity", "open", 0, 0.0, 0, 0.0, 0, 0.0]),
                json!(["Won", "won", 0, 0.0, 0, 0.0, 0, 0.0]),
            ]
        );
        let lifetime = body["lifetime_value"]["points"].as_array().unwrap();
        assert_eq!(lifetime.len(), 30);
        for point in lifetime {
            assert_eq!(
                tail(lifetime_row(point), 1),
                json!(["0.00", "0.00", 0, "0.00", "0.00", 0.0])
            );
        }
        let active = body["active_users"]["points"].as_array().unwrap();
        assert_eq!(active.len(), 15);
        assert!(
            active
                .iter()
                .all(|p| p["total"] == 0 && p["engaged_contacts"] == 0)
        );
    }
}

async fn deals_without_amounts_count_as_deals_but_add_no_money(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let back = Backdate::new(&app, &ann);
    for (name, won) in [
        ("First", "2025-03-10T09:00:00Z"),
        ("Second", "2025-03-20T09:00:00Z"),
    ] {
        let deal = deal_at(&app, &ann, &back, name, json!({}), "2025-03-01T09:00:00Z").await;
        move_at(&app, &ann, &back, &deal, "Won", won).await;
    }
    let open = deal_at(&app, &ann, &back, "Open", json!({}), "2025-03-02T09:00:00Z").await;
    move_at(&app, &ann, &back, &open, "SQL", "2025-03-03T09:00:00Z").await;

    let query = "from=2025-03-01&to=2025-04-01";
    let kpis = widget(&app, &ann, "kpis", query).await;
    assert_eq!(kpis["deals_created"]["count"], 3);
    assert_eq!(kpis["deals_closed"]["count"], 2);
    assert_eq!(
        cards(&kpis)[..3],
        [
            json!(["open_pipeline", "0.00", "0.00", null, "flat", "currency"]),
            json!(["won_revenue", "0.00", "0.00", null, "flat", "currency"]),
            json!(["win_rate", 100.0, 0.0, null, "up", "percent"]),
        ]
    );
    // (9 + 19) / 2 days.
    assert_eq!(card(&kpis, "avg_sales_cycle_days")["value"], 14.0);
    let revenue = widget(&app, &ann, "revenue", query).await;
    assert_eq!(
        revenue["quarters"][6],
        quarter("2025 Q1", "0.00", "0.00", "0.00", "0.00", 2)
    );
    let lifetime = widget(&app, &ann, "lifetime-value", query).await;
    assert_eq!(
        lifetime_row(&lifetime["points"][29]),
        json!(["2025-03-31", "0.00", "0.00", 0, "0.00", "0.00", 0.0])
    );
    let funnel = widget(&app, &ann, "sales-funnel", query).await;
    assert_eq!(
        bars(&funnel),
        [
            json!(["Contact", "open", 3, 100.0, 0, 0.0, 0, 0.0]),
            json!(["MQL", "open", 3, 100.0, 0, 0.0, 0, 0.0]),
            json!(["SQL", "open", 3, 100.0, 0, 0.0, 0, 0.0]),
            json!(["Opportunity", "open", 2, 66.7, 0, 0.0, 0, 0.0]),
            json!(["Won", "won", 2, 66.7, 0, 0.0, 0, 0.0]),
        ]
    );
    // The deal drawer of a deal without amount: no money, no NaN.
    let drawer = app
        .get(
            &ann.token,
            &format!("/api/crm/deals/{}/analytics", id(&open)),
        )
        .await
        .expect(200);
    assert_eq!(drawer["amount"], Value::Null);
    assert_eq!(drawer["weighted_amount"], Value::Null);
    assert_eq!(drawer["probability"], 40);
}

async fn ranges_are_validated_422_and_unparseable_values_are_400(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for route in [
        "/api/crm/dashboard",
        "/api/crm/dashboard/kpis",
        "/api/crm/dashboard/active-users",
    ] {
        let get = async |query: &str| app.get(&ann.token, &format!("{route}?{query}")).await;
        // `to` must come after `from`.
        assert_eq!(
            get("from=2025-06-01&to=2025-06-01").await.expect_fields(),
            ["to"]
        );
        assert_eq!(
            get("from=2025-06-02&to=2025-06-01").await.expect_fields(),
            ["to"]
        );
        // At most 731 days: 2024-01-01 + 731 days = 2026-01-01.
        assert_eq!(
            get("from=2024-01-01&to=2026-01-02").await.expect_fields(),
            ["from"]
        );
        get("from=2024-01-01&to=2026-01-01").await.expect(200);
        // Only `from`, far back: the range up to tomorrow is too long.
        assert_eq!(get("from=2000-01-01").await.expect_fields(), ["from"]);
        // Days that do not parse.
        assert_eq!(
            get("from=2025-13-01&to=2025-14-01")
                .await
                .expect_bad_query(),
            ["from"]
        );
        assert_eq!(
            get("from=2025-06-01&to=June").await.expect_bad_query(),
            ["to"]
        );
        assert_eq!(get("to=2025-02-30").await.expect_bad_query(), ["to"]);
    }
    for query in ["days=14", "days=0", "days=seven", "days=-7"] {
        let answer = app
            .get(
                &ann.token,
                &format!("/api/crm/dashboard/active-users?{query}"),
            )
            .await;
        assert_eq!(answer.expect_bad_query(), ["days"], "{query}");
        let answer = app
            .get(&ann.token, &format!("/api/crm/dashboard?{query}"))
            .await;
        assert_eq!(answer.expect_bad_query(), ["days"], "{query}");
    }
}

async fn the_range_defaults_to_the_last_30_days_and_to_alone_sets_its_end(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;

    // No range: the 30 days ending today. (Read the clock around the request, so a midnight
    // in between cannot fail the case.)
    let before = Utc::now().date_naive();
    let kpis = widget(&app, &ann, "kpis", "").await;
    let after = Utc::now().date_naive();
    let today = |day: NaiveDate| json!({"from": (day - Duration::days(29)).to_string(), "to": (day + Duration::days(1)).to_string()});
    assert!(
        kpis["range"] == today(before) || kpis["range"] == today(after),
        "{}",
        kpis["range"]
    );
    // Only `to`: the 30 days before it; only `from`: up to tomorrow.
    let kpis = widget(&app, &ann, "kpis", "to=2025-03-01").await;
    assert_eq!(
        kpis["range"],
        json!({"from": "2025-01-30", "to": "2025-03-01"})
    );
    assert_eq!(
        kpis["previous_range"],
        json!({"from": "2024-12-31", "to": "2025-01-30"})
    );
    let before = Utc::now().date_naive();
    let kpis = widget(&app, &ann, "kpis", "from=2026-01-01").await;
    let after = Utc::now().date_naive();
    assert_eq!(kpis["range"]["from"], "2026-01-01");
    assert!(
        [before, after]
            .iter()
            .any(|d| kpis["range"]["to"] == json!((*d + Duration::days(1)).to_string())),
        "{}",
        kpis["range"]
    );

    // A deal created and moved now is in the default range, and in this month's funnel.
    let deal = app
        .deal_with(&ann, "Fresh", "Contact", json!({"amount": "10.00"}))
        .await;
    app.patch(
        &ann.token,
        &format!("/api/crm/deals/{}", id(&deal)),
        json!({"stage": "MQL"}),
    )
    .await
    .expect(200);
    let body = app.get(&ann.token, "/api/crm/dashboard").await.expect(200);
    assert_eq!(body["kpis"]["deals_created"]["count"], 1);
    assert_eq!(card(&body["kpis"], "open_pipeline")["value"], "10.00");
    assert_eq!(
        bars(&body["sales_funnel"])[..3],
        [
            json!(["Contact", "open", 1, 100.0, 0, 0.0, 1, 100.0]),
            json!(["MQL", "open", 1, 100.0, 0, 0.0, 1, 100.0]),
            json!(["SQL", "open", 0, 0.0, 0, 0.0, 0, 0.0]),
        ]
    );
}

/// Hours before now, as RFC 3339.
fn hours_ago(hours: i64) -> String {
    (Utc::now() - Duration::hours(hours)).to_rfc3339()
}

async fn an_own_deal_has_its_analytics_and_another_users_deal_is_404(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let back = Backdate::new(&app, &ann);
    let initech = app
        .post(&ann.token, "/api/crm/companies", json!({"name": "Initech"}))
        .await
        .expect(201);
    let company = json!({"company_id": id(&initech)});
    let contact = app.contact(&ann, "Peter", "Gibbons").await;

    // The deal: 12,345.67 with Initech, entered SQL 3 days and 2 hours ago.
    let deal = app
        .deal_with(&ann, "Initech expansion", "Contact",
            json!({"amount": "12345.67", "company_id": id(&initech), "contact_id": id(&contact), "progress": 30}))
        .await;
    move_at(&app, &ann, &back, &deal, "SQL", &hours_ago(74)).await;
    // Initech's other deals: one won, one lost; a won deal with no company does not count.
    for (name, stage) in [("Initech pilot", "Won"), ("Initech audit", "Lost")] {
        let other = app.deal_with(&ann, name, "Contact", company.clone()).await;
        move_at(&app, &ann, &back, &other, stage, &hours_ago(48)).await;
    }
    let elsewhere = app.deal(&ann, "Elsewhere", "Contact").await;
    move_at(&app, &ann, &back, &elsewhere, "Won", &hours_ago(48)).await;
    // Another open deal of Ann's with one task in the window.
    let side = app.deal(&ann, "Side deal", "Contact").await;
    app.post(
        &ann.token,
        "/api/crm/activities",
        json!({"type": "task", "deal_id": id(&side)}),
    )
    .await
    .expect(201);
    // On the deal: a call 2 days ago, an e-mail 1 day ago, a note 40 days ago (outside the
    // 30-day window), and the stage change 74 hours ago.
    let path = json!({"deal_id": id(&deal)});
    let mut logged = Vec::new();
    for (kind, subject, hours) in [
        ("call", "Kick-off", 48),
        ("email", "Proposal", 24),
        ("note", "Old note", 960),
    ] {
        let mut body = path.clone();
        body["type"] = json!(kind);
        body["subject"] = json!(subject);
        logged.push(activity_at(&app, &ann, &back, body, &hours_ago(hours)).await);
    }

    let drawer = app
        .get(
            &ann.token,
            &format!("/api/crm/deals/{}/analytics", id(&deal)),
        )
        .await
        .expect(200);
    assert_eq!(drawer["deal_id"], id(&deal).as_str());
    assert_eq!(drawer["progress"], 30);
    assert_eq!(drawer["probability"], 40);
    assert_eq!(drawer["amount"], "12345.67");
    // 12,345.67 × 40 % = 4,938.268.
    assert_eq!(drawer["weighted_amount"], "4938.27");
    assert_eq!(drawer["forecast_category"], "best_case");
    assert_eq!(
        drawer["win_loss"],
        json!({"scope": "company", "won": 1, "lost": 1, "ratio": 50.0})
    );
    // SQL is the third of four open stages.
    assert_eq!(drawer["pipeline_position_pct"], 75.0);
    // In the window: this deal 3 (call, e-mail, stage change); open deals 2 with 4 in all
    // (this deal's 3 and the side deal's task): mean 2.0, 3 / 2.0 = 150 %.
    assert_eq!(
        drawer["engagement"],
        json!({"window_days": 30, "activities": 3, "owner_mean_per_open_deal": 2.0, "ratio_pct": 150.0})
    );
    let summary = &drawer["activity_summary"];
    assert_eq!(
        summary["counts"],
        json!({"call": 1, "email": 1, "meeting": 0, "note": 1, "task": 0, "stage_change": 1})
    );
    assert_eq!(summary["days_in_stage"], 3);
    let latest: Vec<Value> = summary["latest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!([a["type"], a["subject"]]))
        .collect();
    assert_eq!(
        latest,
        [
            json!(["email", "Proposal"]),
            json!(["call", "Kick-off"]),
            json!(["stage_change", "Moved from Contact to SQL"]),
            json!(["note", "Old note"]),
        ]
    );
    assert_eq!(summary["latest"][0]["id"], id(&logged[1]).as_str());

    // A won deal is closed and at the end of the pipeline.
    let won = app
        .get(
            &ann.token,
            &format!("/api/crm/deals/{}/analytics", id(&elsewhere)),
        )
        .await
        .expect(200);
    assert_eq!(won["forecast_category"], "closed");
    assert_eq!(won["pipeline_position_pct"], 100.0);
    assert_eq!(
        won["win_loss"],
        json!({"scope": "all", "won": 2, "lost": 1, "ratio": 66.7})
    );

    // Ben cannot see it; nor an id that names nothing; a malformed id is a 400.
    let path = format!("/api/crm/deals/{}/analytics", id(&deal));
    app.get(&ben.token, &path)
        .await
        .expect_error(404, "not_found");
    app.get(
        &ann.token,
        &format!("/api/crm/deals/{}/analytics", unknown_id()),
    )
    .await
    .expect_error(404, "not_found");
    app.get(&ann.token, "/api/crm/deals/not-an-id/analytics")
        .await
        .expect_error(400, "bad_request");
    // Ann's answer did not change for Ben's asking.
    let again = app.get(&ann.token, &path).await.expect(200);
    assert_eq!(again, drawer);
}

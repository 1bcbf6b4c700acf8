//! The shared scenario: one user's year of pipeline, with every timestamp fixed, around the
//! range R = [2026-10-28, 2026-11-27) (the 30 days ending 2026-11-26) and its previous range
//! P = [2026-09-28, 2026-10-28). Each case states the figures it expects, computed by hand
//! from the table below (stages: Contact 0, MQL 1, SQL 2, Opportunity 3 are open; Won 4;
//! Lost 5).
//!
//! | deal | amount  | contact / company | created          | moves                                   |
//! |------|---------|-------------------|------------------|-----------------------------------------|
//! | d1   | 1000.00 | c1 / Acme         | 2026-10-01 09:00 | MQL 10-05, SQL 10-10, Won 11-02 09:00   |
//! | d2   | 2500.00 | c2 / –            | 2026-11-01 10:00 | Won 11-10 10:00                         |
//! | d3   |  400.00 | c3 / –            | 2026-11-03 08:00 | MQL 11-04, Lost 11-05 08:00             |
//! | d4   |       – | – / –             | 2026-11-05 12:00 | SQL 11-06, Won 11-20 12:00              |
//! | d5   |  300.00 | – / Acme          | 2026-10-20 00:00 | Won 10-25 00:00                         |
//! | d6   |  700.00 | – / –             | 2026-09-30 09:00 | Lost 10-27 23:59:59                     |
//! | d7   | 5000.00 | c4 / –            | 2026-11-20 00:00 | Opportunity 11-21 09:00                 |
//! | d8   |  800.00 | – / –             | 2026-06-15 09:00 | SQL 07-01                               |
//! | d9   | 1234.56 | – / Globex        | 2026-01-10 09:00 | Won 02-15 09:00                         |
//! | d10  |   99.99 | c5 / –            | 2025-05-01 09:00 | Won 2025-05-20 09:00                    |
//! | d12  |    0.01 | – / Globex        | 2026-01-05 09:00 | Won 03-31 23:00                         |
//! | d13  |  150.00 | – / –             | 2026-10-30 10:00 | MQL 10-31 10:00                         |
//!
//! Contacts: c1 paid_ads (Acme) 10-29, c2 referral 11-01, c3 paid_ads 11-02, c4 no source
//! 11-15, c5 webinar 10-10. Activities and spend are listed where they are written.

use serde_json::json;
use uuid::Uuid;

use crate::fixtures::Fx;

/// The ids of the scenario's rows.
pub struct Scenario {
    pub c1: Uuid,
    pub c2: Uuid,
    pub d1: Uuid,
    pub d3: Uuid,
    pub d4: Uuid,
    pub d7: Uuid,
    pub d13: Uuid,
}

/// Writes the scenario for `fx`'s user.
pub async fn build(fx: &Fx) -> Scenario {
    let acme = fx.company("Acme").await;
    let globex = fx.company("Globex").await;

    let c1 = fx
        .contact("Cara", Some("paid_ads"), Some(acme), "2026-10-29T10:00:00Z")
        .await;
    let c2 = fx
        .contact("Dan", Some("referral"), None, "2026-11-01T09:00:00Z")
        .await;
    let c3 = fx
        .contact("Eve", Some("paid_ads"), None, "2026-11-02T09:00:00Z")
        .await;
    let c4 = fx.contact("Finn", None, None, "2026-11-15T09:00:00Z").await;
    let c5 = fx
        .contact("Gus", Some("webinar"), None, "2026-10-10T09:00:00Z")
        .await;

    let d1 = fx
        .deal(
            "Acme renewal",
            "Contact",
            Some("1000.00"),
            Some(c1),
            Some(acme),
            "2026-10-01T09:00:00Z",
        )
        .await;
    fx.move_to(d1, "MQL", "2026-10-05T09:00:00Z").await;
    fx.move_to(d1, "SQL", "2026-10-10T09:00:00Z").await;
    fx.move_to(d1, "Won", "2026-11-02T09:00:00Z").await;

    let d2 = fx
        .deal(
            "Dan's deal",
            "Contact",
            Some("2500.00"),
            Some(c2),
            None,
            "2026-11-01T10:00:00Z",
        )
        .await;
    fx.move_to(d2, "Won", "2026-11-10T10:00:00Z").await;

    let d3 = fx
        .deal(
            "Eve's deal",
            "Contact",
            Some("400.00"),
            Some(c3),
            None,
            "2026-11-03T08:00:00Z",
        )
        .await;
    fx.move_to(d3, "MQL", "2026-11-04T08:00:00Z").await;
    fx.move_to(d3, "Lost", "2026-11-05T08:00:00Z").await;

    let d4 = fx
        .deal(
            "No amount",
            "Contact",
            None,
            None,
            None,
            "2026-11-05T12:00:00Z",
        )
        .await;
    fx.move_to(d4, "SQL", "2026-11-06T12:00:00Z").await;
    fx.move_to(d4, "Won", "2026-11-20T12:00:00Z").await;

    let d5 = fx
        .deal(
            "Acme add-on",
            "Contact",
            Some("300.00"),
            None,
            Some(acme),
            "2026-10-20T00:00:00Z",
        )
        .await;
    fx.move_to(d5, "Won", "2026-10-25T00:00:00Z").await;

    let d6 = fx
        .deal(
            "Lost before",
            "Contact",
            Some("700.00"),
            None,
            None,
            "2026-09-30T09:00:00Z",
        )
        .await;
    fx.move_to(d6, "Lost", "2026-10-27T23:59:59Z").await;

    let d7 = fx
        .deal(
            "Big open",
            "Contact",
            Some("5000.00"),
            Some(c4),
            None,
            "2026-11-20T00:00:00Z",
        )
        .await;
    fx.move_to(d7, "Opportunity", "2026-11-21T09:00:00Z").await;

    let d8 = fx
        .deal(
            "Old open",
            "Contact",
            Some("800.00"),
            None,
            None,
            "2026-06-15T09:00:00Z",
        )
        .await;
    fx.move_to(d8, "SQL", "2026-07-01T09:00:00Z").await;

    let d9 = fx
        .deal(
            "Globex license",
            "Contact",
            Some("1234.56"),
            None,
            Some(globex),
            "2026-01-10T09:00:00Z",
        )
        .await;
    fx.move_to(d9, "Won", "2026-02-15T09:00:00Z").await;

    let d10 = fx
        .deal(
            "Gus deal",
            "Contact",
            Some("99.99"),
            Some(c5),
            None,
            "2025-05-01T09:00:00Z",
        )
        .await;
    fx.move_to(d10, "Won", "2025-05-20T09:00:00Z").await;

    let d12 = fx
        .deal(
            "Globex cent",
            "Contact",
            Some("0.01"),
            None,
            Some(globex),
            "2026-01-05T09:00:00Z",
        )
        .await;
    fx.move_to(d12, "Won", "2026-03-31T23:00:00Z").await;

    let d13 = fx
        .deal(
            "Fresh lead",
            "Contact",
            Some("150.00"),
            None,
            None,
            "2026-10-30T10:00:00Z",
        )
        .await;
    fx.move_to(d13, "MQL", "2026-10-31T10:00:00Z").await;

    // Sentiment (customer feedback): 2025-11 +1, 2026-10 +1, 2026-11 +1 −1; one before the
    // 13 months, one neutral, one without sentiment.
    let none = json!({});
    fx.activity(
        "call",
        Some(c1),
        None,
        json!({"sentiment": "positive"}),
        "2026-11-03T10:00:00Z",
    )
    .await;
    fx.activity(
        "email",
        Some(c3),
        None,
        json!({"sentiment": "negative"}),
        "2026-11-04T10:00:00Z",
    )
    .await;
    fx.activity(
        "meeting",
        Some(c5),
        None,
        json!({"sentiment": "positive"}),
        "2026-10-15T10:00:00Z",
    )
    .await;
    fx.activity(
        "call",
        Some(c2),
        None,
        json!({"sentiment": "neutral"}),
        "2026-11-05T10:00:00Z",
    )
    .await;
    fx.activity(
        "note",
        Some(c2),
        None,
        json!({"title": "met"}),
        "2026-11-06T10:00:00Z",
    )
    .await;
    fx.activity(
        "email",
        Some(c5),
        None,
        json!({"sentiment": "positive"}),
        "2025-11-30T23:59:00Z",
    )
    .await;
    fx.activity(
        "call",
        Some(c5),
        None,
        json!({"sentiment": "positive"}),
        "2025-10-31T23:59:00Z",
    )
    .await;

    // Engagement (besides the stage changes of 11-20 and 11-21): 11-21 a task and a note
    // with c4, 11-25 a call on d13, 11-26 a call with c2.
    fx.activity(
        "task",
        Some(c4),
        Some(d7),
        none.clone(),
        "2026-11-21T15:00:00Z",
    )
    .await;
    fx.activity("note", Some(c4), None, none.clone(), "2026-11-21T16:00:00Z")
        .await;
    fx.activity(
        "call",
        None,
        Some(d13),
        none.clone(),
        "2026-11-25T10:00:00Z",
    )
    .await;
    fx.activity("call", Some(c2), None, none, "2026-11-26T08:00:00Z")
        .await;

    // Spend: one day before R, four in R (Mon, Tue, Mon, Sun), one on R's exclusive end.
    fx.spend("2026-10-27", "paid_ads", "1000.00", "999.00")
        .await;
    fx.spend("2026-11-02", "paid_ads", "100.00", "80.00").await;
    fx.spend("2026-11-03", "paid_ads", "100.00", "120.00").await;
    fx.spend("2026-11-09", "referral", "50.00", "50.00").await;
    fx.spend("2026-11-15", "webinar", "10.00", "3.33").await;
    fx.spend("2026-11-27", "paid_ads", "500.00", "500.00").await;

    Scenario {
        c1,
        c2,
        d1,
        d3,
        d4,
        d7,
        d13,
    }
}

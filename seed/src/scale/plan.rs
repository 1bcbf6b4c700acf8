//! The generated rows of a scale run: the shared users and companies, then one [`UserBatch`]
//! per user (stages, contacts, deals with their stage histories, collaborators, activities,
//! spend), in foreign-key order.
//!
//! Rules the rows keep, as the store would: within each (user, stage) the deals' `stage_order`
//! is exactly 0..n-1; every deal's history starts with its creation in the first stage and
//! walks forward to the stage it is in now (won and lost deals through some open stages), with
//! a `stage_change` activity for each move; activities point at the user's own deals and
//! contacts; metadata has the shape its type allows.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_domain::company::name_key;
use crm_domain::stage::default_stages;
use crm_domain::{LeadSource, LeadStatus, Priority, StageKind};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use sea_orm::Value;
use serde_json::json;
use uuid::Uuid;

use super::ScaleOptions;
use super::sink::Table;

const USER_COLUMNS: &[&str] = &[
    "id",
    "email",
    "password_hash",
    "display_name",
    "avatar_url",
    "created_at",
];
const COMPANY_COLUMNS: &[&str] = &[
    "id",
    "name",
    "name_key",
    "logo_url",
    "industry",
    "website",
    "created_by",
    "created_at",
    "updated_at",
];
const STAGE_COLUMNS: &[&str] = &[
    "user_id",
    "id",
    "name",
    "position",
    "kind",
    "probability",
    "created_at",
];
const CONTACT_COLUMNS: &[&str] = &[
    "user_id",
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company_id",
    "lead_source",
    "lead_status",
    "contact_owner_id",
    "created_by",
    "avatar_url",
    "linkedin_url",
    "notes",
    "created_at",
    "updated_at",
];
const DEAL_COLUMNS: &[&str] = &[
    "user_id",
    "id",
    "name",
    "description",
    "amount_cents",
    "stage_id",
    "stage_order",
    "priority",
    "progress",
    "owner_id",
    "close_date",
    "create_date",
    "last_update",
    "created_by",
    "contact_id",
    "company_id",
];
const CHANGE_COLUMNS: &[&str] = &[
    "user_id",
    "id",
    "deal_id",
    "from_stage_id",
    "to_stage_id",
    "from_stage",
    "to_stage",
    "to_kind",
    "changed_by",
    "changed_at",
];
const COLLABORATOR_COLUMNS: &[&str] = &["owner_id", "deal_id", "user_id", "added_at"];
const ACTIVITY_COLUMNS: &[&str] = &[
    "user_id",
    "id",
    "type",
    "contact_id",
    "deal_id",
    "subject",
    "description",
    "metadata",
    "created_by",
    "created_at",
    "updated_at",
];
const SPEND_COLUMNS: &[&str] = &[
    "user_id",
    "id",
    "spent_on",
    "lead_source",
    "allotted_cents",
    "used_cents",
    "created_at",
];

/// Share of a user's deals in each default stage, in per mille (Contact … Lost): with 2,000
/// deals the largest column holds 400 cards.
const STAGE_SHARES: [u32; 6] = [200, 200, 175, 150, 150, 125];

const FIRST_NAMES: &[&str] = &[
    "Ava", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jack", "Kara",
    "Liam", "Maya", "Noah", "Olivia", "Paul", "Quinn", "Ruby", "Sam", "Tara", "Umar", "Vera",
    "Will", "Xena", "Yusuf", "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Rossi", "Silva", "Tanaka",
    "Usman", "Varga", "Weber", "Young", "Zhang",
];
const TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "Head of Sales",
    "Procurement Lead",
    "Marketing Manager",
    "Operations Director",
    "Engineer",
];
const COMPANY_WORDS: &[&str] = &[
    "Northwind",
    "Bluepeak",
    "Ironbridge",
    "Silverline",
    "Greenfield",
    "Redwood",
    "Brightwave",
    "Stonegate",
    "Clearwater",
    "Highland",
];
const COMPANY_KINDS: &[&str] = &[
    "Systems",
    "Logistics",
    "Analytics",
    "Foods",
    "Health",
    "Energy",
    "Media",
    "Robotics",
];
const INDUSTRIES: &[&str] = &[
    "Software",
    "Logistics",
    "Finance",
    "Retail",
    "Healthcare",
    "Energy",
    "Media",
    "Manufacturing",
];
const DEAL_WORDS: &[&str] = &[
    "License renewal",
    "Pilot project",
    "Enterprise plan",
    "Support contract",
    "Onboarding package",
    "Platform upgrade",
    "Data migration",
];
const OUTCOMES: &[&str] = &[
    "Interested",
    "Call back later",
    "Left voicemail",
    "Sent proposal",
];
const SENTIMENTS: &[Option<&str>] = &[
    Some("positive"),
    Some("positive"),
    Some("neutral"),
    Some("negative"),
    None,
];

/// The shared rows: users (all with one password hash) and the company directory.
pub(crate) struct SharedRows {
    /// The `users` rows.
    pub users: Table,
    /// The `companies` rows.
    pub companies: Table,
    /// User ids, in e-mail order.
    pub user_ids: Vec<Uuid>,
    /// Company ids.
    pub company_ids: Vec<Uuid>,
}

/// Builds the users and companies.
pub(crate) fn shared_rows(
    options: &ScaleOptions,
    password_hash: &str,
    now: DateTime<Utc>,
) -> SharedRows {
    let joined = now - Duration::days(400);
    let mut users = Table::new("users", USER_COLUMNS);
    let user_ids: Vec<Uuid> = (0..options.users).map(|_| Uuid::now_v7()).collect();
    for (i, id) in user_ids.iter().enumerate() {
        users.push(vec![
            uuid(*id),
            text(super::scale_email(i)),
            text(password_hash.to_owned()),
            text(format!("Scale User {:04}", i + 1)),
            Value::String(None),
            time(joined + Duration::minutes(i as i64)),
        ]);
    }
    let mut companies = Table::new("companies", COMPANY_COLUMNS);
    let company_ids: Vec<Uuid> = (0..options.companies).map(|_| Uuid::now_v7()).collect();
    for (i, id) in company_ids.iter().enumerate() {
        let name = format!(
            "{} {} {:04}",
            COMPANY_WORDS[i % COMPANY_WORDS.len()],
            COMPANY_KINDS[(i / COMPANY_WORDS.len()) % COMPANY_KINDS.len()],
            i + 1
        );
        let website = format!("https://www.scale-company-{:04}.example", i + 1);
        let created_by = user_ids.get(i % user_ids.len().max(1)).copied();
        companies.push(vec![
            uuid(*id),
            text(name.clone()),
            text(name_key(&name)),
            Value::String(None),
            text(INDUSTRIES[i % INDUSTRIES.len()].to_owned()),
            text(website),
            Value::Uuid(created_by),
            time(joined),
            time(joined),
        ]);
    }
    SharedRows {
        users,
        companies,
        user_ids,
        company_ids,
    }
}

/// One user's rows, in foreign-key order.
pub(crate) struct UserBatch {
    /// Tables in insertion order.
    pub tables: Vec<Table>,
}

/// A stage as the generator needs it.
struct StageRow {
    id: Uuid,
    name: String,
    kind: StageKind,
    probability: u8,
}

/// A deal as later rows need it.
struct DealRow {
    id: Uuid,
    contact_id: Option<Uuid>,
    created: DateTime<Utc>,
}

/// What every part of one user's generation shares.
struct Ctx<'a> {
    user_id: Uuid,
    now: DateTime<Utc>,
    rng: StdRng,
    options: &'a ScaleOptions,
    others: Vec<Uuid>,
    company_ids: &'a [Uuid],
}

/// One user's share of the run.
pub(crate) struct UserSpec {
    /// The user's id.
    pub user_id: Uuid,
    /// Contacts to create.
    pub contacts: usize,
    /// Activities to create, `stage_change` ones included.
    pub activities: usize,
    /// The user's own generator.
    pub rng: StdRng,
}

/// Generates the rows of one user; `user_ids` and `company_ids` are the shared rows' ids.
pub(crate) fn user_batch(
    options: &ScaleOptions,
    user_ids: &[Uuid],
    company_ids: &[Uuid],
    spec: UserSpec,
    now: DateTime<Utc>,
) -> UserBatch {
    let UserSpec {
        user_id,
        contacts,
        activities,
        rng,
    } = spec;
    let others = user_ids
        .iter()
        .copied()
        .filter(|id| *id != user_id)
        .collect();
    let mut ctx = Ctx {
        user_id,
        now,
        rng,
        options,
        others,
        company_ids,
    };
    let (stage_table, stages) = stage_rows(&ctx);
    let (contact_table, contact_ids) = contact_rows(&mut ctx, contacts);
    let mut changes = Table::new("deal_stage_changes", CHANGE_COLUMNS);
    let mut acts = Table::new("activities", ACTIVITY_COLUMNS);
    let (deal_table, deals) = deal_rows(&mut ctx, &stages, &contact_ids, &mut changes, &mut acts);
    let collaborators = collaborator_rows(&mut ctx, &deals);
    logged_activities(&mut ctx, &deals, &contact_ids, activities, &mut acts);
    let spend = spend_rows(&mut ctx);
    UserBatch {
        tables: vec![
            stage_table,
            contact_table,
            deal_table,
            changes,
            collaborators,
            acts,
            spend,
        ],
    }
}

fn stage_rows(ctx: &Ctx<'_>) -> (Table, Vec<StageRow>) {
    let mut table = Table::new("pipeline_stages", STAGE_COLUMNS);
    let created = ctx.now - Duration::days(395);
    let stages: Vec<StageRow> = default_stages()
        .into_iter()
        .map(|s| StageRow {
            id: s.id,
            name: s.name,
            kind: s.kind,
            probability: s.probability.get(),
        })
        .collect();
    for (position, stage) in stages.iter().enumerate() {
        table.push(vec![
            uuid(ctx.user_id),
            uuid(stage.id),
            text(stage.name.clone()),
            Value::Int(Some(position as i32)),
            text(stage.kind.as_str().to_owned()),
            Value::Int(Some(i32::from(stage.probability))),
            time(created),
        ]);
    }
    (table, stages)
}

/// The contacts; returns them with each one's (id, company).
fn contact_rows(ctx: &mut Ctx<'_>, count: usize) -> (Table, Vec<(Uuid, Option<Uuid>)>) {
    let mut table = Table::new("contacts", CONTACT_COLUMNS);
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let id = Uuid::now_v7();
        let first = *pick(&mut ctx.rng, FIRST_NAMES);
        let last = *pick(&mut ctx.rng, LAST_NAMES);
        let company = ctx.company_ids.choose(&mut ctx.rng).copied();
        let created = ctx.now - Duration::minutes(ctx.rng.gen_range(0..395 * 24 * 60));
        let email = format!("{}.{}.{i}@customer.example", first, last).to_lowercase();
        table.push(vec![
            uuid(ctx.user_id),
            uuid(id),
            text(first.to_owned()),
            text(last.to_owned()),
            text(email),
            text(format!("+1 555 {:04}", ctx.rng.gen_range(0..10_000))),
            text((*pick(&mut ctx.rng, TITLES)).to_owned()),
            Value::Uuid(company),
            text(pick(&mut ctx.rng, LeadSource::ALL).as_str().to_owned()),
            text(pick(&mut ctx.rng, LeadStatus::ALL).as_str().to_owned()),
            uuid(ctx.user_id),
            uuid(ctx.user_id),
            Value::String(None),
            Value::String(None),
            Value::String(None),
            time(created),
            time(created),
        ]);
        ids.push((id, company));
    }
    (table, ids)
}

/// The stage index of each deal: the shares of [`STAGE_SHARES`], shuffled.
fn stage_assignment(rng: &mut StdRng, deals: usize) -> Vec<usize> {
    let total: u32 = STAGE_SHARES.iter().sum();
    let mut counts: Vec<usize> = STAGE_SHARES
        .iter()
        .map(|share| deals * (*share as usize) / (total as usize))
        .collect();
    let assigned: usize = counts.iter().sum();
    // The rounding remainder goes to the first (open) stages.
    for slot in counts.iter_mut().take(deals - assigned) {
        *slot += 1;
    }
    let mut stages: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(stage, count)| std::iter::repeat_n(stage, *count))
        .collect();
    stages.shuffle(rng);
    stages
}

/// The deals with their histories and `stage_change` activities.
fn deal_rows(
    ctx: &mut Ctx<'_>,
    stages: &[StageRow],
    contacts: &[(Uuid, Option<Uuid>)],
    changes: &mut Table,
    activities: &mut Table,
) -> (Table, Vec<DealRow>) {
    let mut table = Table::new("deals", DEAL_COLUMNS);
    let mut deals = Vec::with_capacity(ctx.options.deals_per_user);
    let mut next_order = vec![0i32; stages.len()];
    for stage_index in stage_assignment(&mut ctx.rng, ctx.options.deals_per_user) {
        let id = Uuid::now_v7();
        let (contact_id, company_id) = match contacts.choose(&mut ctx.rng) {
            Some((contact, company)) => (Some(*contact), *company),
            None => (None, ctx.company_ids.choose(&mut ctx.rng).copied()),
        };
        let created = ctx.now - Duration::minutes(ctx.rng.gen_range(60..270 * 24 * 60));
        let path = stage_path(&mut ctx.rng, stages, stage_index);
        let last_change = history_rows(
            ctx, id, contact_id, stages, &path, created, changes, activities,
        );
        let stage = &stages[stage_index];
        let close_date = match stage.kind {
            StageKind::Open => (ctx.now + Duration::days(ctx.rng.gen_range(7..120))).date_naive(),
            _ => last_change.date_naive(),
        };
        let order = next_order[stage_index];
        next_order[stage_index] += 1;
        table.push(vec![
            uuid(ctx.user_id),
            uuid(id),
            text(format!(
                "{} #{}",
                pick(&mut ctx.rng, DEAL_WORDS),
                deals.len() + 1
            )),
            Value::String(None),
            Value::BigInt(Some(ctx.rng.gen_range(5..5_000) * 10_000)),
            uuid(stage.id),
            Value::Int(Some(order)),
            text(pick(&mut ctx.rng, Priority::ALL).as_str().to_owned()),
            Value::Int(Some(i32::from(stage.probability))),
            uuid(ctx.user_id),
            date(close_date),
            time(created),
            time(last_change),
            uuid(ctx.user_id),
            Value::Uuid(contact_id),
            Value::Uuid(company_id),
        ]);
        deals.push(DealRow {
            id,
            contact_id,
            created,
        });
    }
    (table, deals)
}

/// The stages a deal went through, ending in `target`: open stages in order from the first;
/// a won deal passes every open stage, a lost one leaves from a random open stage.
fn stage_path(rng: &mut StdRng, stages: &[StageRow], target: usize) -> Vec<usize> {
    let open: Vec<usize> = (0..stages.len())
        .filter(|i| stages[*i].kind == StageKind::Open)
        .collect();
    match stages[target].kind {
        StageKind::Open => open.into_iter().filter(|i| *i <= target).collect(),
        StageKind::Won => open.into_iter().chain([target]).collect(),
        StageKind::Lost => {
            let left_from = rng.gen_range(0..open.len().max(1));
            open.into_iter()
                .take(left_from + 1)
                .chain([target])
                .collect()
        }
    }
}

/// Writes the history of one deal along `path` (creation, then one change per move, each
/// move with its `stage_change` activity); returns the time of the last change.
#[allow(clippy::too_many_arguments)]
fn history_rows(
    ctx: &mut Ctx<'_>,
    deal_id: Uuid,
    contact_id: Option<Uuid>,
    stages: &[StageRow],
    path: &[usize],
    created: DateTime<Utc>,
    changes: &mut Table,
    activities: &mut Table,
) -> DateTime<Utc> {
    let room = (ctx.now - created).num_minutes().max(1);
    let step = (room / (path.len() as i64 + 1)).max(1);
    let mut at = created;
    let mut from: Option<&StageRow> = None;
    for (n, stage_index) in path.iter().enumerate() {
        if n > 0 {
            at += Duration::minutes(ctx.rng.gen_range(1..=step));
        }
        let to = &stages[*stage_index];
        changes.push(vec![
            uuid(ctx.user_id),
            uuid(Uuid::now_v7()),
            uuid(deal_id),
            Value::Uuid(from.map(|s| s.id)),
            uuid(to.id),
            Value::String(from.map(|s| s.name.clone())),
            text(to.name.clone()),
            text(to.kind.as_str().to_owned()),
            uuid(ctx.user_id),
            time(at),
        ]);
        if let Some(from) = from {
            activities.push(vec![
                uuid(ctx.user_id),
                uuid(Uuid::now_v7()),
                text("stage_change".to_owned()),
                Value::Uuid(contact_id),
                uuid(deal_id),
                text(format!("Moved from {} to {}", from.name, to.name)),
                Value::String(None),
                metadata(json!({"from": from.name, "to": to.name})),
                uuid(ctx.user_id),
                time(at),
                time(at),
            ]);
        }
        from = Some(to);
    }
    at
}

/// Colleagues on about `collaborator_percent` % of the deals (one or two each).
fn collaborator_rows(ctx: &mut Ctx<'_>, deals: &[DealRow]) -> Table {
    let mut table = Table::new("deal_collaborators", COLLABORATOR_COLUMNS);
    if ctx.others.is_empty() {
        return table;
    }
    for deal in deals {
        if ctx.rng.gen_range(0..100) >= ctx.options.collaborator_percent {
            continue;
        }
        let wanted = ctx.rng.gen_range(1..=2).min(ctx.others.len());
        let chosen: Vec<Uuid> = ctx
            .others
            .choose_multiple(&mut ctx.rng, wanted)
            .copied()
            .collect();
        for colleague in chosen {
            table.push(vec![
                uuid(ctx.user_id),
                uuid(deal.id),
                uuid(colleague),
                time(deal.created),
            ]);
        }
    }
    table
}

/// Calls, e-mails, meetings, notes and tasks until the user has `total` activities (the
/// `stage_change` ones included): four in five on a deal (and its contact), the rest on a
/// contact alone.
fn logged_activities(
    ctx: &mut Ctx<'_>,
    deals: &[DealRow],
    contacts: &[(Uuid, Option<Uuid>)],
    total: usize,
    table: &mut Table,
) {
    let wanted = total.saturating_sub(table.rows.len());
    for _ in 0..wanted {
        let on_deal = if ctx.rng.gen_range(0..5) < 4 {
            deals.choose(&mut ctx.rng)
        } else {
            None
        };
        let (contact_id, deal_id, since) = match on_deal {
            Some(deal) => (deal.contact_id, Some(deal.id), deal.created),
            None => match contacts.choose(&mut ctx.rng) {
                Some((contact, _)) => (Some(*contact), None, ctx.now - Duration::days(395)),
                None => continue,
            },
        };
        let room = (ctx.now - since).num_minutes().max(1);
        let at = since + Duration::minutes(ctx.rng.gen_range(0..room));
        let (kind, subject, meta) = logged_metadata(&mut ctx.rng, at);
        table.push(vec![
            uuid(ctx.user_id),
            uuid(Uuid::now_v7()),
            text(kind.to_owned()),
            Value::Uuid(contact_id),
            Value::Uuid(deal_id),
            text(subject.to_owned()),
            Value::String(None),
            metadata(meta),
            uuid(ctx.user_id),
            time(at),
            time(at),
        ]);
    }
}

/// A logged activity's type, subject and metadata (of the shape that type allows).
fn logged_metadata(
    rng: &mut StdRng,
    at: DateTime<Utc>,
) -> (&'static str, &'static str, serde_json::Value) {
    let sentiment = *pick(rng, SENTIMENTS);
    match rng.gen_range(0..20) {
        0..=5 => (
            "call",
            "Call",
            json!({
                "direction": if rng.gen_bool(0.5) { "inbound" } else { "outbound" },
                "duration_seconds": rng.gen_range(30..3_600),
                "outcome": pick(rng, OUTCOMES),
                "sentiment": sentiment,
            }),
        ),
        6..=11 => (
            "email",
            "E-mail",
            json!({
                "from": "sales@scale.crm",
                "to": ["buyer@customer.example"],
                "cc": [],
                "attachments": [],
                "sentiment": sentiment,
            }),
        ),
        12..=14 => {
            let ends = at + Duration::minutes(rng.gen_range(15..120));
            (
                "meeting",
                "Meeting",
                json!({
                    "starts_at": at,
                    "ends_at": ends,
                    "location": "Video call",
                    "attendees": ["Buyer"],
                    "sentiment": sentiment,
                }),
            )
        }
        15..=17 => ("note", "Note", json!({"title": "Follow-up notes"})),
        _ => {
            let due = at + Duration::days(rng.gen_range(1..14));
            let done = rng.gen_bool(0.6).then_some(due);
            (
                "task",
                "Task",
                json!({
                    "due_at": due,
                    "completed_at": done,
                    "priority": pick(rng, Priority::ALL).as_str(),
                }),
            )
        }
    }
}

/// Spend per lead source for each of the last `spend_days` days.
fn spend_rows(ctx: &mut Ctx<'_>) -> Table {
    let mut table = Table::new("marketing_spend", SPEND_COLUMNS);
    let today = ctx.now.date_naive();
    for day in 0..ctx.options.spend_days {
        let spent_on = today - Duration::days(day as i64);
        for source in LeadSource::ALL {
            let allotted = ctx.rng.gen_range(50..500) * 100;
            let used = allotted * ctx.rng.gen_range(50..=100) / 100;
            table.push(vec![
                uuid(ctx.user_id),
                uuid(Uuid::now_v7()),
                date(spent_on),
                text(source.as_str().to_owned()),
                Value::BigInt(Some(allotted)),
                Value::BigInt(Some(used)),
                time(ctx.now),
            ]);
        }
    }
    table
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    // Every list here is a non-empty constant.
    &items[rng.gen_range(0..items.len())]
}

fn uuid(id: Uuid) -> Value {
    Value::Uuid(Some(id))
}

fn text(s: String) -> Value {
    Value::String(Some(s))
}

fn time(at: DateTime<Utc>) -> Value {
    Value::ChronoDateTimeUtc(Some(at))
}

fn date(day: NaiveDate) -> Value {
    Value::ChronoDate(Some(day))
}

fn metadata(json: serde_json::Value) -> Value {
    Value::Json(Some(Box::new(json)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn options() -> ScaleOptions {
        ScaleOptions {
            users: 3,
            deals_per_user: 60,
            contacts: 30,
            companies: 5,
            activities: 900,
            collaborator_percent: 10,
            spend_days: 2,
        }
    }

    fn batch() -> UserBatch {
        let opts = options();
        let now = Utc::now();
        let shared = shared_rows(&opts, "hash", now);
        let spec = UserSpec {
            user_id: shared.user_ids[0],
            contacts: 10,
            activities: 300,
            rng: StdRng::seed_from_u64(7),
        };
        user_batch(&opts, &shared.user_ids, &shared.company_ids, spec, now)
    }

    fn column(table: &Table, name: &str) -> usize {
        table
            .columns
            .iter()
            .position(|c| *c == name)
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn positions_are_gap_free_in_every_column() {
        let b = batch();
        let deals = &b.tables[2];
        let (stage, order) = (column(deals, "stage_id"), column(deals, "stage_order"));
        let mut by_stage: std::collections::HashMap<String, Vec<i32>> = Default::default();
        for row in &deals.rows {
            if let (Value::Uuid(Some(s)), Value::Int(Some(o))) = (&row[stage], &row[order]) {
                by_stage.entry(s.to_string()).or_default().push(*o);
            }
        }
        assert_eq!(by_stage.len(), 6);
        for orders in by_stage.values_mut() {
            orders.sort_unstable();
            assert_eq!(*orders, (0..orders.len() as i32).collect::<Vec<_>>());
        }
        assert_eq!(deals.rows.len(), 60);
    }

    #[test]
    fn every_history_ends_in_the_deals_stage() {
        let b = batch();
        let (deals, changes) = (&b.tables[2], &b.tables[3]);
        // Rows of one deal are written in time order: the last one is its current stage.
        let mut last: std::collections::HashMap<Uuid, (Uuid, DateTime<Utc>)> = Default::default();
        let (deal_col, to_col, at_col) = (
            column(changes, "deal_id"),
            column(changes, "to_stage_id"),
            column(changes, "changed_at"),
        );
        for row in &changes.rows {
            if let (
                Value::Uuid(Some(deal)),
                Value::Uuid(Some(to)),
                Value::ChronoDateTimeUtc(Some(at)),
            ) = (&row[deal_col], &row[to_col], &row[at_col])
            {
                if let Some((_, previous)) = last.get(deal) {
                    assert!(at >= previous, "history of {deal} goes back in time");
                }
                last.insert(*deal, (*to, *at));
            }
        }
        let (id_col, stage_col) = (column(deals, "id"), column(deals, "stage_id"));
        for row in &deals.rows {
            if let (Value::Uuid(Some(id)), Value::Uuid(Some(stage))) =
                (&row[id_col], &row[stage_col])
            {
                assert_eq!(last.get(id).map(|(to, _)| to), Some(stage));
            } else {
                panic!("deal row without ids");
            }
        }
    }

    #[test]
    fn activities_fill_up_to_the_requested_total() {
        let b = batch();
        assert_eq!(b.tables[5].rows.len(), 300);
        assert_eq!(b.tables[6].rows.len(), 2 * LeadSource::ALL.len());
    }

    #[test]
    fn no_column_goes_over_a_fifth_of_the_deals() {
        let mut rng = StdRng::seed_from_u64(1);
        let stages = stage_assignment(&mut rng, 2_000);
        assert_eq!(stages.len(), 2_000);
        for s in 0..6 {
            assert!(stages.iter().filter(|x| **x == s).count() <= 400);
        }
    }
}

//! One demo user's own data: contacts, deals with a stage history, activities and marketing
//! spend. Everything is written through the domain services (or, for activities, validated by
//! the domain and written by the repository) and then dated into the past with
//! [`crate::backdate`].

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use crm_domain::{
    ActivityInput, ActivityType, Company, CompanyChoice, ContactInput, ContactPatch, DealInput,
    DealPatch, LeadSource, LeadStatus, Money, NewActivity, NewContact, NewMarketingSpend,
    PipelineStage, Priority, Result, Services, StageKind, StageRef, Tenant, User,
};
use crm_store::map_db_err;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::UserSeedReport;
use crate::backdate;
use crate::catalog::{self, CompanySpec};
use crate::clock::{Clock, between};

/// How much data a demo user gets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    /// Contacts.
    pub(crate) contacts: usize,
    /// Deals.
    pub(crate) deals: usize,
    /// Activities spread over the 13 calendar months of the feedback chart.
    pub(crate) spread_activities: usize,
    /// Extra activities in the last 30 days (the engagement chart).
    pub(crate) recent_activities: usize,
    /// Marketing budget in percent of the catalogue's daily budgets.
    pub(crate) budget_pct: i64,
}

/// The profiles of the demo users, by position; the first user gets the most.
pub(crate) const PROFILES: [Profile; 3] = [
    Profile {
        contacts: 36,
        deals: 54,
        spread_activities: 117,
        recent_activities: 63,
        budget_pct: 100,
    },
    Profile {
        contacts: 14,
        deals: 18,
        spread_activities: 39,
        recent_activities: 21,
        budget_pct: 50,
    },
    Profile {
        contacts: 10,
        deals: 12,
        spread_activities: 26,
        recent_activities: 14,
        budget_pct: 35,
    },
];

/// A company of the directory with its catalogue entry (for e-mail domains).
pub(crate) type DirectoryEntry = (Company, &'static CompanySpec);

/// Where a seeded deal ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Still in the open stage of this index (among open stages).
    Open(usize),
    /// Won.
    Won,
    /// Lost.
    Lost,
}

struct SeededContact {
    id: Uuid,
    first_name: &'static str,
    full_name: String,
    email: String,
    company: Option<usize>,
    created_at: DateTime<Utc>,
}

struct SeededDeal {
    id: Uuid,
    contact: usize,
    created_at: DateTime<Utc>,
    outcome: Outcome,
}

/// Writes one user's contacts, deals and activities. Owns what it needs, so the users can be
/// seeded in concurrent tasks.
pub(crate) struct UserSeeder {
    pub(crate) services: Services,
    pub(crate) conn: DatabaseConnection,
    pub(crate) clock: Clock,
    pub(crate) me: User,
    pub(crate) colleagues: Vec<User>,
    pub(crate) directory: Arc<[DirectoryEntry]>,
    pub(crate) rng: StdRng,
}

impl UserSeeder {
    fn tenant(&self) -> Tenant {
        Tenant::new(self.me.id)
    }

    /// Writes the contacts, deals and activities of `profile` and reports the counts (the
    /// marketing spend is [`spend`]'s).
    pub(crate) async fn run(mut self, profile: Profile) -> Result<UserSeedReport> {
        let mut report = UserSeedReport {
            email: self.me.email.clone(),
            ..UserSeedReport::default()
        };
        let contacts = self.contacts(profile.contacts).await?;
        report.contacts = contacts.len();
        let deals = self.deals(&contacts, profile.deals, &mut report).await?;
        report.deals = deals.len();
        self.mark_customers(&contacts, &deals).await?;
        report.activities = self
            .activities(
                &contacts,
                &deals,
                profile.spread_activities,
                profile.recent_activities,
            )
            .await?;
        Ok(report)
    }

    // ---- contacts ------------------------------------------------------------------------

    async fn contacts(&mut self, count: usize) -> Result<Vec<SeededContact>> {
        let tenant = self.tenant();
        let mut names = BTreeSet::new();
        let mut seeded = Vec::with_capacity(count);
        for i in 0..count {
            let (first, last) = self.unique_name(&mut names);
            let company = self
                .rng
                .gen_bool(0.85)
                .then(|| self.rng.gen_range(0..self.directory.len()));
            let domain = company.map_or(catalog::PERSONAL_MAIL_DOMAIN, |c| {
                self.directory[c].1.domain
            });
            let (first_slug, last_slug) = (catalog::ascii_slug(first), catalog::ascii_slug(last));
            let email = format!("{first_slug}.{last_slug}@{domain}");
            let phone = format!(
                "+1 555 {:03} {:04}",
                self.rng.gen_range(100..1000),
                self.rng.gen_range(0..10_000)
            );
            let linkedin = self
                .rng
                .gen_bool(0.6)
                .then(|| format!("https://www.linkedin.com/in/{first_slug}-{last_slug}"));
            let notes = self
                .rng
                .gen_bool(0.3)
                .then(|| pick(&mut self.rng, catalog::CONTACT_NOTES));
            // The first contacts cover every source and status; the rest follow the weights.
            let source = match LeadSource::ALL.get(i) {
                Some(source) => *source,
                None => weighted(&mut self.rng, LEAD_SOURCE_WEIGHTS),
            };
            let status = match LeadStatus::ALL.get(i) {
                Some(status) => *status,
                None => weighted(&mut self.rng, LEAD_STATUS_WEIGHTS),
            };
            let input = ContactInput {
                first_name: first,
                last_name: last,
                email: Some(&email),
                phone: Some(&phone),
                title: Some(pick(&mut self.rng, catalog::TITLES)),
                lead_source: Some(source.as_str()),
                lead_status: Some(status.as_str()),
                contact_owner_id: None,
                avatar_url: None,
                linkedin_url: linkedin.as_deref(),
                notes,
            };
            let choice = match company {
                Some(c) => CompanyChoice::Existing(self.directory[c].0.id),
                None => CompanyChoice::None,
            };
            let created = self
                .services
                .create_contact(tenant, NewContact::new(&input)?, choice)
                .await?;
            let created_at = self.contact_time(i);
            backdate::contact(&self.conn, tenant, created.contact.id, created_at).await?;
            seeded.push(SeededContact {
                id: created.contact.id,
                first_name: first,
                full_name: format!("{first} {last}"),
                email,
                company,
                created_at,
            });
        }
        Ok(seeded)
    }

    fn unique_name(
        &mut self,
        taken: &mut BTreeSet<(usize, usize)>,
    ) -> (&'static str, &'static str) {
        let (firsts, lasts) = (catalog::FIRST_NAMES, catalog::LAST_NAMES);
        let mut candidate = (
            self.rng.gen_range(0..firsts.len()),
            self.rng.gen_range(0..lasts.len()),
        );
        // Walk on from a random start until a free combination turns up (there are hundreds).
        while taken.contains(&candidate) && taken.len() < firsts.len() * lasts.len() {
            candidate.1 = (candidate.1 + 1) % lasts.len();
            if candidate.1 == 0 {
                candidate.0 = (candidate.0 + 1) % firsts.len();
            }
        }
        taken.insert(candidate);
        (firsts[candidate.0], lasts[candidate.1])
    }

    /// When contact `i` was created: the first three before the feedback window (so every
    /// month has someone to talk to), the rest over the 13 months, denser recently.
    fn contact_time(&mut self, i: usize) -> DateTime<Utc> {
        let clock = self.clock;
        let day = if i < 3 {
            clock.window_start - Duration::days(3 + 5 * i as i64)
        } else {
            let span = (clock.now - clock.window_start).num_seconds() as f64;
            let age = span * self.rng.r#gen::<f64>().powf(1.3);
            clock.now - Duration::seconds(age as i64)
        };
        self.day_time(day)
    }

    /// An office-hours time on the day of `t`, never in the future.
    fn day_time(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.clock.day_time(&mut self.rng, t)
    }

    // ---- deals ---------------------------------------------------------------------------

    async fn deals(
        &mut self,
        contacts: &[SeededContact],
        count: usize,
        report: &mut UserSeedReport,
    ) -> Result<Vec<SeededDeal>> {
        let tenant = self.tenant();
        let stages = self.services.repos().stages.list(tenant).await?;
        let open: Vec<&PipelineStage> = stages
            .iter()
            .filter(|s| s.kind == StageKind::Open)
            .collect();
        let won = stages.iter().find(|s| s.kind == StageKind::Won);
        let lost = stages.iter().find(|s| s.kind == StageKind::Lost);
        let (Some(won), Some(lost), false) = (won, lost, open.is_empty()) else {
            return Err(crm_domain::DomainError::Unexpected(
                "a demo user's pipeline lacks open, won or lost stages".to_owned(),
            ));
        };
        let mut outcomes = outcome_mix(count, open.len());
        outcomes.shuffle(&mut self.rng);
        let mut seeded = Vec::with_capacity(count);
        for outcome in outcomes {
            let path = self.path(outcome, &open, won, lost);
            let times = timeline(&self.clock, &mut self.rng, outcome, path.len());
            let created_at = times[0];
            let contact = self.contact_before(contacts, created_at);
            let closed_at =
                matches!(outcome, Outcome::Won | Outcome::Lost).then(|| times[times.len() - 1]);
            let input = self.deal_input(&contacts[contact], outcome, path[0], closed_at);
            report.collaborators += input.collaborator_ids.len();
            let deal = self.services.create_deal(tenant, input).await?;
            let txn = self.conn.begin().await.map_err(map_db_err)?;
            backdate::deal_created(&txn, tenant, deal.id, created_at).await?;
            txn.commit().await.map_err(map_db_err)?;
            report.stage_changes += 1;
            let mut dated = Vec::new();
            for (stage, at) in path.iter().zip(&times).skip(1) {
                self.services
                    .update_deal(
                        tenant,
                        deal.id,
                        DealPatch::default(),
                        Some(StageRef::Id(stage.id)),
                        None,
                    )
                    .await?;
                let txn = self.conn.begin().await.map_err(map_db_err)?;
                backdate::deal_moved(&txn, tenant, deal.id, stage.id, *at, &mut dated).await?;
                txn.commit().await.map_err(map_db_err)?;
                report.stage_changes += 1;
            }
            report.stage_change_activities += dated.len();
            seeded.push(SeededDeal {
                id: deal.id,
                contact,
                created_at,
                outcome,
            });
        }
        Ok(seeded)
    }

    /// The stages a deal passes through: it starts in the first (sometimes the second) open
    /// stage, walks forward (now and then skipping one) and ends in its outcome.
    fn path<'s>(
        &mut self,
        outcome: Outcome,
        open: &[&'s PipelineStage],
        won: &'s PipelineStage,
        lost: &'s PipelineStage,
    ) -> Vec<&'s PipelineStage> {
        let n = open.len();
        let last_open = match outcome {
            Outcome::Open(k) => k.min(n - 1),
            Outcome::Won if n >= 2 && self.rng.gen_bool(0.15) => n - 2,
            Outcome::Won => n - 1,
            Outcome::Lost => self.rng.gen_range(0..n),
        };
        let start = usize::from(last_open >= 1 && self.rng.gen_bool(0.2));
        let mut path = vec![open[start]];
        for (k, stage) in open.iter().enumerate().take(last_open + 1).skip(start + 1) {
            if k < last_open && self.rng.gen_bool(0.15) {
                continue;
            }
            path.push(*stage);
        }
        match outcome {
            Outcome::Won => path.push(won),
            Outcome::Lost => path.push(lost),
            Outcome::Open(_) => {}
        }
        path
    }

    /// A contact that already existed at `at` (the oldest one if none did).
    fn contact_before(&mut self, contacts: &[SeededContact], at: DateTime<Utc>) -> usize {
        let known: Vec<usize> = (0..contacts.len())
            .filter(|&i| contacts[i].created_at <= at)
            .collect();
        match known.choose(&mut self.rng) {
            Some(i) => *i,
            None => (0..contacts.len())
                .min_by_key(|&i| contacts[i].created_at)
                .unwrap_or(0),
        }
    }

    fn deal_input(
        &mut self,
        contact: &SeededContact,
        outcome: Outcome,
        first: &PipelineStage,
        closed_at: Option<DateTime<Utc>>,
    ) -> DealInput {
        let directory = Arc::clone(&self.directory);
        let company = match contact.company {
            Some(c) => Some(c),
            None if self.rng.gen_bool(0.4) => Some(self.rng.gen_range(0..directory.len())),
            None => None,
        }
        .map(|c| &directory[c].0);
        let offer = pick(&mut self.rng, catalog::OFFERS);
        let name = match company {
            Some(company) => format!("{} – {offer}", company.name),
            None => format!("{} – {offer}", contact.full_name),
        };
        // $2,000 to $150,000 in hundreds, more small deals than large ones.
        let hundreds = (20.0 * 75f64.powf(self.rng.r#gen::<f64>())).round() as i64;
        let amount = Money::from_cents(hundreds * 10_000).ok();
        let progress = match outcome {
            Outcome::Open(k) => 5 + 20 * k as i64 + self.rng.gen_range(0..15),
            Outcome::Won => 100,
            Outcome::Lost => self.rng.gen_range(10..60),
        };
        let close_date = match closed_at {
            Some(at) => at.date_naive(),
            None => (self.clock.now + Duration::days(self.rng.gen_range(10..120))).date_naive(),
        };
        let collaborators = match self.rng.gen_range(0..20) {
            0..=9 => 0,
            10..=16 => 1,
            _ => 2,
        };
        let collaborator_ids = self
            .colleagues
            .choose_multiple(&mut self.rng, collaborators)
            .map(|u| u.id)
            .collect();
        DealInput {
            name,
            description: self
                .rng
                .gen_bool(0.4)
                .then(|| pick(&mut self.rng, catalog::DEAL_DESCRIPTIONS).to_owned()),
            stage: Some(StageRef::Id(first.id)),
            amount,
            priority: Some(weighted(&mut self.rng, PRIORITY_WEIGHTS)),
            progress: Some(progress.min(100)),
            close_date: Some(close_date),
            owner_id: None,
            contact_id: Some(contact.id),
            company_id: company.map(|c| c.id),
            collaborator_ids,
        }
    }

    /// Contacts with a won deal became customers.
    async fn mark_customers(&self, contacts: &[SeededContact], deals: &[SeededDeal]) -> Result<()> {
        let customers: BTreeSet<usize> = deals
            .iter()
            .filter(|d| d.outcome == Outcome::Won)
            .map(|d| d.contact)
            .collect();
        for i in customers {
            let patch = ContactPatch {
                lead_status: Some(Some(LeadStatus::Converted)),
                ..ContactPatch::default()
            };
            self.services
                .update_contact(self.tenant(), contacts[i].id, patch)
                .await?;
        }
        Ok(())
    }

    // ---- activities ----------------------------------------------------------------------

    async fn activities(
        &mut self,
        contacts: &[SeededContact],
        deals: &[SeededDeal],
        spread: usize,
        recent: usize,
    ) -> Result<usize> {
        let tenant = self.tenant();
        let kinds = [
            ActivityType::Call,
            ActivityType::Email,
            ActivityType::Meeting,
            ActivityType::Note,
            ActivityType::Task,
        ];
        for i in 0..spread + recent {
            let kind = match kinds.get(i) {
                Some(kind) => *kind,
                None => weighted(&mut self.rng, ACTIVITY_WEIGHTS),
            };
            let (from, to) = if i < spread {
                self.clock.month((i % 13) as u32)
            } else {
                (self.clock.days_ago(30), self.clock.now)
            };
            let mut at = self.clock.office_time(&mut self.rng, from, to);
            let c = self.contact_before(contacts, at);
            let contact = &contacts[c];
            if contact.created_at > at {
                at = between(&mut self.rng, contact.created_at, self.clock.now);
            }
            let their_deals: Vec<&SeededDeal> = deals
                .iter()
                .filter(|d| d.contact == c && d.created_at <= at)
                .collect();
            let deal = match their_deals.choose(&mut self.rng) {
                Some(deal) if self.rng.gen_bool(0.65) => Some(deal.id),
                _ => None,
            };
            let (subject, description, metadata) = self.activity_content(kind, contact, at);
            let input = ActivityInput {
                kind: kind.as_str().to_owned(),
                contact_id: Some(contact.id),
                deal_id: deal,
                subject: Some(subject),
                description,
                metadata,
            };
            let mut activity = NewActivity::new(input)?;
            activity.created_at = Some(at);
            self.services
                .repos()
                .activities
                .create(tenant, activity)
                .await?;
        }
        Ok(spread + recent)
    }

    /// Subject, body and metadata of an activity of `kind` with `contact` at `at`.
    fn activity_content(
        &mut self,
        kind: ActivityType,
        contact: &SeededContact,
        at: DateTime<Utc>,
    ) -> (String, Option<String>, Value) {
        // Customers grow happier over the year: the share of positive replies rises.
        let elapsed = (at - self.clock.window_start).num_seconds() as f64;
        let span = (self.clock.now - self.clock.window_start)
            .num_seconds()
            .max(1) as f64;
        let trend = (elapsed / span).clamp(0.0, 1.0);
        let sentiment = self.sentiment(trend);
        let who = contact.first_name;
        match kind {
            ActivityType::Call => {
                let direction = if self.rng.gen_bool(0.3) {
                    "inbound"
                } else {
                    "outbound"
                };
                let mut meta = json!({
                    "direction": direction,
                    "duration_seconds": self.rng.gen_range(60..2_700),
                    "outcome": pick(&mut self.rng, catalog::CALL_OUTCOMES),
                    "sentiment": sentiment,
                });
                if self.rng.gen_bool(0.25) {
                    meta["transcript"] = json!(pick(&mut self.rng, catalog::CALL_TRANSCRIPTS));
                }
                let subject = pick(&mut self.rng, catalog::CALL_SUBJECTS);
                (format!("{subject} with {who}"), None, meta)
            }
            ActivityType::Email => {
                let mine = self.me.email.clone();
                let (from, to) = if self.rng.gen_bool(0.7) {
                    (mine, contact.email.clone())
                } else {
                    (contact.email.clone(), mine)
                };
                let cc: Vec<String> = match self.colleagues.choose(&mut self.rng) {
                    Some(colleague) if self.rng.gen_bool(0.25) => vec![colleague.email.clone()],
                    _ => Vec::new(),
                };
                let attachments: Vec<Value> = if self.rng.gen_bool(0.3) {
                    vec![json!({
                        "name": pick(&mut self.rng, catalog::ATTACHMENTS),
                        "size_bytes": self.rng.gen_range(20_000..3_000_000),
                    })]
                } else {
                    Vec::new()
                };
                let mut meta = json!({
                    "from": from,
                    "to": [to],
                    "cc": cc,
                    "attachments": attachments,
                });
                // An e-mail nobody answered has no tone.
                if self.rng.gen_bool(0.9) {
                    meta["sentiment"] = json!(sentiment);
                }
                let subject = pick(&mut self.rng, catalog::EMAIL_SUBJECTS).to_owned();
                (subject, None, meta)
            }
            ActivityType::Meeting => {
                let minutes = *[30, 45, 60, 90].choose(&mut self.rng).unwrap_or(&60);
                let mut attendees = vec![contact.full_name.clone(), self.me.display_name.clone()];
                if let Some(colleague) = self.colleagues.choose(&mut self.rng)
                    && self.rng.gen_bool(0.3)
                {
                    attendees.push(colleague.display_name.clone());
                }
                let meta = json!({
                    "starts_at": at.to_rfc3339(),
                    "ends_at": (at + Duration::minutes(minutes)).to_rfc3339(),
                    "location": pick(&mut self.rng, catalog::MEETING_LOCATIONS),
                    "attendees": attendees,
                    "sentiment": sentiment,
                });
                let subject = pick(&mut self.rng, catalog::MEETING_SUBJECTS);
                (format!("{subject} with {who}"), None, meta)
            }
            ActivityType::Note => {
                let title = pick(&mut self.rng, catalog::NOTE_TITLES);
                let body = pick(&mut self.rng, catalog::NOTE_BODIES);
                (
                    format!("Note about {who}"),
                    Some(body.to_owned()),
                    json!({ "title": title }),
                )
            }
            ActivityType::Task | ActivityType::StageChange => {
                let due = at + Duration::days(self.rng.gen_range(1..15));
                let done = if due < self.clock.now {
                    self.rng.gen_bool(0.85)
                } else {
                    self.rng.gen_bool(0.2)
                };
                let completed = done.then(|| {
                    let until = due.min(self.clock.now);
                    between(&mut self.rng, at, until).to_rfc3339()
                });
                let meta = json!({
                    "due_at": due.to_rfc3339(),
                    "completed_at": completed,
                    "priority": weighted(&mut self.rng, PRIORITY_WEIGHTS),
                });
                let subject = pick(&mut self.rng, catalog::TASK_SUBJECTS).to_owned();
                (subject, None, meta)
            }
        }
    }

    fn sentiment(&mut self, trend: f64) -> &'static str {
        let positive = 0.40 + 0.25 * trend;
        let negative = 0.28 - 0.13 * trend;
        let roll: f64 = self.rng.r#gen();
        if roll < positive {
            "positive"
        } else if roll < positive + negative {
            "negative"
        } else {
            "neutral"
        }
    }
}

/// Thirty days of budget and spend of one lead source, ending today; returns the rows written.
pub(crate) async fn spend(
    services: Services,
    tenant: Tenant,
    clock: Clock,
    source: LeadSource,
    budget_pct: i64,
    mut rng: StdRng,
) -> Result<usize> {
    let today = clock.now.date_naive();
    let mut rows = 0;
    for back in (0..30).rev() {
        let day = today - Duration::days(back);
        let weekday_pct = match day.weekday() {
            Weekday::Sat | Weekday::Sun => 40,
            _ => 100,
        };
        let dollars = catalog::daily_budget(source) * budget_pct * weekday_pct / 100 / 100;
        let allotted = dollars * rng.gen_range(85..=115);
        let used = allotted * rng.gen_range(55..=105) / 100;
        let spend = NewMarketingSpend {
            spent_on: day,
            lead_source: source,
            allotted: Money::from_cents(allotted)?,
            used: Money::from_cents(used)?,
        };
        services.repos().spend.upsert(tenant, spend).await?;
        rows += 1;
    }
    Ok(rows)
}

/// The least time a seeded deal has spent in its current stage: the deal page shows a
/// positive number of days in stage, never a move made a moment ago.
const MIN_DAYS_IN_STAGE: i64 = 2;

/// The least time between two moves of a seeded deal.
const MIN_DAYS_BETWEEN_MOVES: i64 = 1;

/// Creation time and the time of each move of a deal through `stages` stages, increasing and
/// at least [`MIN_DAYS_BETWEEN_MOVES`] apart, the last (the entry into its current stage) at
/// least [`MIN_DAYS_IN_STAGE`] before now. Closed deals start up to nine months ago, open ones
/// more recently the earlier their stage; moves come 2 to 20 days apart, squeezed
/// proportionally when the time left is shorter.
fn timeline(
    clock: &Clock,
    rng: &mut StdRng,
    outcome: Outcome,
    stages: usize,
) -> Vec<DateTime<Utc>> {
    let moves = stages.saturating_sub(1) as i64;
    let min_gap = MIN_DAYS_BETWEEN_MOVES * 86_400;
    // The youngest deals start MIN_DAYS_IN_STAGE + 1 calendar days back, so any office
    // time of that day is at least MIN_DAYS_IN_STAGE before now; a start that leaves the
    // moves too little room even so is moved back.
    let (min_days, max_days) = match outcome {
        Outcome::Open(k) => (1 + MIN_DAYS_IN_STAGE + 4 * k as i64, 100 + 40 * k as i64),
        Outcome::Won | Outcome::Lost => (20, 270),
    };
    let age = rng.gen_range(min_days..=max_days);
    let latest = clock.now - Duration::days(MIN_DAYS_IN_STAGE);
    let start = clock
        .day_time(rng, clock.days_ago(age))
        .min(latest - Duration::seconds(min_gap * moves));
    let mut gaps: Vec<i64> = (0..moves)
        .map(|_| rng.gen_range(2 * 86_400..20 * 86_400))
        .collect();
    let total: i64 = gaps.iter().sum();
    let room = (latest - start).num_seconds();
    if total > room {
        // Squeeze the moves into the time left, keeping their proportions above the
        // minimum gap (every gap is longer than it, and the room holds that many).
        let spare = i128::from(room - min_gap * moves);
        let over = i128::from(total - min_gap * moves).max(1);
        for gap in &mut gaps {
            *gap = min_gap + (i128::from(*gap - min_gap) * spare / over) as i64;
        }
    }
    let mut times = vec![start];
    let mut at = start;
    for gap in gaps {
        at += Duration::seconds(gap);
        times.push(at);
    }
    times
}

/// How many deals end in each stage: every open stage about 13 %, lost 20 %, won the rest
/// (about 28 %), each at least one.
fn outcome_mix(count: usize, open_stages: usize) -> Vec<Outcome> {
    let per_open = (count * 13 / 100).max(1);
    let lost = (count * 20 / 100).max(1);
    let won = count.saturating_sub(per_open * open_stages + lost).max(1);
    let mut outcomes = Vec::with_capacity(count);
    for k in 0..open_stages {
        outcomes.extend(std::iter::repeat_n(Outcome::Open(k), per_open));
    }
    outcomes.extend(std::iter::repeat_n(Outcome::Lost, lost));
    outcomes.extend(std::iter::repeat_n(Outcome::Won, won));
    outcomes
}

const LEAD_SOURCE_WEIGHTS: &[(LeadSource, u32)] = &[
    (LeadSource::OrganicSearch, 18),
    (LeadSource::PaidAds, 16),
    (LeadSource::SocialMedia, 12),
    (LeadSource::Referral, 14),
    (LeadSource::EmailCampaign, 10),
    (LeadSource::Webinar, 7),
    (LeadSource::Partner, 6),
    (LeadSource::Event, 7),
    (LeadSource::ColdCall, 6),
    (LeadSource::Other, 4),
];

const LEAD_STATUS_WEIGHTS: &[(LeadStatus, u32)] = &[
    (LeadStatus::New, 15),
    (LeadStatus::Contacted, 18),
    (LeadStatus::Qualified, 15),
    (LeadStatus::Interested, 14),
    (LeadStatus::Converted, 6),
    (LeadStatus::Closed, 6),
    (LeadStatus::Lost, 8),
    (LeadStatus::Nurturing, 16),
];

const PRIORITY_WEIGHTS: &[(Priority, u32)] = &[
    (Priority::Low, 25),
    (Priority::Medium, 40),
    (Priority::High, 25),
    (Priority::Urgent, 10),
];

const ACTIVITY_WEIGHTS: &[(ActivityType, u32)] = &[
    (ActivityType::Call, 26),
    (ActivityType::Email, 30),
    (ActivityType::Meeting, 16),
    (ActivityType::Note, 13),
    (ActivityType::Task, 15),
];

/// One of `options`, by weight.
fn weighted<T: Copy>(rng: &mut StdRng, options: &[(T, u32)]) -> T {
    let total: u32 = options.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (value, weight) in options {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    options[0].0
}

/// One of `options`, uniformly (`""` for an empty list).
fn pick(rng: &mut StdRng, options: &[&'static str]) -> &'static str {
    options.choose(rng).copied().unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn timelines_leave_every_deal_some_days_in_its_stage() {
        // Times of day around the office hours the times are drawn from.
        for (hour, minute) in [(0, 30), (8, 0), (12, 0), (17, 59), (23, 59)] {
            let now = Utc.with_ymd_and_hms(2026, 3, 15, hour, minute, 0).unwrap();
            let clock = Clock::at(now);
            let mut rng = StdRng::seed_from_u64(u64::from(hour * 60 + minute));
            for i in 0..2_000 {
                let outcome = match i % 6 {
                    k @ 0..=3 => Outcome::Open(k),
                    4 => Outcome::Won,
                    _ => Outcome::Lost,
                };
                let stages = match outcome {
                    Outcome::Open(k) => 1 + rng.gen_range(0..=k),
                    _ => rng.gen_range(2..=6),
                };
                let times = timeline(&clock, &mut rng, outcome, stages);
                assert_eq!(times.len(), stages);
                let entered = *times.last().unwrap();
                let days_in_stage = (now - entered).num_days();
                assert!(
                    days_in_stage >= MIN_DAYS_IN_STAGE,
                    "{outcome:?} entered {entered}, {days_in_stage} days before {now}"
                );
                assert!(times[0] > now - Duration::days(280), "{times:?}");
                for pair in times.windows(2) {
                    assert!(
                        pair[1] - pair[0] >= Duration::days(MIN_DAYS_BETWEEN_MOVES),
                        "{times:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_mix_covers_every_stage_and_adds_up() {
        for count in [5, 12, 18, 54, 100] {
            let mix = outcome_mix(count, 4);
            assert_eq!(mix.len(), count.max(6), "{count}");
            for k in 0..4 {
                assert!(mix.contains(&Outcome::Open(k)));
            }
            assert!(mix.contains(&Outcome::Won));
            assert!(mix.contains(&Outcome::Lost));
        }
    }
}

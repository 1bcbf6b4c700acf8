//! The fixed vocabulary of the demo: companies, names, titles and the phrases activities are
//! written with. Only the choice among them is random (and seeded).

use crm_domain::LeadSource;

/// A company of the shared directory: name, industry, web domain.
pub(crate) struct CompanySpec {
    pub(crate) name: &'static str,
    pub(crate) industry: &'static str,
    pub(crate) domain: &'static str,
}

/// The shared directory every demo user picks from.
pub(crate) const COMPANIES: &[CompanySpec] = &[
    CompanySpec {
        name: "Acme Robotics",
        industry: "Manufacturing",
        domain: "acme-robotics.example",
    },
    CompanySpec {
        name: "Globex Logistics",
        industry: "Logistics",
        domain: "globex.example",
    },
    CompanySpec {
        name: "Initech Software",
        industry: "Software",
        domain: "initech.example",
    },
    CompanySpec {
        name: "Umbrella Health",
        industry: "Healthcare",
        domain: "umbrella-health.example",
    },
    CompanySpec {
        name: "Stark Energy",
        industry: "Energy",
        domain: "stark-energy.example",
    },
    CompanySpec {
        name: "Wayne Financial",
        industry: "Financial services",
        domain: "wayne-financial.example",
    },
    CompanySpec {
        name: "Hooli Cloud",
        industry: "Technology",
        domain: "hooli.example",
    },
    CompanySpec {
        name: "Soylent Foods",
        industry: "Food & beverage",
        domain: "soylent-foods.example",
    },
    CompanySpec {
        name: "Vandelay Imports",
        industry: "Retail",
        domain: "vandelay.example",
    },
    CompanySpec {
        name: "Pied Piper Data",
        industry: "Software",
        domain: "piedpiper.example",
    },
    CompanySpec {
        name: "Wonka Confectionery",
        industry: "Consumer goods",
        domain: "wonka.example",
    },
    CompanySpec {
        name: "Tyrell Biotech",
        industry: "Biotechnology",
        domain: "tyrell-bio.example",
    },
];

/// Domain of contacts without a company.
pub(crate) const PERSONAL_MAIL_DOMAIN: &str = "mail.example";

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas",
    "Mia", "Mateo", "Harper", "Levi", "Evelyn", "Ethan", "Aria", "James", "Luna", "Henry", "Zoe",
    "Kenji", "Priya", "Omar", "Ingrid", "Tomas", "Fatima", "Marco", "Yuki", "Nadia",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Garcia",
    "Smith",
    "Nguyen",
    "Kowalski",
    "Johnson",
    "Okafor",
    "Rossi",
    "Müller",
    "Brown",
    "Silva",
    "Tanaka",
    "Patel",
    "Andersson",
    "Dubois",
    "Kim",
    "Novak",
    "Haddad",
    "Fischer",
    "Lopez",
    "Walsh",
    "Ivanova",
    "Moreau",
    "Chen",
    "Jensen",
    "Costa",
    "Schmidt",
    "Reyes",
    "Byrne",
];

pub(crate) const TITLES: &[&str] = &[
    "Head of Operations",
    "CTO",
    "VP Sales",
    "Procurement Manager",
    "Marketing Director",
    "IT Manager",
    "CFO",
    "Product Owner",
    "Founder & CEO",
    "Engineering Lead",
    "Purchasing Specialist",
];

/// Deal names are "<company or contact> – <offer>".
pub(crate) const OFFERS: &[&str] = &[
    "Annual licence",
    "Pilot project",
    "Enterprise upgrade",
    "Support renewal",
    "Data migration",
    "Onboarding package",
    "Analytics add-on",
    "Multi-site rollout",
    "Security review",
    "Training programme",
];

pub(crate) const DEAL_DESCRIPTIONS: &[&str] = &[
    "Budget confirmed for this fiscal year; decision by committee.",
    "Replacing a legacy tool; integration with their ERP is the main risk.",
    "Champion in the team, economic buyer not met yet.",
    "Competing against two vendors; price is the deciding factor.",
    "Expansion of an existing account to two more sites.",
];

pub(crate) const CONTACT_NOTES: &[&str] = &[
    "Met at the spring trade fair.",
    "Prefers e-mail over calls.",
    "Decision maker for the EMEA region.",
    "Asked for a case study in their industry.",
    "Reachable mornings only.",
];

pub(crate) const CALL_SUBJECTS: &[&str] = &[
    "Discovery call",
    "Pricing discussion",
    "Follow-up call",
    "Check-in call",
    "Technical questions",
    "Renewal call",
];

pub(crate) const CALL_OUTCOMES: &[&str] = &[
    "Booked a demo",
    "Left a voicemail",
    "Discussed pricing",
    "Follow-up scheduled",
    "Not a priority this quarter",
    "Sent over to their IT team",
];

pub(crate) const CALL_TRANSCRIPTS: &[&str] = &[
    "They are evaluating three vendors and want a proposal by the end of the month.",
    "Main concern is the migration effort; offered a free data import.",
    "Happy with the trial so far, wants to loop in finance.",
];

pub(crate) const EMAIL_SUBJECTS: &[&str] = &[
    "Proposal attached",
    "Re: pricing question",
    "Next steps",
    "Meeting recap",
    "Contract draft",
    "Quick question about the rollout",
    "Introduction",
];

pub(crate) const ATTACHMENTS: &[&str] = &[
    "proposal.pdf",
    "pricing-2025.xlsx",
    "case-study.pdf",
    "contract-draft.docx",
    "security-whitepaper.pdf",
];

pub(crate) const MEETING_SUBJECTS: &[&str] = &[
    "Product demo",
    "Quarterly business review",
    "Kick-off meeting",
    "Requirements workshop",
    "Negotiation meeting",
];

pub(crate) const MEETING_LOCATIONS: &[&str] = &[
    "Zoom",
    "Google Meet",
    "Client office",
    "Our office",
    "Microsoft Teams",
];

pub(crate) const NOTE_TITLES: &[&str] = &[
    "Org chart",
    "Budget",
    "Competitors",
    "Decision process",
    "Personal notes",
];

pub(crate) const NOTE_BODIES: &[&str] = &[
    "Three people sign off: IT, finance and the COO.",
    "Budget is approved but frozen until the board meeting.",
    "Currently using a spreadsheet plus a legacy CRM.",
    "Wants monthly billing instead of annual.",
    "Mentioned a possible expansion to the US office next year.",
];

pub(crate) const TASK_SUBJECTS: &[&str] = &[
    "Send the proposal",
    "Prepare the demo environment",
    "Follow up on the contract",
    "Update the quote",
    "Schedule a call with their CFO",
    "Share the case study",
];

/// Average daily budget in dollars per lead source, before a user's scale and the weekday.
pub(crate) fn daily_budget(source: LeadSource) -> i64 {
    match source {
        LeadSource::PaidAds => 420,
        LeadSource::SocialMedia => 260,
        LeadSource::Event => 310,
        LeadSource::Webinar => 150,
        LeadSource::EmailCampaign => 120,
        LeadSource::Partner => 110,
        LeadSource::ColdCall => 90,
        LeadSource::OrganicSearch => 70,
        LeadSource::Referral => 40,
        LeadSource::Other => 30,
    }
}

/// ASCII form of a name for e-mail addresses and URLs.
pub(crate) fn ascii_slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'ü' => Some('u'),
            'é' => Some('e'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

//! The OpenAPI 3.1 document. [`ApiDoc`] holds only what no route can say (title, the bearer
//! scheme); the paths and their schemas are collected by `utoipa-actix-web` from the routes
//! as [`crate::routes`] registers them, so a route cannot be served without being documented.
//! The docs page is Swagger UI with its assets embedded in the binary.

use std::sync::OnceLock;

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::schema::{OneOfBuilder, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, PathItem, RefOr, Schema};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "CRM API", description = "Contacts, deals, pipeline stages, activities and marketing spend. Errors are `{\"error\": {code, message, details}}`."),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document as the application serves it: [`ApiDoc`] plus every route [`crate::routes`]
/// registers, with [`with_links`].
pub fn document() -> utoipa::openapi::OpenApi {
    with_links(
        actix_web::App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(crate::routes)
            .split_for_parts()
            .1,
    )
}

/// The document as JSON, as served at `/api/openapi.json`. utoipa 5 writes the fields of a
/// link in snake case (`operation_id`); OpenAPI spells them `operationId`, `operationRef` and
/// `requestBody`, so they are renamed here. Every operation under `/api` also gets its `503`
/// here (see [`add_unavailable`]).
pub fn to_json(document: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut json = serde_json::to_value(document).unwrap_or_default();
    add_unavailable(&mut json);
    let links = json
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses"))
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links"))
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|links| links.values_mut())
        .filter_map(serde_json::Value::as_object_mut);
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(value) = link.remove(from) {
                link.insert(to.to_owned(), value);
            }
        }
    }
    json
}

/// Documents the `503` of every operation under `/api/`: each of them reads or writes the
/// database, and a lost database (or a statement over the timeout) answers 503 with the
/// error body (`error::is_unavailable`). One pass over the document instead of a response
/// line on every route.
fn add_unavailable(json: &mut serde_json::Value) {
    let operations = json
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.iter_mut())
        .filter(|(path, _)| path.starts_with("/api/"))
        .filter_map(|(_, item)| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses"))
        .filter_map(serde_json::Value::as_object_mut);
    for responses in operations {
        responses
            .entry("503")
            .or_insert_with(|| {
                serde_json::json!({
                    "description": "The database is unavailable or too slow; retry later",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
                })
            });
    }
}

/// Which operation of a path a link starts from.
#[derive(Clone, Copy)]
enum Source {
    Post,
    Patch,
}

/// The links [`with_links`] adds: (path, source operation, its statuses, link name, target
/// operation, parameters).
type LinkSpec = (
    &'static str,
    Source,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const LINKS: &[LinkSpec] = &[
    // The collaborator just added is the one to remove.
    (
        "/api/crm/deals/{id}/collaborators",
        Source::Post,
        &["200", "201"],
        "RemoveCollaborator",
        "remove_collaborator",
        &[
            ("id", "$request.path.id"),
            ("user_id", "$request.body#/user_id"),
        ],
    ),
    // A new deal's first collaborator (when it was created with `collaborator_ids`) is one to
    // remove. Both parameters must be stated: a client guessing links by name takes the deal's
    // id for the user's, and Schemathesis adds its guess beside any link that leaves
    // `user_id` out. Without collaborators the pointer resolves to nothing and a fuzzer makes
    // up the user.
    (
        "/api/crm/deals",
        Source::Post,
        &["201"],
        "RemoveCollaboratorOfNewDeal",
        "remove_collaborator",
        &[
            ("id", "$response.body#/id"),
            ("user_id", "$response.body#/collaborators/0/id"),
        ],
    ),
    // The same for an edited deal, which answers the deal too.
    (
        "/api/crm/deals/{id}",
        Source::Patch,
        &["200"],
        "RemoveCollaboratorOfEditedDeal",
        "remove_collaborator",
        &[
            ("id", "$response.body#/id"),
            ("user_id", "$response.body#/collaborators/0/id"),
        ],
    ),
];

/// Adds the OpenAPI links no route attribute can say: which answer feeds which request, so
/// a client or a stateful fuzzer can chain them (see [`LINKS`]).
pub fn with_links(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for (path, source, statuses, name, target, parameters) in LINKS {
        let mut link = LinkBuilder::new().operation_id(*target);
        for (parameter, expression) in *parameters {
            link = link.parameter(*parameter, *expression);
        }
        let link = link.build();
        let source = document
            .paths
            .paths
            .get_mut(*path)
            .and_then(|item| match source {
                Source::Post => item.post.as_mut(),
                Source::Patch => item.patch.as_mut(),
            });
        let Some(operation) = source else { continue };
        for status in *statuses {
            if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status) {
                response
                    .links
                    .insert((*name).to_owned(), RefOr::T(link.clone()));
            }
        }
    }
    document
}

/// The methods the documented path matching `path` serves (`GET`, `POST`, …), empty when no
/// documented path matches. A literal segment beats a `{parameter}`, so
/// `/api/crm/contacts/export.csv` is not taken for `/api/crm/contacts/{id}`.
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    static ROUTES: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        document()
            .paths
            .paths
            .iter()
            .map(|(template, item)| (segments(template), methods(item)))
            .collect()
    });
    let wanted = segments(path);
    routes
        .iter()
        .filter_map(|(template, methods)| {
            template_params(template, &wanted).map(|params| (params, methods))
        })
        .min_by_key(|(params, _)| *params)
        .map(|(_, methods)| methods.clone())
        .unwrap_or_default()
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// How many `{parameter}` segments of `template` `path` fills, or `None` when it does not
/// match.
fn template_params(template: &[String], path: &[String]) -> Option<usize> {
    if template.len() != path.len() {
        return None;
    }
    let mut params = 0;
    for (expected, actual) in template.iter().zip(path) {
        if expected.starts_with('{') && expected.ends_with('}') {
            if actual.is_empty() {
                return None;
            }
            params += 1;
        } else if expected != actual {
            return None;
        }
    }
    Some(params)
}

fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, served)| served.then_some(name))
    .collect()
}

// ---- shared field schemas ------------------------------------------------------------------
//
// What the handlers enforce, said in the document, so a client (and a property-based fuzzer)
// can tell a valid request from an invalid one without trying it. The patterns are written for
// both ECMA-262 and Python `re`: `WS` is exactly Rust's `char::is_whitespace`, which `trim`
// uses, and every text refuses NUL (PostgreSQL cannot store it).

/// Rust's white space, as a character-class body.
const WS: &str =
    "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// Largest JSON-number amount: 13 digits before the point, 2 after.
pub const AMOUNT_MAX: f64 = 9_999_999_999_999.99;

fn string_type(nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    }
}

/// A text of at most `max` characters without NUL; `required` texts also need a character
/// that is not white space (they are trimmed and must not end up empty).
fn text(max: usize, required: bool, nullable: bool, description: &str) -> Schema {
    let pattern = if required {
        format!("^[^\\u0000]*[^\\u0000{WS}][^\\u0000]*$")
    } else {
        "^[^\\u0000]*$".to_owned()
    };
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .min_length(required.then_some(1))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(description))
        .into()
}

/// An optional `http://` or `https://` URL (blank clears it).
fn url(nullable: bool) -> Schema {
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .max_length(Some(2048))
        .pattern(Some(format!("^[{WS}]*(https?://[^\\u0000\\[\\]]*)?$")))
        .description(Some(
            "An http:// or https:// URL, at most 2048 characters; blank clears it.",
        ))
        .into()
}

/// An e-mail address as the server checks it: `local@domain`, the domain with an inner dot,
/// no white space; an optional one may be blank.
fn email(required: bool, nullable: bool) -> Schema {
    let not = format!("@\\u0000{WS}");
    let address = format!("[^{not}]+@[^{not}.]([^{not}]*\\.[^{not}]*)[^{not}.]");
    let pattern = if required {
        format!("^[{WS}]*{address}[{WS}]*$")
    } else {
        format!("^[{WS}]*({address})?[{WS}]*$")
    };
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .max_length(Some(254))
        .pattern(Some(pattern))
        .description(Some("An e-mail address, at most 254 characters."))
        .into()
}

/// One of `values` (and `""`, meaning none, when `blank` is accepted).
fn one_of(values: &[&str], blank: bool, nullable: bool) -> Schema {
    let mut all: Vec<serde_json::Value> = Vec::new();
    if blank {
        all.push("".into());
    }
    all.extend(values.iter().map(|v| serde_json::Value::from(*v)));
    if nullable {
        all.push(serde_json::Value::Null);
    }
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .enum_values(Some(all))
        .into()
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

/// A whole number in `min..=max`.
fn whole(min: f64, max: f64, nullable: bool) -> Schema {
    let kind = if nullable {
        SchemaType::from_iter([Type::Integer, Type::Null])
    } else {
        SchemaType::Type(Type::Integer)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .minimum(Some(min))
        .maximum(Some(max))
        .into()
}

/// Money: a decimal string with at most 13 digits before the point and 2 after, or a JSON
/// number in the same range (rounded to cents).
fn amount(nullable: bool) -> Schema {
    let text = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some("^[0-9]{1,13}(\\.[0-9]{1,2})?$"))
        .description(Some("A decimal string such as `\"12500.00\"`."));
    let number = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Number))
        .minimum(Some(0.0))
        .maximum(Some(AMOUNT_MAX))
        .description(Some("A JSON number, rounded to cents."));
    let mut choice = OneOfBuilder::new().item(text).item(number);
    if nullable {
        choice = choice.item(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Null)));
    }
    choice.into()
}

/// Schemas of request fields and query parameters, for `#[schema(schema_with = …)]` and
/// `#[param(schema_with = …)]`.
pub mod field {
    use crm_domain::text::{LONG_TEXT_MAX, NAME_MAX};
    use crm_domain::{
        ActivityType, LeadSource, LeadStatus, OnDuplicate, Priority, StageKind, TaskStatus,
    };
    use utoipa::openapi::Schema;

    use super::{amount, email, names, one_of, text, url, whole};

    /// A required name (1 to 200 characters, not blank).
    pub fn name() -> Schema {
        text(NAME_MAX, true, false, "1 to 200 characters, not blank.")
    }
    /// An optional short text (at most 200 characters; blank or `null` clears it).
    pub fn short_text() -> Schema {
        text(
            NAME_MAX,
            false,
            true,
            "At most 200 characters; blank or null clears it.",
        )
    }
    /// An optional long text (at most 10,000 characters; blank or `null` clears it).
    pub fn long_text() -> Schema {
        text(
            LONG_TEXT_MAX,
            false,
            true,
            "At most 10,000 characters; blank or null clears it.",
        )
    }
    /// A phone number (at most 50 characters; blank or `null` clears it).
    pub fn phone() -> Schema {
        text(
            50,
            false,
            true,
            "At most 50 characters; blank or null clears it.",
        )
    }
    /// An optional URL.
    pub fn url_or_null() -> Schema {
        url(true)
    }
    /// An optional e-mail address.
    pub fn email_or_null() -> Schema {
        email(false, true)
    }
    /// A required e-mail address.
    pub fn email_required() -> Schema {
        email(true, false)
    }
    /// A search text (any length, no NUL).
    pub fn search() -> Schema {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[^\\u0000]*$"))
            .description(Some("Case-insensitive search text."))
            .into()
    }
    /// A free text parameter such as a stage name (no NUL).
    pub fn plain() -> Schema {
        search()
    }
    /// What an import does with a row whose e-mail exists (blank: `skip`).
    pub fn on_duplicate() -> Schema {
        one_of(&names(OnDuplicate::ALL, OnDuplicate::as_str), true, false)
    }
    /// A lead source or `null`.
    pub fn lead_source_or_null() -> Schema {
        one_of(&names(LeadSource::ALL, LeadSource::as_str), false, true)
    }
    /// A lead source.
    pub fn lead_source() -> Schema {
        one_of(&names(LeadSource::ALL, LeadSource::as_str), false, false)
    }
    /// A lead status or `null`.
    pub fn lead_status_or_null() -> Schema {
        one_of(&names(LeadStatus::ALL, LeadStatus::as_str), false, true)
    }
    /// A lead-source filter (blank: any).
    pub fn lead_source_filter() -> Schema {
        one_of(&names(LeadSource::ALL, LeadSource::as_str), true, false)
    }
    /// A lead-status filter (blank: any).
    pub fn lead_status_filter() -> Schema {
        one_of(&names(LeadStatus::ALL, LeadStatus::as_str), true, false)
    }
    /// A priority (blank or `null`: the default).
    pub fn priority_or_null() -> Schema {
        one_of(&names(Priority::ALL, Priority::as_str), true, true)
    }
    /// A priority.
    pub fn priority() -> Schema {
        one_of(&names(Priority::ALL, Priority::as_str), false, false)
    }
    /// A priority filter (blank: any).
    pub fn priority_filter() -> Schema {
        one_of(&names(Priority::ALL, Priority::as_str), true, false)
    }
    /// A stage kind (blank or `null`: `open`).
    pub fn stage_kind_or_null() -> Schema {
        let kinds = [StageKind::Open, StageKind::Won, StageKind::Lost];
        one_of(&names(&kinds, StageKind::as_str), true, true)
    }
    /// The type of an activity one may log (`stage_change` is written by moves only).
    pub fn activity_type() -> Schema {
        let loggable: Vec<&str> = names(ActivityType::ALL, ActivityType::as_str)
            .into_iter()
            .filter(|t| *t != ActivityType::StageChange.as_str())
            .collect();
        one_of(&loggable, false, false)
    }
    /// An activity-type filter (blank: any).
    pub fn activity_type_filter() -> Schema {
        one_of(&names(ActivityType::ALL, ActivityType::as_str), true, false)
    }
    /// The contact-list `sort` values.
    pub fn contact_sort() -> Schema {
        let sorts = [
            "created_at",
            "-created_at",
            "name",
            "-name",
            "last_name",
            "-last_name",
        ];
        one_of(&sorts, false, false)
    }
    /// A task-status filter (blank: `open`).
    pub fn task_status_filter() -> Schema {
        one_of(&names(TaskStatus::ALL, TaskStatus::as_str), true, false)
    }
    /// A percentage, 0 to 100.
    pub fn percent() -> Schema {
        whole(0.0, 100.0, false)
    }
    /// A percentage, 0 to 100, or `null`.
    pub fn percent_or_null() -> Schema {
        whole(0.0, 100.0, true)
    }
    /// A position, 0-based.
    pub fn position() -> Schema {
        whole(0.0, f64::from(u32::MAX), false)
    }
    /// A position, 0-based, or `null`.
    pub fn position_or_null() -> Schema {
        whole(0.0, f64::from(u32::MAX), true)
    }
    /// A page size: any value is clamped into the route's range.
    pub fn limit() -> Schema {
        whole(0.0, f64::from(u32::MAX), false)
    }
    /// An amount or `null`.
    pub fn amount_or_null() -> Schema {
        amount(true)
    }
    /// An amount.
    pub fn amount_required() -> Schema {
        amount(false)
    }
    /// A cursor: empty (the first page) or one this server returned as `next_cursor`.
    pub fn cursor() -> Schema {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::Type(
                utoipa::openapi::schema::Type::String,
            ))
            .pattern(Some("^(o[0-9a-z]{1,12})?$"))
            .description(Some("Opaque; the `next_cursor` of the previous page."))
            .into()
    }
}

//! Contacts as CSV: the export (only the caller's contacts, the list filters, RFC 4180
//! quoting, streamed in pages), the import (header aliases, per-line errors, skip or update
//! of duplicates, dry runs, multipart uploads, the 10 MiB limit), the round trip of an
//! exported file, and malformed files (400 with the line, never 500). The 100,000-row
//! benchmark is `#[ignore]`d; see `docs/benchmarks.md`.

use std::time::Instant;

use crm_store::Store;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, User, id};

crm_store::backend_tests!(
    an_export_lists_only_the_callers_contacts_with_their_company_owner_and_lead_fields,
    an_export_applies_the_filters_of_the_contact_list,
    an_export_of_more_contacts_than_one_page_streams_every_one_once,
    an_exported_file_imports_back_with_no_change,
    an_import_maps_aliased_headers_and_reports_bad_lines_keeping_the_good_ones,
    duplicates_are_skipped_by_default_and_updated_on_request_column_by_column,
    a_dry_run_reports_the_counts_and_writes_nothing,
    a_multipart_upload_imports_like_a_csv_body,
    options_sent_as_form_fields_apply_and_a_dry_run_from_either_side_writes_nothing,
    an_import_body_over_1_mib_is_accepted_and_over_10_mib_is_413,
    malformed_files_are_400_naming_the_line,
    an_unknown_import_option_is_400,
);

const IMPORT: &str = "/api/crm/contacts/import";
const EXPORT: &str = "/api/crm/contacts/export.csv";

/// Posts `body` as a `text/csv` import with the query `options`.
async fn import(app: &TestApp, user: &User, options: &str, body: impl Into<reqwest::Body>) -> Resp {
    let request = app
        .raw(Method::POST, &format!("{IMPORT}{options}"))
        .bearer_auth(&user.token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(body);
    app.send(request).await
}

/// The export as records (header first).
async fn export(app: &TestApp, user: &User, query: &str) -> (String, Vec<Vec<String>>) {
    let answer = app.get(&user.token, &format!("{EXPORT}{query}")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    (answer.body.clone(), records(&answer.body))
}

fn records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn counts(report: &Value) -> [u64; 4] {
    ["created", "updated", "skipped", "failed"].map(|k| report[k].as_u64().unwrap())
}

async fn contact_count(app: &TestApp, user: &User) -> usize {
    let page = app
        .get(&user.token, "/api/crm/contacts?limit=200")
        .await
        .expect(200);
    page["data"].as_array().unwrap().len()
}

async fn ann_with_contacts(app: &TestApp) -> User {
    let ann = app.signup("ann@example.com").await;
    app.post(
        &ann.token,
        "/api/crm/contacts",
        json!({
            "first_name": "Zoë", "last_name": "O'Brien, Jr.", "email": "zoe@acme.test",
            "phone": "+44 20 7946 0958", "title": "CTO", "company": {"name": "Acme, Inc."},
            "lead_source": "referral", "lead_status": "qualified",
            "linkedin_url": "https://linkedin.test/zoe",
            "notes": "said \"call me\"\nafter lunch\n=SUM(A1)"
        }),
    )
    .await
    .expect(201);
    app.contact(&ann, "Bob", "Baker").await;
    ann
}

async fn an_export_lists_only_the_callers_contacts_with_their_company_owner_and_lead_fields(
    store: Store,
) {
    let app = TestApp::spawn(store).await;
    let ann = ann_with_contacts(&app).await;
    let ben = app.signup("ben@example.com").await;
    app.contact(&ben, "Ben's", "Secret").await;

    let answer = app.get(&ann.token, EXPORT).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let content_type = answer.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(content_type.contains("charset=utf-8"), "{content_type}");
    let disposition = answer.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(answer.body.contains("\r\n"), "RFC 4180 line ends");
    assert!(
        !answer.body.contains("Secret"),
        "another user's contact exported"
    );

    let rows = records(&answer.body);
    assert_eq!(
        rows[0],
        [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "company",
            "lead_source",
            "lead_status",
            "owner",
            "linkedin_url",
            "avatar_url",
            "notes",
            "created_at"
        ]
    );
    assert_eq!(rows.len(), 3, "header and ann's two contacts: {rows:?}");
    let zoe = &rows[1];
    assert_eq!(zoe[1], "Zoë");
    assert_eq!(zoe[2], "O'Brien, Jr.");
    assert_eq!(zoe[3], "zoe@acme.test");
    assert_eq!(
        zoe[4], "'+44 20 7946 0958",
        "formula-like cells are guarded"
    );
    assert_eq!(zoe[6], "Acme, Inc.");
    assert_eq!(
        (zoe[7].as_str(), zoe[8].as_str()),
        ("referral", "qualified")
    );
    assert_eq!(zoe[9], "ann@example.com");
    assert_eq!(zoe[12], "said \"call me\"\nafter lunch\n=SUM(A1)");
    assert!(
        chrono::DateTime::parse_from_rfc3339(&zoe[13]).is_ok(),
        "{}",
        zoe[13]
    );
    assert_eq!(rows[2][1], "Bob", "oldest first by default");

    let (_, bens) = export(&app, &ben, "").await;
    assert_eq!(bens.len(), 2);
    assert_eq!(bens[1][1], "Ben's");
}

async fn an_export_applies_the_filters_of_the_contact_list(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = ann_with_contacts(&app).await;
    let (_, rows) = export(&app, &ann, "?lead_status=qualified").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1], "Zoë");
    let (_, rows) = export(&app, &ann, "?q=bake").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1], "Bob");
    let (_, rows) = export(&app, &ann, "?sort=-created_at").await;
    assert_eq!(rows[1][1], "Bob");
    let (_, rows) = export(&app, &ann, "?lead_source=webinar").await;
    assert_eq!(rows.len(), 1, "only the header");
    app.get(&ann.token, &format!("{EXPORT}?lead_status=hot"))
        .await
        .expect_bad_query();
    app.get(&ann.token, &format!("{EXPORT}?sort=password"))
        .await
        .expect_bad_query();
}

async fn an_export_of_more_contacts_than_one_page_streams_every_one_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let mut file = String::from("first_name,last_name,email\n");
    for i in 0..2345 {
        file.push_str(&format!("F{i},L{i},p{i}@x.test\n"));
    }
    let report = import(&app, &ann, "", file).await.expect(200);
    assert_eq!(counts(&report), [2345, 0, 0, 0]);
    let (_, rows) = export(&app, &ann, "").await;
    assert_eq!(rows.len(), 2346);
    let mut emails: Vec<&str> = rows[1..].iter().map(|r| r[3].as_str()).collect();
    emails.sort_unstable();
    emails.dedup();
    assert_eq!(emails.len(), 2345);
}

async fn an_exported_file_imports_back_with_no_change(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = ann_with_contacts(&app).await;
    // A contact without e-mail is matched by its id.
    app.contact(&ann, "No", "Mail").await;
    let (first, rows) = export(&app, &ann, "").await;
    assert_eq!(rows.len(), 4);

    for options in ["", "?on_duplicate=update"] {
        let report = import(&app, &ann, options, first.clone()).await.expect(200);
        assert_eq!(counts(&report), [0, 0, 3, 0], "{options}: {report}");
        assert_eq!(report["errors"], json!([]));
        let (again, _) = export(&app, &ann, "").await;
        assert_eq!(again, first, "{options}: the data changed");
    }

    // Into another account the same file creates the contacts, with the same fields.
    let ben = app.signup("ben@example.com").await;
    let report = import(&app, &ben, "", first.clone()).await.expect(200);
    assert_eq!(counts(&report), [3, 0, 0, 0], "{report}");
    let (_, copied) = export(&app, &ben, "").await;
    let fields = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = rows[1..].iter().map(|r| r[1..13].to_vec()).collect();
        out.sort();
        out
    };
    assert_eq!(fields(&copied), fields(&rows));
}

async fn an_import_maps_aliased_headers_and_reports_bad_lines_keeping_the_good_ones(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let file = "\u{feff}First Name, Last Name ,E-mail,Company,Job Title,Lead Source,Status,Favourite colour\r\n\
        Ada,Lovelace,ADA@Example.com,Analytical Engines,Countess,Organic search,new,blue\r\n\
        Bad,Mail,not-an-email,,,,,\r\n\
        ,NoFirst,nofirst@x.test,,,,,\r\n\
        Odd,Source,odd@x.test,,,carrier pigeon,,\r\n\
        Again,Ada,ada@example.com,,,,,\r\n\
        Short,Row\r\n\
        Grace,Hopper,grace@x.test,analytical engines,Rear Admiral,,contacted,\r\n";
    let report = import(&app, &ann, "", file).await.expect(200);
    assert_eq!(counts(&report), [2, 0, 0, 5], "{report}");
    assert_eq!(report["ignored_columns"], json!(["Favourite colour"]));
    let errors: Vec<(u64, Vec<String>)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let fields = e["fields"].as_object().unwrap().keys().cloned().collect();
            (e["line"].as_u64().unwrap(), fields)
        })
        .collect();
    assert_eq!(
        errors,
        [
            (3, vec!["email".to_owned()]),
            (4, vec!["first_name".to_owned()]),
            (5, vec!["lead_source".to_owned()]),
            (6, vec!["email".to_owned()]),
            (7, vec!["row".to_owned()]),
        ]
    );
    assert!(
        report["errors"][3]["fields"]["email"][0]
            .as_str()
            .unwrap()
            .contains("line 2")
    );

    let page = app
        .get(&ann.token, "/api/crm/contacts?sort=name")
        .await
        .expect(200);
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "only the valid rows are written");
    let grace = &data[0];
    let ada = &data[1];
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["title"], "Countess");
    assert_eq!(ada["lead_source"], "organic_search");
    assert_eq!(ada["lead_status"], "new");
    assert_eq!(ada["contact_owner_id"], ann.id.as_str());
    assert_eq!(ada["company"]["name"], "Analytical Engines");
    assert_eq!(
        grace["company_id"], ada["company_id"],
        "one company, got or created by name"
    );
}

async fn duplicates_are_skipped_by_default_and_updated_on_request_column_by_column(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let existing = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "Ada", "last_name": "L", "email": "ada@x.test", "phone": "123"}),
        )
        .await
        .expect(201);
    let file = "first_name,last_name,email,title,owner\nAda,Lovelace,ADA@x.test,Countess,ben@example.com\n";

    let report = import(&app, &ann, "", file).await.expect(200);
    assert_eq!(counts(&report), [0, 0, 1, 0]);
    let report = import(&app, &ann, "?on_duplicate=skip", file)
        .await
        .expect(200);
    assert_eq!(counts(&report), [0, 0, 1, 0]);
    let unchanged = app
        .get(&ann.token, &format!("/api/crm/contacts/{}", id(&existing)))
        .await
        .expect(200);
    assert_eq!(unchanged["last_name"], "L");

    let report = import(&app, &ann, "?on_duplicate=update", file)
        .await
        .expect(200);
    assert_eq!(counts(&report), [0, 1, 0, 0], "{report}");
    let updated = app
        .get(&ann.token, &format!("/api/crm/contacts/{}", id(&existing)))
        .await
        .expect(200);
    assert_eq!(updated["last_name"], "Lovelace");
    assert_eq!(updated["title"], "Countess");
    assert_eq!(updated["contact_owner_id"], ben.id.as_str());
    assert_eq!(updated["phone"], "123", "a column the file lacks stays");
    assert_eq!(updated["created_at"], existing["created_at"]);

    // The same e-mail in another account is no duplicate there.
    let report = import(&app, &ben, "?on_duplicate=update", file)
        .await
        .expect(200);
    assert_eq!(counts(&report), [1, 0, 0, 0]);
    // An unknown owner fails the line only.
    let file = "first_name,last_name,owner\nNo,Owner,nobody@example.com\nMy,Own,\n";
    let report = import(&app, &ann, "", file).await.expect(200);
    assert_eq!(counts(&report), [1, 0, 0, 1], "{report}");
    assert_eq!(report["errors"][0]["line"], 2);
    assert_eq!(report["errors"][0]["fields"]["owner"][0], "no such user");
}

async fn a_dry_run_reports_the_counts_and_writes_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.post(
        &ann.token,
        "/api/crm/contacts",
        json!({"first_name": "Ada", "last_name": "L", "email": "ada@x.test"}),
    )
    .await
    .expect(201);
    let file = "first_name,last_name,email,company\n\
        Ada,Lovelace,ada@x.test,\nNew,One,new@x.test,Dry Run Ltd\nBad,,x@x.test,\n";
    let report = import(&app, &ann, "?dry_run=true&on_duplicate=update", file)
        .await
        .expect(200);
    assert_eq!(report["dry_run"], true);
    assert_eq!(counts(&report), [1, 1, 0, 1], "{report}");
    assert_eq!(contact_count(&app, &ann).await, 1);
    let companies = app
        .get(&ann.token, "/api/crm/companies?q=dry%20run")
        .await
        .expect(200);
    assert_eq!(companies["data"], json!([]), "no company created");

    let report = import(&app, &ann, "?on_duplicate=update", file)
        .await
        .expect(200);
    assert_eq!(report["dry_run"], false);
    assert_eq!(counts(&report), [1, 1, 0, 1]);
    assert_eq!(contact_count(&app, &ann).await, 2);
}

async fn a_multipart_upload_imports_like_a_csv_body(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let boundary = "----crm-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nfirst_name,last_name\r\nAda,Lovelace\r\n\r\n--{boundary}--\r\n"
    );
    let request = app
        .raw(Method::POST, IMPORT)
        .bearer_auth(&ann.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    let report = app.send(request).await.expect(200);
    assert_eq!(counts(&report), [1, 0, 0, 0], "{report}");

    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nno file\r\n--{boundary}--\r\n"
    );
    let request = app
        .raw(Method::POST, IMPORT)
        .bearer_auth(&ann.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    app.send(request).await.expect_error(400, "bad_request");
}

/// Posts a multipart form with the text `fields`, then the file `csv`, and the query `options`.
async fn import_form(
    app: &TestApp,
    user: &User,
    options: &str,
    fields: &[(&str, &str)],
    csv: &str,
) -> Resp {
    let boundary = "----crm-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ));
    let request = app
        .raw(Method::POST, &format!("{IMPORT}{options}"))
        .bearer_auth(&user.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    app.send(request).await
}

async fn options_sent_as_form_fields_apply_and_a_dry_run_from_either_side_writes_nothing(
    store: Store,
) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let csv = "first_name,last_name,email\r\nAda,Lovelace,ada@example.com\r\n";

    let report = import_form(&app, &ann, "", &[("dry_run", "on")], csv)
        .await
        .expect(200);
    assert_eq!(report["dry_run"], true, "{report}");
    assert_eq!(counts(&report), [1, 0, 0, 0]);
    let report = import_form(&app, &ann, "?dry_run=false", &[("dry_run", "true")], csv)
        .await
        .expect(200);
    assert_eq!(
        report["dry_run"], true,
        "either side asks for a dry run: {report}"
    );
    assert_eq!(
        contact_count(&app, &ann).await,
        0,
        "a dry run wrote nothing"
    );

    import_form(&app, &ann, "", &[], csv).await.expect(200);
    let updated = csv.replace("Lovelace", "Byron");
    let report = import_form(&app, &ann, "", &[("on_duplicate", "update")], &updated)
        .await
        .expect(200);
    assert_eq!(
        counts(&report),
        [0, 1, 0, 0],
        "the form's on_duplicate: {report}"
    );

    import_form(&app, &ann, "", &[("dry_run", "maybe")], csv)
        .await
        .expect_error(400, "bad_request");
    import_form(
        &app,
        &ann,
        "?on_duplicate=skip",
        &[("on_duplicate", "update")],
        csv,
    )
    .await
    .expect_error(400, "bad_request");
    assert_eq!(contact_count(&app, &ann).await, 1);
}

async fn an_import_body_over_1_mib_is_accepted_and_over_10_mib_is_413(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let padding = "x".repeat(800 * 1024);
    let file = format!("first_name,last_name,padding\nAda,L,{padding}\nBob,B,{padding}\n");
    assert!(file.len() > 1024 * 1024);
    let report = import(&app, &ann, "", file).await.expect(200);
    assert_eq!(counts(&report), [2, 0, 0, 0]);

    let file = format!(
        "first_name,last_name\n{}",
        "Ada,L\n".repeat(2 * 1024 * 1024)
    );
    assert!(file.len() > 10 * 1024 * 1024);
    import(&app, &ann, "", file)
        .await
        .expect_error(413, "payload_too_large");
    assert_eq!(contact_count(&app, &ann).await, 2);
}

async fn malformed_files_are_400_naming_the_line(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let cases: [(&[u8], u64, &str); 7] = [
        (b"first_name,last_name\nAda,L\n\xff\xfe,X\n", 3, "UTF-8"),
        (
            b"first_name,last_name\nAda,L\n\"Bob,B\nCid,C\n",
            3,
            "never closed",
        ),
        (b"first_name,last_name\n\"Ada\"x,L\n", 2, "closing quote"),
        (b"", 1, "empty"),
        (b"Ada,Lovelace,ada@x.test\n", 1, "no header"),
        (b"first_name,email\nAda,ada@x.test\n", 1, "last_name"),
        (b"email,E-mail,first_name,last_name\n", 1, "twice"),
    ];
    for (file, line, words) in cases {
        let answer = import(&app, &ann, "", file.to_vec()).await;
        let details = answer.expect_error(400, "bad_request");
        assert_eq!(details["line"], line, "{}", answer.body);
        assert!(answer.message().contains(words), "{}", answer.body);
    }
    assert_eq!(
        contact_count(&app, &ann).await,
        0,
        "nothing of a malformed file is written"
    );
}

async fn an_unknown_import_option_is_400(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let file = "first_name,last_name\nAda,L\n";
    let fields = import(&app, &ann, "?on_duplicate=merge", file)
        .await
        .expect_bad_query();
    assert_eq!(fields, ["on_duplicate"]);
    import(&app, &ann, "?dry_run=maybe", file)
        .await
        .expect_error(400, "bad_request");
    assert_eq!(contact_count(&app, &ann).await, 0);
}

// ---- benchmark ------------------------------------------------------------------------------

/// Rows of the benchmark file.
const BENCH_ROWS: usize = 100_000;

/// `cargo test -p crm-http --test api contacts_csv::importing -- --ignored --nocapture` with
/// `TEST_DATABASE_URL` set; prints the figure recorded in `docs/benchmarks.md`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: 100,000-row import on PostgreSQL (needs TEST_DATABASE_URL)"]
async fn importing_100000_contacts_takes_under_30_seconds_on_postgres() {
    crm_store::testing::on_postgres(import_100000_contacts).await;
}

async fn import_100000_contacts(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let mut file = String::from("first_name,last_name,email,company,lead_status\n");
    for i in 0..BENCH_ROWS {
        file.push_str(&format!(
            "First{i},Last{i},person{i}@bench.test,Company {},new\n",
            i % 500
        ));
    }
    assert!(file.len() <= 10 * 1024 * 1024, "{} bytes", file.len());
    let bytes = file.len();
    let started = Instant::now();
    let report = import(&app, &ann, "", file).await.expect(200);
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(counts(&report), [BENCH_ROWS as u64, 0, 0, 0]);
    println!("contacts import: {BENCH_ROWS} rows, {bytes} bytes, 500 companies: {seconds:.2} s");
    assert!(seconds < 30.0, "took {seconds:.2} s");
}

//! Activities: one per type with its metadata, metadata validation, the list (newest first,
//! filters, paging), edits and deletion.

use crm_store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, id, ids, keys, unknown_id};

crm_store::backend_tests!(
    each_activity_type_is_logged_with_its_metadata,
    activity_metadata_and_references_are_validated_with_422,
    the_activity_list_is_newest_first_and_filters,
    patching_an_activity_edits_subject_description_and_metadata,
    deleting_an_activity_is_204_then_404,
);

async fn each_activity_type_is_logged_with_its_metadata(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let deal = app.deal(&ann, "Engine", "SQL").await;
    let cases = [
        (
            "call",
            json!({"direction": "outbound", "duration_seconds": 300, "outcome": "Interested",
                   "sentiment": "positive", "transcript": "Hello"}),
        ),
        (
            "email",
            json!({"from": "ann@example.com", "to": ["ada@example.com"], "cc": [],
                   "attachments": [{"name": "quote.pdf", "size_bytes": 2048}], "sentiment": "neutral"}),
        ),
        (
            "meeting",
            json!({"starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T11:00:00Z",
                   "location": "Online", "attendees": ["Ada"], "sentiment": "positive"}),
        ),
        ("note", json!({"title": "First impressions"})),
        (
            "task",
            json!({"due_at": "2026-03-05T09:00:00Z", "completed_at": null, "priority": "high"}),
        ),
    ];
    for (kind, metadata) in cases {
        let logged = app
            .post(
                &ann.token,
                "/api/crm/activities",
                json!({"type": kind, "contact_id": id(&ada), "deal_id": id(&deal),
                       "subject": format!("A {kind}"), "description": "Details",
                       "metadata": metadata}),
            )
            .await
            .expect(201);
        assert_eq!(
            keys(&logged),
            [
                "contact_id",
                "created_at",
                "created_by",
                "deal_id",
                "description",
                "id",
                "metadata",
                "subject",
                "type",
                "updated_at"
            ]
        );
        assert_eq!(logged["type"], kind);
        assert_eq!(logged["contact_id"], ada["id"]);
        assert_eq!(logged["deal_id"], deal["id"]);
        assert_eq!(logged["created_by"], ann.id.as_str());
        for (key, value) in metadata.as_object().unwrap() {
            // Timestamps come back normalised; everything else verbatim.
            if !key.ends_with("_at") {
                assert_eq!(&logged["metadata"][key], value, "{kind}.{key}");
            }
        }
    }
    // Metadata may be left out, and an activity may hang on a deal alone.
    let bare = app
        .post(
            &ann.token,
            "/api/crm/activities",
            json!({"type": "note", "deal_id": id(&deal)}),
        )
        .await
        .expect(201);
    assert_eq!(bare["metadata"], json!({}));
    assert_eq!(bare["contact_id"], Value::Null);
}

async fn activity_metadata_and_references_are_validated_with_422(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let on = |body: Value| {
        let mut body = body;
        body["contact_id"] = ada["id"].clone();
        body
    };
    let cases = [
        (
            on(json!({"type": "call", "metadata": {"mood": "great"}})),
            vec!["metadata"],
        ),
        (
            on(json!({"type": "call", "metadata": {"sentiment": "ecstatic"}})),
            vec!["metadata"],
        ),
        (
            on(json!({"type": "call", "metadata": {"duration_seconds": -1}})),
            vec!["metadata"],
        ),
        (
            on(json!({"type": "note", "metadata": [1, 2]})),
            vec!["metadata"],
        ),
        (
            on(json!({"type": "note", "metadata": {"title": "x", "to": ["a"]}})),
            vec!["metadata"],
        ),
        (
            on(json!({"type": "meeting", "metadata":
                {"starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T09:00:00Z"}})),
            // The domain's validator reports nested metadata problems under `metadata`.
            vec!["metadata"],
        ),
        (
            on(
                json!({"type": "email", "metadata": {"to": (0..101).map(|i| format!("p{i}@x.test")).collect::<Vec<_>>()}}),
            ),
            vec!["metadata"],
        ),
        (
            on(json!({"type": "stage_change", "metadata": {"from": "SQL", "to": "Won"}})),
            vec!["type"],
        ),
        (on(json!({"type": "fax"})), vec!["type"]),
        (json!({"type": "note"}), vec!["contact_id"]),
        (
            json!({"type": "note", "contact_id": unknown_id()}),
            vec!["contact_id"],
        ),
        (
            json!({"type": "note", "deal_id": unknown_id()}),
            vec!["deal_id"],
        ),
        (
            on(json!({"type": "note", "subject": "x".repeat(201)})),
            vec!["subject"],
        ),
    ];
    for (body, fields) in cases {
        let answer = app
            .post(&ann.token, "/api/crm/activities", body.clone())
            .await;
        assert_eq!(answer.expect_fields(), fields, "{body}");
    }
    for body in [
        on(json!({"type": "note", "created_by": unknown_id()})),
        on(json!({"type": "note", "created_at": "2020-01-01T00:00:00Z"})),
        on(json!({"kind": "note"})),
    ] {
        app.post(&ann.token, "/api/crm/activities", body)
            .await
            .expect_error(400, "bad_request");
    }
    let list = app.get(&ann.token, "/api/crm/activities").await.expect(200);
    assert_eq!(list["data"], json!([]));
}

async fn the_activity_list_is_newest_first_and_filters(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let deal = app.deal(&ann, "Engine", "SQL").await;
    let log = |kind: &str, contact: bool, deal_ref: bool, subject: &str| {
        let mut body = json!({"type": kind, "subject": subject});
        if contact {
            body["contact_id"] = ada["id"].clone();
        }
        if deal_ref {
            body["deal_id"] = deal["id"].clone();
        }
        body
    };
    let mut logged = Vec::new();
    for body in [
        log("note", true, false, "First note about Ada"),
        log("call", false, true, "Pricing call"),
        log("email", true, true, "Quote sent"),
        log("task", true, false, "Send the PRICING sheet"),
    ] {
        logged.push(
            app.post(&ann.token, "/api/crm/activities", body)
                .await
                .expect(201),
        );
    }
    let list = |query: String| {
        let token = ann.token.clone();
        let app = &app;
        async move {
            app.get(&token, &format!("/api/crm/activities?{query}"))
                .await
                .expect(200)
        }
    };
    let newest_first: Vec<String> = logged.iter().rev().map(id).collect();
    let all = list(String::new()).await;
    assert_eq!(keys(&all), ["data", "next_cursor"]);
    assert_eq!(ids(&all), newest_first);
    assert_eq!(
        ids(&list(format!("contact_id={}", id(&ada))).await),
        [id(&logged[3]), id(&logged[2]), id(&logged[0])]
    );
    assert_eq!(
        ids(&list(format!("deal_id={}", id(&deal))).await),
        [id(&logged[2]), id(&logged[1])]
    );
    assert_eq!(ids(&list("type=call".into()).await), [id(&logged[1])]);
    assert_eq!(
        ids(&list("q=pricing".into()).await),
        [id(&logged[3]), id(&logged[1])]
    );
    assert_eq!(
        ids(&list(format!("contact_id={}&type=task", id(&ada))).await),
        [id(&logged[3])]
    );

    // Paging: two pages of two, then the end.
    let first = list("limit=2".into()).await;
    assert_eq!(ids(&first), newest_first[..2]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = list(format!("limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&second), newest_first[2..]);
    assert_eq!(second["next_cursor"], Value::Null);

    assert_eq!(
        app.get(&ann.token, "/api/crm/activities?type=fax")
            .await
            .expect_bad_query(),
        ["type"]
    );
    app.get(&ann.token, "/api/crm/activities?deal_id=engine")
        .await
        .expect_error(400, "bad_request");
}

async fn patching_an_activity_edits_subject_description_and_metadata(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let call = app
        .post(
            &ann.token,
            "/api/crm/activities",
            json!({"type": "call", "contact_id": id(&ada), "subject": "Intro",
                   "description": "Short", "metadata": {"duration_seconds": 60}}),
        )
        .await
        .expect(201);
    let path = format!("/api/crm/activities/{}", id(&call));
    let edited = app
        .patch(
            &ann.token,
            &path,
            json!({"subject": "Intro call", "metadata": {"duration_seconds": 90, "sentiment": "negative"}}),
        )
        .await
        .expect(200);
    assert_eq!(edited["subject"], "Intro call");
    assert_eq!(edited["description"], "Short");
    assert_eq!(edited["type"], "call");
    assert_eq!(edited["metadata"]["duration_seconds"], 90);
    assert_eq!(edited["metadata"]["sentiment"], "negative");
    assert_eq!(edited["created_at"], call["created_at"]);

    let cleared = app
        .patch(&ann.token, &path, json!({"description": null}))
        .await
        .expect(200);
    assert_eq!(cleared["description"], Value::Null);
    assert_eq!(cleared["subject"], "Intro call");

    assert_eq!(
        app.patch(
            &ann.token,
            &path,
            json!({"metadata": {"title": "notes only"}})
        )
        .await
        .expect_fields(),
        ["metadata"]
    );
    for metadata in [json!([]), json!("x"), json!(1)] {
        assert_eq!(
            app.patch(&ann.token, &path, json!({"metadata": metadata}))
                .await
                .expect_fields(),
            ["metadata"],
            "metadata {metadata} is not an object"
        );
    }
    for body in [json!({"type": "note"}), json!({"contact_id": id(&ada)})] {
        app.patch(&ann.token, &path, body)
            .await
            .expect_error(400, "bad_request");
    }
    app.patch(
        &ann.token,
        &format!("/api/crm/activities/{}", unknown_id()),
        json!({"subject": "Ghost"}),
    )
    .await
    .expect_error(404, "not_found");
}

async fn deleting_an_activity_is_204_then_404(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let note = app
        .post(
            &ann.token,
            "/api/crm/activities",
            json!({"type": "note", "contact_id": id(&ada)}),
        )
        .await
        .expect(201);
    let path = format!("/api/crm/activities/{}", id(&note));
    let deleted = app.delete(&ann.token, &path).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    app.delete(&ann.token, &path)
        .await
        .expect_error(404, "not_found");
    app.patch(&ann.token, &path, json!({"subject": "Ghost"}))
        .await
        .expect_error(404, "not_found");
    let list = app.get(&ann.token, "/api/crm/activities").await.expect(200);
    assert_eq!(list["data"], json!([]));
}

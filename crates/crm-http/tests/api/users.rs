//! The colleague picker.

use crm_store::Store;

use crate::helpers::{TestApp, keys};

crm_store::backend_tests!(the_user_picker_lists_colleagues_without_emails_and_searches);

async fn the_user_picker_lists_colleagues_without_emails_and_searches(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup_named("ann@example.com", "Ann Lee").await;
    let ben = app.signup_named("ben@example.com", "Ben Okafor").await;
    app.signup_named("chloe@example.com", "Chloe Martin").await;

    let all = app.get(&ann.token, "/api/crm/users").await.expect(200);
    assert_eq!(keys(&all), ["data"]);
    let names: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ann Lee", "Ben Okafor", "Chloe Martin"]);
    for user in all["data"].as_array().unwrap() {
        // A picker shows names, never e-mail addresses.
        assert_eq!(keys(user), ["avatar_url", "display_name", "id"]);
    }

    let found = app
        .get(&ann.token, "/api/crm/users?q=OKA")
        .await
        .expect(200);
    let found = found["data"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], ben.id.as_str());

    let limited = app
        .get(&ann.token, "/api/crm/users?limit=2")
        .await
        .expect(200);
    assert_eq!(limited["data"].as_array().unwrap().len(), 2);
}

//! The whole permission matrix over HTTP: each role x create/read/update/delete x
//! (own, another user's, another tenant's).

use crate::helpers::{TestApp, simple_code};
use serde_json::json;
use zona_utils::domain::Role;

#[derive(Clone, Copy, Debug)]
enum Op {
    Create,
    Read,
    Update,
    Delete,
}

#[derive(Clone, Copy, Debug)]
enum Whose {
    Own,
    OtherUser,
    OtherTenant,
}

/// Runs `op` as user 1 of tenant "home" with `role` on a utility of `whose`; returns the status.
async fn attempt(app: &TestApp, role: Role, op: Op, whose: Whose, n: usize) -> u16 {
    let me = app.token("home", 1, role);
    let (tenant, owner) = match whose {
        Whose::Own => ("home", 1),
        Whose::OtherUser => ("home", 2),
        Whose::OtherTenant => ("away", 1),
    };
    let name = format!("u_{role:?}_{op:?}_{whose:?}_{n}").to_lowercase();
    let r = match op {
        Op::Create => {
            app.upsert_json(
                &me,
                &json!({"title": name, "description": "d", "tenantcode": tenant, "userid": owner,
                                         "code": simple_code(&name)}),
            )
            .await
        }
        Op::Read | Op::Update | Op::Delete => {
            let u = app.seed(tenant, owner, &name).await;
            let id = u["id"].as_i64().unwrap();
            match op {
                Op::Read => app.get_by_id(&me, tenant, id).await,
                Op::Update => {
                    app.upsert_json(&me, &json!({"title": name, "taskid": id, "filehash": u["filehash"], "tenantcode": tenant,
                                                 "code": format!("def {name}(data, filter=None):\n    return 2\n")}))
                        .await
                }
                _ => app.delete_by_id(&me, tenant, id).await,
            }
        }
    };
    assert_eq!(
        r.body["success"],
        json!(r.status.is_success()),
        "{}",
        r.body
    );
    r.status.as_u16()
}

#[tokio::test]
async fn the_whole_permission_matrix() {
    the_whole_permission_matrix_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn the_whole_permission_matrix_on(app: TestApp) {
    use Op::*;
    use Role::*;
    // [own, another user's, another tenant's]
    let matrix: &[(Role, Op, [u16; 3])] = &[
        (User, Create, [200, 403, 403]),
        (User, Read, [200, 403, 403]),
        (User, Update, [200, 403, 403]),
        (User, Delete, [403, 403, 403]),
        (Creator, Create, [200, 403, 403]),
        (Creator, Read, [200, 403, 403]),
        (Creator, Update, [200, 403, 403]),
        (Creator, Delete, [200, 403, 403]),
        (Admin, Create, [200, 200, 403]),
        (Admin, Read, [200, 200, 403]),
        (Admin, Update, [200, 200, 403]),
        (Admin, Delete, [200, 200, 403]),
        (Superadmin, Create, [200, 200, 200]),
        (Superadmin, Read, [200, 200, 200]),
        (Superadmin, Update, [200, 200, 200]),
        (Superadmin, Delete, [200, 200, 200]),
    ];
    let mut failures = vec![];
    for (n, (role, op, expected)) in matrix.iter().enumerate() {
        for (whose, want) in [Whose::Own, Whose::OtherUser, Whose::OtherTenant]
            .into_iter()
            .zip(expected)
        {
            let got = attempt(&app, *role, *op, whose, n).await;
            if got != *want {
                failures.push(format!("{role:?} {op:?} {whose:?}: got {got}, want {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn lists_are_scoped_by_role() {
    lists_are_scoped_by_role_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn lists_are_scoped_by_role_on(app: TestApp) {
    app.seed("home", 1, "mine").await;
    app.seed("home", 2, "theirs").await;
    let user = app.token("home", 1, Role::User);
    let r = app.list(&user, "home", "").await;
    assert_eq!(r.body["count"], 1, "a user sees only their own");
    assert_eq!(r.data()[0]["name"], "mine");
    app.get_by_name(&user, "home", "2", "-", "")
        .await
        .expect(403);
    app.get_by_name(&user, "home", "2", "theirs", "")
        .await
        .expect(403);
    let admin = app.token("home", 9, Role::Admin);
    assert_eq!(app.list(&admin, "home", "").await.body["count"], 2);
    app.list(&admin, "away", "").await.expect(403);
    let root = app.token("ops", 1, Role::Superadmin);
    assert_eq!(app.list(&root, "home", "").await.body["count"], 2);
}

#[tokio::test]
async fn a_tenant_in_the_body_that_disagrees_with_the_token_is_403() {
    a_tenant_in_the_body_that_disagrees_with_the_token_is_403_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn a_tenant_in_the_body_that_disagrees_with_the_token_is_403_on(app: TestApp) {
    let t = app.token("home", 1, Role::Admin);
    let r = app
        .upsert_json(&t, &json!({"title": "sneaky", "description": "d", "tenantcode": "away", "code": simple_code("sneaky")}))
        .await;
    r.expect(403);
    assert!(r.message().contains("away"), "{}", r.message());
    let root = app.token("ops", 1, Role::Superadmin);
    assert_eq!(
        app.list(&root, "away", "").await.body["count"],
        0,
        "nothing was written to the other tenant"
    );
}

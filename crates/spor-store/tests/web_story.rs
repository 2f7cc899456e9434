//! The web application's storage story: accounts, sessions, the audit chain and record
//! edits give the same results on every backend (SQLite always, PostgreSQL when
//! `SPOR_TEST_POSTGRES_URL` is set; see `story.rs`).

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use spor_core::Form;
use spor_store::StoreError;
use spor_store::web::{
    AuditAnchor, AuditFilter, AuditKey, AuditedChange, CHAIN_HMAC, CHAIN_SHA256, ChainStatus,
    ChangeContext, NewAuditEvent, Record, RecordFilter, RecordKind, SearchKind, SecondFactorUpdate,
    SessionRow, UserUpdate, WebStore, WriteOutcome,
};

/// The backend's store with its web tables (a second handle on the same database), opened
/// as `spor serve` opens it.
async fn web(b: &Backend) -> Box<dyn WebStore> {
    let store = spor_store::open_web(&b.url).await.unwrap();
    assert_eq!(store.backend(), b.name);
    store
}

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, minute, 0).unwrap()
}

fn ctx(actor: &str, minute: u32, code: &str) -> ChangeContext {
    ChangeContext {
        actor: actor.into(),
        at: at(minute),
        audit: NewAuditEvent {
            code: code.into(),
            actor: Some(actor.into()),
            ..NewAuditEvent::default()
        },
    }
}

#[tokio::test]
async fn accounts_sessions_and_the_audit_chain_behave_alike_on_every_backend() {
    for b in backends("accounts_sessions_and_the_audit_chain_behave_alike_on_every_backend").await {
        let s = web(&b).await;
        let n = b.name;
        assert!(
            s.create_user("ana", "analyst", "hash-1", at(0))
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            !s.create_user("ana", "admin", "hash-2", at(1))
                .await
                .unwrap(),
            "{n}: taken"
        );
        assert!(
            s.create_user("bo", "caseworker", "hash-3", at(2))
                .await
                .unwrap(),
            "{n}"
        );
        let names: Vec<String> = s
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(names, ["ana", "bo"], "{n}");
        // Login attempts are claimed before the check: below the limit each goes ahead;
        // the one that reaches it goes ahead and locks the account until the time given;
        // while locked, a claim is refused and changes nothing; after it, the next goes
        // ahead and locks again.
        for want in [Some(1), Some(2), Some(3)] {
            assert_eq!(
                s.claim_login_attempt("ana", 3, at(20), at(5))
                    .await
                    .unwrap(),
                want,
                "{n}"
            );
        }
        assert_eq!(
            s.user("ana").await.unwrap().unwrap().locked_until,
            Some(at(20)),
            "{n}: the third claim locks"
        );
        assert_eq!(
            s.claim_login_attempt("ana", 3, at(40), at(19))
                .await
                .unwrap(),
            None,
            "{n}: refused while locked"
        );
        let ana = s.user("ana").await.unwrap().unwrap();
        assert_eq!(
            (ana.failed_logins, ana.locked_until),
            (3, Some(at(20))),
            "{n}"
        );
        assert_eq!(
            s.claim_login_attempt("ana", 3, at(40), at(20))
                .await
                .unwrap(),
            Some(4),
            "{n}: goes ahead once the lock has passed"
        );
        assert_eq!(
            s.user("ana").await.unwrap().unwrap().locked_until,
            Some(at(40)),
            "{n}"
        );
        assert_eq!(
            s.claim_login_attempt("nobody", 3, at(40), at(50))
                .await
                .unwrap(),
            None,
            "{n}"
        );
        let update = UserUpdate {
            disabled: Some(true),
            ..UserUpdate::default()
        };
        assert!(s.update_user("bo", &update, at(3)).await.unwrap(), "{n}");
        assert!(s.user("bo").await.unwrap().unwrap().disabled, "{n}");

        let session = SessionRow {
            id_hash: "h1".into(),
            user_name: "ana".into(),
            csrf_token: "t1".into(),
            created_at: at(4),
            last_seen_at: at(4),
            expires_at: at(4) + Duration::hours(8),
            verified_at: None,
        };
        s.create_session(&session).await.unwrap();
        let (found, user) = s.session("h1").await.unwrap().expect("the session");
        assert_eq!(
            (found.user_name.as_str(), user.roles.as_str()),
            ("ana", "analyst"),
            "{n}"
        );
        s.touch_session("h1", at(30)).await.unwrap();
        assert_eq!(
            s.session("h1").await.unwrap().unwrap().0.last_seen_at,
            at(30),
            "{n}"
        );
        assert_eq!(s.purge_sessions(at(31), at(0)).await.unwrap(), 0, "{n}");
        s.delete_session("h1").await.unwrap();
        assert!(s.session("h1").await.unwrap().is_none(), "{n}");

        for (i, code) in ["login.success", "case.view", "login.failure"]
            .iter()
            .enumerate()
        {
            let e = NewAuditEvent {
                code: (*code).into(),
                actor: Some("ana".into()),
                ..NewAuditEvent::default()
            };
            s.append_audit(&e, at(40 + i as u32)).await.unwrap();
        }
        assert_eq!(
            s.verify_audit().await.unwrap(),
            ChainStatus::Intact { events: 3 },
            "{n}"
        );
        let filter = AuditFilter {
            code_prefix: Some("login".into()),
            ..AuditFilter::default()
        };
        let page = s.audit_events(&filter, 10, 0).await.unwrap();
        assert_eq!(page.total, 2, "{n}");
        assert_eq!(page.items[0].code, "login.failure", "{n}: newest first");
    }
}

#[tokio::test]
async fn record_edits_are_version_checked_and_reach_the_register_on_every_backend() {
    for b in
        backends("record_edits_are_version_checked_and_reach_the_register_on_every_backend").await
    {
        let s = web(&b).await;
        let n = b.name;
        let first = identification("W-1", "P-1", "2026-02-01", Some(Form::Sexual));
        let created = s
            .create_record(
                &Record::Identification(first.clone()),
                &ctx("bo", 1, "case.create"),
            )
            .await
            .unwrap();
        assert_eq!(created, WriteOutcome::Done(1), "{n}");
        let again = s
            .create_record(
                &Record::Identification(first.clone()),
                &ctx("bo", 2, "case.create"),
            )
            .await
            .unwrap();
        assert_eq!(again, WriteOutcome::Exists, "{n}");

        let mut changed = first.clone();
        changed.age = Some(44);
        let ok = s
            .update_record(
                &Record::Identification(changed.clone()),
                1,
                &ctx("bo", 3, "case.edit"),
            )
            .await
            .unwrap();
        assert_eq!(ok, WriteOutcome::Done(2), "{n}");
        let stale = s
            .update_record(
                &Record::Identification(first.clone()),
                1,
                &ctx("ana", 4, "case.edit"),
            )
            .await
            .unwrap();
        assert_eq!(stale, WriteOutcome::Stale { current: 2 }, "{n}");

        let changes = s
            .record_changes(RecordKind::Identification, "W-1")
            .await
            .unwrap();
        let actions: Vec<&str> = changes.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(actions, ["create", "update"], "{n}");
        let page = s
            .list_identifications(&RecordFilter::default(), 10, 0)
            .await
            .unwrap();
        assert_eq!(page.total, 1, "{n}");
        assert_eq!(page.items[0].version, 2, "{n}");

        let reg = b.store.load_register().await.unwrap();
        assert_eq!(reg.identifications, [changed], "{n}");
        assert!(reg.last_change.is_some(), "{n}: an edit moves last_change");
        assert!(
            matches!(
                s.verify_audit().await.unwrap(),
                ChainStatus::Intact { events: 2 }
            ),
            "{n}: each edit is audited"
        );
    }
}

/// Issue 25, item 5: caseworkers saving one record at the same moment, each from the form
/// they opened at version 1. The version check and the write are one step: exactly one
/// save is taken, every other is told of the conflict, and nothing is lost silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn caseworkers_saving_one_record_at_the_same_moment_get_one_save_and_conflicts_never_a_lost_update()
 {
    for b in backends("caseworkers_saving_one_record_at_the_same_moment").await {
        let s: std::sync::Arc<dyn WebStore> = std::sync::Arc::from(web(&b).await);
        let n = b.name;
        let first = identification("R-1", "P-1", "2026-02-01", Some(Form::Sexual));
        let created = s
            .create_record(
                &Record::Identification(first.clone()),
                &ctx("bo", 1, "case.create"),
            )
            .await
            .unwrap();
        assert_eq!(created, WriteOutcome::Done(1), "{n}");
        let editors = 8u8;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(usize::from(editors)));
        let saves: Vec<_> = (0..editors)
            .map(|i| {
                let (s, barrier) = (s.clone(), barrier.clone());
                let mut mine = first.clone();
                // Every save a change (the record's age is 27): an unchanged save makes no
                // version and would be answered as done.
                mine.age = Some(30 + i);
                tokio::spawn(async move {
                    barrier.wait().await;
                    let outcome = s
                        .update_record(
                            &Record::Identification(mine),
                            1,
                            &ctx(&format!("cw{i}"), 2, "case.edit"),
                        )
                        .await
                        .unwrap();
                    (i, outcome)
                })
            })
            .collect();
        let mut taken = Vec::new();
        for save in saves {
            match save.await.unwrap() {
                (i, WriteOutcome::Done(2)) => taken.push(i),
                (_, WriteOutcome::Stale { current: 2 }) => {}
                (i, other) => panic!("{n}: editor {i} got {other:?}"),
            }
        }
        assert_eq!(taken.len(), 1, "{n}: exactly one save is taken: {taken:?}");
        let reg = b.store.load_register().await.unwrap();
        assert_eq!(
            reg.identifications[0].age,
            Some(30 + taken[0]),
            "{n}: the stored record is the taken save's"
        );
        let changes = s
            .record_changes(RecordKind::Identification, "R-1")
            .await
            .unwrap();
        assert_eq!(changes.len(), 2, "{n}: one creation, one update");
        assert_eq!(changes[1].actor, format!("cw{}", taken[0]), "{n}");
    }
}

#[tokio::test]
async fn calls_count_in_copenhagen_time_unchanged_saves_write_nothing_and_refs_are_found_on_every_backend()
 {
    for b in backends("calls_copenhagen_unchanged_saves_search_and_restore").await {
        let s = web(&b).await;
        let n = b.name;
        // 00:20 on 1 January 2023 in Copenhagen, stored in UTC; 23:40 on 31 December 2022.
        let new_year = call("H-1", "2022-12-31T23:20:00Z", None);
        for c in [
            new_year.clone(),
            call("H-2", "2022-12-31T22:40:00Z", None),
            call("H-3", "2023-06-01T10:00:00+02:00", None),
        ] {
            s.create_record(&Record::HotlineCall(c), &ctx("bo", 1, "call.create"))
                .await
                .unwrap();
        }
        let year = |y| RecordFilter {
            year: Some(y),
            ..Default::default()
        };
        let y2023 = s.list_hotline_calls(&year(2023), 10, 0).await.unwrap();
        let refs: Vec<&str> = y2023
            .items
            .iter()
            .map(|v| v.record.call_ref.as_str())
            .collect();
        assert_eq!(
            refs,
            ["H-3", "H-1"],
            "{n}: 2023 in Copenhagen, newest first"
        );
        let y2022 = s.list_hotline_calls(&year(2022), 10, 0).await.unwrap();
        assert_eq!(y2022.total, 1, "{n}");

        // The same instant written with another offset is no change.
        let mut same = new_year.clone();
        same.received_at = spor_core::parse_timestamp("2023-01-01T00:20:00").unwrap();
        let unchanged = s
            .update_record(&Record::HotlineCall(same), 1, &ctx("bo", 2, "call.update"))
            .await
            .unwrap();
        assert_eq!(unchanged, WriteOutcome::Done(1), "{n}: no new version");
        let changes = s
            .record_changes(RecordKind::HotlineCall, "H-1")
            .await
            .unwrap();
        assert_eq!(changes.len(), 1, "{n}: no history entry");

        // Search by part of a ref, any case; a deleted record comes back as `restore`.
        s.create_record(
            &Record::Identification(identification(
                "C-2023-0011",
                "P-2023-0233",
                "2023-02-01",
                None,
            )),
            &ctx("bo", 3, "case.create"),
        )
        .await
        .unwrap();
        let hits = s.search_refs("0233", 10, None).await.unwrap();
        assert_eq!(hits.len(), 1, "{n}");
        assert_eq!(hits[0].kind, SearchKind::Person, "{n}");
        assert_eq!(hits[0].key, "P-2023-0233", "{n}");
        let hits = s.search_refs("c-2023", 10, None).await.unwrap();
        assert_eq!(hits.len(), 1, "{n}");
        assert_eq!(
            hits[0].kind,
            SearchKind::Record(RecordKind::Identification),
            "{n}"
        );
        assert_eq!(hits[0].person.as_deref(), Some("P-2023-0233"), "{n}");
        assert!(
            s.search_refs("h-_", 10, None).await.unwrap().is_empty(),
            "{n}: `_` is no wildcard"
        );
        let gone = s
            .delete_record(
                RecordKind::HotlineCall,
                "H-3",
                1,
                &ctx("bo", 4, "call.delete"),
            )
            .await
            .unwrap();
        assert_eq!(gone, WriteOutcome::Done(2), "{n}");
        let back = s
            .restore_record(
                &Record::HotlineCall(call("H-3", "2023-06-01T10:00:00+02:00", None)),
                &ctx("bo", 5, "call.restore"),
            )
            .await
            .unwrap();
        assert_eq!(back, WriteOutcome::Done(3), "{n}");
        let actions: Vec<String> = s
            .record_changes(RecordKind::HotlineCall, "H-3")
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.action)
            .collect();
        assert_eq!(actions, ["create", "delete", "restore"], "{n}");
    }
}

#[tokio::test]
async fn second_factors_are_taken_once_and_the_last_administrator_stays_on_every_backend() {
    for b in
        backends("second_factors_are_taken_once_and_the_last_administrator_stays_on_every_backend")
            .await
    {
        let s = web(&b).await;
        let n = b.name;
        assert!(s.create_user("ana", "admin", "h", at(0)).await.unwrap());
        assert!(
            s.create_user("bo", "caseworker,admin", "h", at(0))
                .await
                .unwrap()
        );
        let ana = s.user("ana").await.unwrap().unwrap();
        assert!(
            ana.must_change_password,
            "{n}: a new account's password is to change"
        );
        assert!(!ana.has_second_factor(), "{n}");

        // Enrolment: a pending secret, confirmed once with its recovery codes.
        let pending = UserUpdate {
            second_factor: Some(SecondFactorUpdate::Pending("SECRETA".into())),
            must_change_password: Some(false),
            ..UserUpdate::default()
        };
        assert!(s.update_user("ana", &pending, at(1)).await.unwrap(), "{n}");
        let codes = ["c1".to_string(), "c2".to_string()];
        assert!(
            !s.confirm_second_factor("ana", "OTHER", 100, &codes, at(1))
                .await
                .unwrap(),
            "{n}: another secret than the one being enrolled"
        );
        assert!(
            s.confirm_second_factor("ana", "SECRETA", 100, &codes, at(1))
                .await
                .unwrap(),
            "{n}"
        );
        let ana = s.user("ana").await.unwrap().unwrap();
        assert!(ana.has_second_factor() && !ana.must_change_password, "{n}");
        assert_eq!(s.recovery_codes_left("ana").await.unwrap(), 2, "{n}");

        // A step is taken once, and never an older one; a recovery code once.
        assert!(!s.take_totp_step("ana", 100).await.unwrap(), "{n}: replay");
        assert!(
            !s.take_totp_step("ana", 99).await.unwrap(),
            "{n}: older step"
        );
        assert!(s.take_totp_step("ana", 101).await.unwrap(), "{n}");
        assert!(!s.take_totp_step("ana", 101).await.unwrap(), "{n}: replay");
        assert!(
            !s.take_totp_step("bo", 500).await.unwrap(),
            "{n}: no factor"
        );
        assert!(s.take_recovery_code("ana", "c1").await.unwrap(), "{n}");
        assert!(
            !s.take_recovery_code("ana", "c1").await.unwrap(),
            "{n}: used"
        );
        assert!(
            !s.take_recovery_code("bo", "c2").await.unwrap(),
            "{n}: not bo's"
        );
        assert_eq!(s.recovery_codes_left("ana").await.unwrap(), 1, "{n}");

        // A session is verified later; a reset ends sessions and removes the codes.
        let session = SessionRow {
            id_hash: "sf1".into(),
            user_name: "ana".into(),
            csrf_token: "t".into(),
            created_at: at(2),
            last_seen_at: at(2),
            expires_at: at(2) + Duration::hours(8),
            verified_at: None,
        };
        s.create_session(&session).await.unwrap();
        s.verify_session("sf1", at(3)).await.unwrap();
        let (found, _) = s.session("sf1").await.unwrap().unwrap();
        assert_eq!(found.verified_at, Some(at(3)), "{n}");
        let reset = UserUpdate {
            second_factor: Some(SecondFactorUpdate::Reset),
            ..UserUpdate::default()
        };
        assert!(s.update_user("ana", &reset, at(4)).await.unwrap(), "{n}");
        assert!(s.session("sf1").await.unwrap().is_none(), "{n}");
        assert!(
            !s.user("ana").await.unwrap().unwrap().has_second_factor(),
            "{n}"
        );
        assert_eq!(s.recovery_codes_left("ana").await.unwrap(), 0, "{n}");

        // Two administrators: one may go, not both.
        let not_admin = UserUpdate {
            roles: Some("caseworker".into()),
            ..UserUpdate::default()
        };
        let disable = UserUpdate {
            disabled: Some(true),
            ..UserUpdate::default()
        };
        assert_eq!(
            s.update_user_keeping_an_admin("bo", &not_admin, at(5))
                .await
                .unwrap(),
            Some(true),
            "{n}"
        );
        assert_eq!(
            s.update_user_keeping_an_admin("ana", &disable, at(5))
                .await
                .unwrap(),
            None,
            "{n}: the last administrator"
        );
        assert!(!s.user("ana").await.unwrap().unwrap().disabled, "{n}");
        assert_eq!(
            s.update_user_keeping_an_admin("nobody", &disable, at(5))
                .await
                .unwrap(),
            Some(false),
            "{n}"
        );

        s.set_web_setting("second_factor_exempt", Some("analyst"))
            .await
            .unwrap();
        assert_eq!(
            s.web_setting("second_factor_exempt")
                .await
                .unwrap()
                .as_deref(),
            Some("analyst"),
            "{n}"
        );
    }
}

/// A register with web data: an account, audited record edits (version 2, change history).
async fn fill_with_web_data(b: &Backend) {
    b.store.apply_import(&sample()).await.unwrap();
    let s = web(b).await;
    assert!(
        s.create_user("ana", "admin", "hash-1", at(0))
            .await
            .unwrap()
    );
    let mut r = identification("W-1", "P-1", "2026-02-01", None);
    s.create_record(
        &Record::Identification(r.clone()),
        &ctx("ana", 1, "case.create"),
    )
    .await
    .unwrap();
    r.age = Some(50);
    let done = s
        .update_record(&Record::Identification(r), 1, &ctx("ana", 2, "case.edit"))
        .await
        .unwrap();
    assert_eq!(done, WriteOutcome::Done(2));
    assert!(
        s.claim_person_team("P-1", "north", "ana", at(3))
            .await
            .unwrap()
    );
    let team = UserUpdate {
        team: Some(Some("north".into())),
        ..Default::default()
    };
    assert!(s.update_user("ana", &team, at(3)).await.unwrap());
}

async fn check_web_copy(from: &Backend, to: &Backend) {
    let what = format!("{} -> {}", from.name, to.name);
    let outcome = spor_store::copy_register(from.store.as_ref(), to.store.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        outcome.differences.is_empty(),
        "{what}: {:?}",
        outcome.differences
    );
    assert_eq!(
        (
            outcome.rows("users"),
            outcome.rows("audit_events"),
            outcome.rows("record_changes")
        ),
        (1, 2, 2),
        "{what}"
    );
    let s = web(to).await;
    let ana = s.user("ana").await.unwrap().expect("the account");
    assert_eq!(
        ana.team.as_deref(),
        Some("north"),
        "{what}: the team of an account"
    );
    assert_eq!(
        s.person_team("P-1").await.unwrap().as_deref(),
        Some("north"),
        "{what}: the team of a person"
    );
    assert_eq!(
        s.verify_audit().await.unwrap(),
        ChainStatus::Intact { events: 2 },
        "{what}: the audit chain arrives unbroken"
    );
    let rec = s
        .record(RecordKind::Identification, "W-1")
        .await
        .unwrap()
        .expect("the edited record");
    assert_eq!(rec.version, 2, "{what}: versions are kept");
    // The copy goes on working: the next edit is version 3 and is audited in the chain.
    let Record::Identification(mut r) = rec.record else {
        panic!("{what}: not an identification")
    };
    r.age = Some(51);
    let next = s
        .update_record(&Record::Identification(r), 2, &ctx("ana", 9, "case.edit"))
        .await
        .unwrap();
    assert_eq!(next, WriteOutcome::Done(3), "{what}");
    assert_eq!(
        s.verify_audit().await.unwrap(),
        ChainStatus::Intact { events: 3 },
        "{what}"
    );
}

#[tokio::test]
async fn a_copy_carries_accounts_the_audit_chain_and_record_versions() {
    let source = Backend::sqlite().await;
    fill_with_web_data(&source).await;
    let target = Backend::sqlite().await;
    check_web_copy(&source, &target).await;

    let Some(admin) = pg_admin_url() else {
        say_postgres_not_run("a_copy_carries_accounts_the_audit_chain_and_record_versions");
        return;
    };
    let source = Backend::sqlite().await;
    fill_with_web_data(&source).await;
    let pg = Backend::postgres(&admin).await;
    check_web_copy(&source, &pg).await;
    let pg_source = Backend::postgres(&admin).await;
    fill_with_web_data(&pg_source).await;
    let back = Backend::sqlite().await;
    check_web_copy(&pg_source, &back).await;
}

fn audit_key() -> AuditKey {
    AuditKey::from_bytes([0x5a; 32])
}

fn event(code: &str) -> NewAuditEvent {
    NewAuditEvent {
        code: code.into(),
        actor: Some("ana".into()),
        ..NewAuditEvent::default()
    }
}

/// Runs statements as someone with direct access to the database would.
async fn raw_sql(b: &Backend, statements: &[&str]) {
    for q in statements {
        let done = match &b.raw {
            Raw::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(*q))
                .execute(p)
                .await
                .map(|_| ()),
            Raw::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(*q))
                .execute(p)
                .await
                .map(|_| ()),
        };
        done.unwrap_or_else(|e| panic!("{}: {q}: {e}", b.name));
    }
}

/// Takes away the append-only guard, as an owner of the tables can.
async fn remove_guard(b: &Backend) {
    match b.name {
        "sqlite" => {
            raw_sql(
                b,
                &[
                    "DROP TRIGGER audit_events_no_update",
                    "DROP TRIGGER audit_events_no_delete",
                ],
            )
            .await
        }
        _ => raw_sql(b, &["ALTER TABLE audit_events DISABLE TRIGGER USER"]).await,
    }
}

/// A trail of two events from before the key (SHA-256), then six under it (one of them a
/// record's creation), anchored at event 6: the store with the key and the anchor.
async fn anchored_trail(b: &Backend) -> (Box<dyn WebStore>, AuditAnchor) {
    let s = web(b).await;
    for (i, code) in ["login.success", "case.view"].iter().enumerate() {
        s.append_audit(&event(code), at(i as u32)).await.unwrap();
    }
    s.set_audit_key(audit_key());
    for i in 2..5 {
        s.append_audit(&event("case.view"), at(i)).await.unwrap();
    }
    let r = identification("K-1", "P-1", "2026-02-01", None);
    s.create_record(&Record::Identification(r), &ctx("ana", 5, "case.create"))
        .await
        .unwrap();
    let head = s.audit_head().await.unwrap().expect("a newest event");
    assert_eq!((head.seq, head.chain), (6, CHAIN_HMAC), "{}", b.name);
    let anchor = AuditAnchor::parse(&AuditAnchor::of(&head).to_json()).unwrap();
    for i in 6..8 {
        s.append_audit(&event("case.list"), at(i)).await.unwrap();
    }
    (s, anchor)
}

#[tokio::test]
async fn a_keyed_trail_verifies_under_its_key_and_refuses_appends_without_it_on_every_backend() {
    for b in backends("a_keyed_trail_verifies_under_its_key_and_refuses_appends_without_it").await {
        let n = b.name;
        let (s, anchor) = anchored_trail(&b).await;
        let chains: Vec<i64> = {
            let mut page = s
                .audit_events(&AuditFilter::default(), 100, 0)
                .await
                .unwrap()
                .items;
            page.reverse();
            page.iter().map(|e| e.chain).collect()
        };
        assert_eq!(
            chains,
            [
                CHAIN_SHA256,
                CHAIN_SHA256,
                CHAIN_HMAC,
                CHAIN_HMAC,
                CHAIN_HMAC,
                CHAIN_HMAC,
                CHAIN_HMAC,
                CHAIN_HMAC
            ],
            "{n}: old events keep their SHA-256, new ones are keyed"
        );
        assert_eq!(
            s.verify_audit_anchor(Some(&anchor)).await.unwrap(),
            ChainStatus::Intact { events: 8 },
            "{n}"
        );
        // Another process without the key: it cannot check the HMACs, nor add to the trail,
        // nor change a record (the change and its event go together or not at all).
        let keyless = web(&b).await;
        assert_eq!(
            keyless.verify_audit().await.unwrap(),
            ChainStatus::KeyNeeded {
                events: 8,
                keyed: 6
            },
            "{n}"
        );
        let refused = keyless.append_audit(&event("case.view"), at(20)).await;
        assert!(
            matches!(refused, Err(StoreError::AuditKeyNeeded)),
            "{n}: {refused:?}"
        );
        let r = identification("K-2", "P-1", "2026-02-01", None);
        let refused = keyless
            .create_record(&Record::Identification(r), &ctx("ana", 21, "case.create"))
            .await;
        assert!(
            matches!(refused, Err(StoreError::AuditKeyNeeded)),
            "{n}: {refused:?}"
        );
        assert!(
            s.record(RecordKind::Identification, "K-2")
                .await
                .unwrap()
                .is_none(),
            "{n}: the record was not written without its event"
        );
        // A wrong key finds the first keyed event altered.
        let wrong = web(&b).await;
        wrong.set_audit_key(AuditKey::from_bytes([1; 32]));
        assert!(
            matches!(
                wrong.verify_audit().await.unwrap(),
                ChainStatus::Broken { seq: 3, .. }
            ),
            "{n}"
        );
    }
}

#[tokio::test]
async fn an_anchor_catches_altered_inserted_deleted_and_truncated_events_on_every_backend() {
    // (what, statements, first bad event, words of the reason, caught without the anchor)
    let cases: [(&str, &[&str], i64, &str, bool); 5] = [
        (
            "an altered event before the anchor",
            &["UPDATE audit_events SET actor = 'someone-else' WHERE seq = 4"],
            4,
            "altered",
            true,
        ),
        (
            "an altered event after the anchor",
            &["UPDATE audit_events SET target = 'X-9' WHERE seq = 7"],
            7,
            "altered",
            true,
        ),
        (
            "an inserted event",
            &[
                "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 5",
                "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 105",
                "INSERT INTO audit_events (seq, at, code, actor, target, address, detail, prev_hash, hash, chain) \
                 SELECT 5, at, 'login.success', 'ghost', target, address, detail, prev_hash, hash, chain \
                 FROM audit_events WHERE seq = 6",
            ],
            5,
            "altered",
            true,
        ),
        (
            "a deleted event",
            &["DELETE FROM audit_events WHERE seq = 3"],
            3,
            "missing",
            true,
        ),
        (
            "the newest events removed and the head moved back to match",
            &[
                "DELETE FROM audit_events WHERE seq >= 5",
                "UPDATE settings SET value = (SELECT seq || ':' || hash FROM audit_events WHERE seq = 4) WHERE key = 'audit_head'",
            ],
            5,
            "removed from the end",
            false,
        ),
    ];
    for (what, statements, seq, words, caught_without) in cases {
        for b in backends("an_anchor_catches_altered_inserted_deleted_and_truncated_events").await {
            let n = b.name;
            let (s, anchor) = anchored_trail(&b).await;
            remove_guard(&b).await;
            raw_sql(&b, statements).await;
            match s.verify_audit_anchor(Some(&anchor)).await.unwrap() {
                ChainStatus::Broken { seq: at, reason } => {
                    assert_eq!(at, seq, "{n}: {what}: {reason}");
                    assert!(reason.contains(words), "{n}: {what}: {reason}");
                }
                other => panic!("{n}: {what} was not detected: {other:?}"),
            }
            let without = s.verify_audit().await.unwrap();
            assert_eq!(
                matches!(without, ChainStatus::Broken { .. }),
                caught_without,
                "{n}: {what} without the anchor: {without:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_audit_trail_refuses_truncate_and_delete_on_every_backend() {
    for b in backends("the_audit_trail_refuses_truncate_and_delete").await {
        let (s, _) = anchored_trail(&b).await;
        let statements: &[&str] = match b.name {
            "sqlite" => &["DELETE FROM audit_events"],
            _ => &[
                "TRUNCATE audit_events",
                "TRUNCATE audit_events CASCADE",
                "DELETE FROM audit_events",
            ],
        };
        for q in statements {
            let done = match &b.raw {
                Raw::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(*q))
                    .execute(p)
                    .await
                    .map(|_| ()),
                Raw::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(*q))
                    .execute(p)
                    .await
                    .map(|_| ()),
            };
            let err = done.expect_err(&format!("{}: {q} refused", b.name));
            assert!(err.to_string().contains("append-only"), "{}: {err}", b.name);
        }
        assert_eq!(
            s.verify_audit().await.unwrap(),
            ChainStatus::Intact { events: 8 },
            "{}",
            b.name
        );
    }
}

/// The URL of `url`'s database for another role (no password: the test server trusts
/// local connections).
fn as_role(url: &str, role: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
    format!("{scheme}://{role}@{rest}")
}

#[tokio::test]
async fn on_postgresql_spor_runs_under_a_role_that_cannot_drop_the_audit_guards() {
    let Some(admin) = pg_admin_url() else {
        say_postgres_not_run(
            "on_postgresql_spor_runs_under_a_role_that_cannot_drop_the_audit_guards",
        );
        return;
    };
    // The owner (the test server's superuser) runs the migrations and builds the lists'
    // indexes; the application's role only reads and writes rows.
    let b = Backend::postgres(&admin).await;
    web(&b).await.prepare_lists().await.unwrap();
    let role = format!("spor_app_{:016x}", fastrand::u64(..));
    raw_sql(
        &b,
        &[
            &format!("CREATE ROLE {role} LOGIN"),
            &format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
            ),
        ],
    )
    .await;
    let app_url = as_role(&b.url, &role);
    let outcome = async move {
        let s = spor_store::open_web(&app_url)
            .await
            .expect("opened by the application's role");
        s.prepare_lists().await.unwrap();
        s.set_audit_key(audit_key());
        s.append_audit(&event("login.success"), at(1))
            .await
            .unwrap();
        let r = identification("R-1", "P-1", "2026-02-01", None);
        assert!(matches!(
            s.create_record(&Record::Identification(r), &ctx("ana", 2, "case.create"))
                .await
                .unwrap(),
            WriteOutcome::Done(1)
        ));
        // A large first import (the key and indexes of an empty table are dropped for the
        // COPY when the role owns the table) lands under this role too, with the key and
        // index left in place.
        let assessments: Vec<_> = (0..12_000)
            .map(|i| assessment(&format!("A-{i:05}"), &format!("P-{i:05}"), "2026-02-02"))
            .collect();
        let batch = spor_core::ImportBatch {
            assessments,
            ..Default::default()
        };
        let stream = s.begin_import_stream().await.expect("PostgreSQL streams");
        let summary = tokio::task::spawn_blocking(move || {
            stream.send(batch.clone(), [false, true, false, false]);
            stream.finish(&batch, Vec::new)
        })
        .await
        .unwrap()
        .expect("imported under the application's role");
        assert_eq!(summary.assessments.inserted, 12_000);
        let pool = sqlx::PgPool::connect(&app_url).await.unwrap();
        for q in [
            "TRUNCATE audit_events",
            "DELETE FROM audit_events",
            "UPDATE audit_events SET actor = 'x'",
            "ALTER TABLE audit_events DISABLE TRIGGER USER",
            "DROP TRIGGER audit_events_no_change ON audit_events",
            "DROP TABLE audit_events",
        ] {
            assert!(
                sqlx::query(sqlx::AssertSqlSafe(q))
                    .execute(&pool)
                    .await
                    .is_err(),
                "the application's role could: {q}"
            );
        }
        pool.close().await;
        assert_eq!(
            s.verify_audit().await.unwrap(),
            ChainStatus::Intact { events: 2 }
        );
    };
    let result = tokio::spawn(outcome).await;
    raw_sql(&b, &[&format!("DROP OWNED BY {role}")]).await;
    if let Raw::Postgres(p) = &b.raw {
        let mut admin_conn = p.acquire().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE {role}")))
            .execute(&mut *admin_conn)
            .await
            .unwrap();
    }
    result.unwrap();
}

async fn total_events(s: &dyn WebStore) -> i64 {
    s.audit_events(&AuditFilter::default(), 1, 0)
        .await
        .unwrap()
        .total
}

/// Accounts, settings and codes change together with their audit event: an event that
/// cannot be appended (here: a keyed trail and no key) leaves the change unmade.
#[tokio::test]
async fn an_audited_change_and_its_event_are_written_together_or_not_at_all_on_every_backend() {
    for b in backends("an_audited_change_and_its_event_are_written_together_or_not_at_all").await {
        let n = b.name;
        let (s, _) = anchored_trail(&b).await;
        let keyless = web(&b).await;
        let update = UserUpdate {
            roles: Some("admin".into()),
            ..UserUpdate::default()
        };
        let entry = spor_core::CodeBook::with_additions(vec![])
            .check_addition("referral_actor", "union", "Fagforening", "Trade union")
            .unwrap();
        let changes = [
            AuditedChange::CreateUser {
                name: "bo",
                roles: "analyst",
                password_hash: "hash-1",
            },
            AuditedChange::UpdateUser {
                name: "bo",
                update: &update,
            },
            AuditedChange::SetMicrodataFrom(Some(2021)),
            AuditedChange::AddCode(&entry),
        ];
        for (i, change) in changes.iter().enumerate() {
            let before = total_events(s.as_ref()).await;
            let refused = keyless
                .change_audited(change, &event("user.create"), at(30 + i as u32))
                .await;
            assert!(
                matches!(refused, Err(StoreError::AuditKeyNeeded)),
                "{n}: {change:?}: {refused:?}"
            );
            assert_eq!(total_events(s.as_ref()).await, before, "{n}: {change:?}");
            // Nothing of the change was written either.
            match change {
                AuditedChange::CreateUser { .. } => {
                    assert!(s.user("bo").await.unwrap().is_none(), "{n}")
                }
                AuditedChange::SetMicrodataFrom(_) => {
                    assert_eq!(s.microdata_from().await.unwrap(), None, "{n}")
                }
                AuditedChange::AddCode(_) => {
                    assert!(s.code_additions().await.unwrap().is_empty(), "{n}")
                }
                _ => {}
            }
            // With the key: the change and one event.
            assert!(
                s.change_audited(change, &event("user.create"), at(40 + i as u32))
                    .await
                    .unwrap(),
                "{n}: {change:?}"
            );
            assert_eq!(
                total_events(s.as_ref()).await,
                before + 1,
                "{n}: {change:?}"
            );
        }
        assert_eq!(s.user("bo").await.unwrap().unwrap().roles, "admin", "{n}");
        assert_eq!(s.microdata_from().await.unwrap(), Some(2021), "{n}");
        // A change that does not apply writes no event.
        let before = total_events(s.as_ref()).await;
        let nobody = AuditedChange::UpdateUser {
            name: "nobody",
            update: &update,
        };
        assert!(
            !s.change_audited(&nobody, &event("user.update"), at(50))
                .await
                .unwrap(),
            "{n}"
        );
        assert_eq!(total_events(s.as_ref()).await, before, "{n}");
        assert_eq!(
            s.verify_audit().await.unwrap(),
            ChainStatus::Intact {
                events: before as u64
            },
            "{n}"
        );
    }
}

fn release_of(year: i32, pdf: &[u8]) -> spor_store::releases::NewRelease {
    use spor_store::releases::{NewRelease, ReleaseFile};
    NewRelease {
        year,
        profile: "internal".into(),
        published_by: "ana".into(),
        published_at: at(5),
        register_change: Some(at(4)),
        policy: None,
        manifest: "{\"year\": 2025}\n".into(),
        files: vec![
            ReleaseFile::new("overview-2025.json", "json", b"{\"year\": 2025}\n".to_vec()),
            ReleaseFile::new("overview-2025.pdf", "pdf", pdf.to_vec()),
            ReleaseFile::new("overview-2025/a.csv", "csv", "\u{feff}a;b\r\n".into()),
        ],
    }
}

#[tokio::test]
async fn a_release_is_kept_as_published_audited_and_immutable_on_every_backend() {
    for b in backends("a_release_is_kept_as_published_audited_and_immutable_on_every_backend").await
    {
        let s = web(&b).await;
        let n = b.name;
        // Every byte value, as a PDF has them.
        let pdf: Vec<u8> = (0..=255u8).cycle().take(4000).collect();
        let event = NewAuditEvent {
            code: "release.publish".into(),
            actor: Some("ana".into()),
            ..NewAuditEvent::default()
        };
        let first = s
            .publish_release(&release_of(2025, &pdf), &event)
            .await
            .unwrap();
        let second = s
            .publish_release(&release_of(2024, b"%PDF"), &event)
            .await
            .unwrap();
        assert_eq!((first, second), (1, 2), "{n}: ids count up");

        let rows = s.releases().await.unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.id, r.year)).collect::<Vec<_>>(),
            [(2, 2024), (1, 2025)],
            "{n}: newest first"
        );
        let row = s.release(1).await.unwrap().expect("release 1");
        assert_eq!(
            (
                row.published_by.as_str(),
                row.published_at,
                row.register_change
            ),
            ("ana", at(5), Some(at(4))),
            "{n}"
        );
        let files = s.release_files(1).await.unwrap();
        let mut expected = release_of(2025, &pdf).files;
        expected.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(files, expected, "{n}: every file back byte for byte");
        assert!(s.release(3).await.unwrap().is_none(), "{n}");
        assert!(s.release_files(3).await.unwrap().is_empty(), "{n}");

        // The event is in the chain, naming the release.
        let events = s
            .audit_events(&AuditFilter::default(), 10, 0)
            .await
            .unwrap();
        assert_eq!(
            events
                .items
                .iter()
                .map(|e| (e.code.as_str(), e.target.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("release.publish", Some("2")),
                ("release.publish", Some("1"))
            ],
            "{n}"
        );
        assert_eq!(
            s.verify_audit().await.unwrap(),
            ChainStatus::Intact { events: 2 },
            "{n}"
        );

        // Past the store, the database itself refuses to change what was published.
        let mut refused = vec![
            "UPDATE releases SET year = 2020 WHERE id = 1",
            "DELETE FROM releases WHERE id = 2",
            "UPDATE release_files SET content = 'AAAA' WHERE release_id = 1",
            "DELETE FROM release_files WHERE release_id = 1",
        ];
        if n == "postgres" {
            refused.push("TRUNCATE release_files, releases");
        }
        for sql in refused {
            let e = b.execute_raw(sql).await.expect_err(sql);
            assert!(
                e.to_string().contains("a published release is immutable"),
                "{n}: {sql}: {e}"
            );
        }
        assert_eq!(
            s.release_files(1).await.unwrap(),
            expected,
            "{n}: unchanged"
        );
    }
}

#[tokio::test]
async fn a_copy_carries_the_releases_byte_for_byte() {
    let source = Backend::sqlite().await;
    let s = web(&source).await;
    let pdf: Vec<u8> = (0..=255u8).rev().cycle().take(1000).collect();
    s.publish_release(&release_of(2025, &pdf), &NewAuditEvent::default())
        .await
        .unwrap();
    let target = Backend::sqlite().await;
    let outcome = spor_store::copy_register(source.store.as_ref(), target.store.as_ref())
        .await
        .unwrap();
    assert_eq!(
        (outcome.rows("releases"), outcome.rows("release_files")),
        (1, 3)
    );
    let t = web(&target).await;
    assert_eq!(
        t.release_files(1).await.unwrap(),
        s.release_files(1).await.unwrap()
    );
    assert_eq!(t.release(1).await.unwrap(), s.release(1).await.unwrap());
}

#[tokio::test]
async fn persons_of_another_team_are_left_out_of_lists_and_search_until_access_is_granted_on_every_backend()
 {
    for b in backends("teams_lists_search_and_grants").await {
        let s = web(&b).await;
        let n = b.name;
        for (case, person) in [("C-1", "P-NORTH"), ("C-2", "P-SOUTH"), ("C-3", "P-NONE")] {
            s.create_record(
                &Record::Identification(identification(case, person, "2026-02-01", None)),
                &ctx("bo", 1, "case.create"),
            )
            .await
            .unwrap();
        }
        s.create_record(
            &Record::Assessment(assessment("A-1", "P-SOUTH", "2026-01-05")),
            &ctx("bo", 1, "assessment.create"),
        )
        .await
        .unwrap();
        assert!(
            s.claim_person_team("P-NORTH", "north", "bo", at(2))
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            s.claim_person_team("P-SOUTH", "south", "bo", at(2))
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            !s.claim_person_team("P-SOUTH", "north", "bo", at(3))
                .await
                .unwrap(),
            "{n}: a person in a team is not claimed again"
        );
        assert_eq!(
            s.person_team("P-SOUTH").await.unwrap().as_deref(),
            Some("south"),
            "{n}"
        );
        assert_eq!(s.person_team("P-NONE").await.unwrap(), None, "{n}");

        let of = |team: Option<&str>| RecordFilter {
            team: team.map(str::to_string),
            ..Default::default()
        };
        let cases =
            |p: spor_store::web::Page<spor_store::web::Versioned<spor_core::Identification>>| {
                let mut v: Vec<String> = p
                    .items
                    .iter()
                    .map(|v| v.record.case_ref.to_string())
                    .collect();
                v.sort();
                (v, p.total)
            };
        assert_eq!(
            cases(
                s.list_identifications(&of(Some("north")), 10, 0)
                    .await
                    .unwrap()
            ),
            (vec!["C-1".to_string(), "C-3".to_string()], 2),
            "{n}: north sees its own person and the one in no team"
        );
        assert_eq!(
            cases(s.list_identifications(&of(None), 10, 0).await.unwrap()),
            (
                vec!["C-1".to_string(), "C-2".to_string(), "C-3".to_string()],
                3
            ),
            "{n}: no team sees every person"
        );
        assert_eq!(
            s.list_assessments(&of(Some("north")), 10, 0)
                .await
                .unwrap()
                .total,
            0,
            "{n}: south's interview is not listed to north"
        );
        let found = |hits: Vec<spor_store::web::SearchHit>| {
            let mut v: Vec<String> = hits.into_iter().map(|h| h.key).collect();
            v.sort();
            v
        };
        assert_eq!(
            found(s.search_refs("p-", 10, Some("north")).await.unwrap()),
            ["P-NONE", "P-NORTH"],
            "{n}: search leaves out south's person"
        );
        assert_eq!(
            found(s.search_refs("c-2", 10, Some("north")).await.unwrap()),
            Vec::<String>::new(),
            "{n}: and its decision"
        );
        assert_eq!(
            found(s.search_refs("p-", 10, None).await.unwrap()).len(),
            3,
            "{n}"
        );

        // Access to another team's person: granted with the event, for a session, until
        // it expires or the session ends.
        s.create_user("bo", "caseworker", "hash", at(0))
            .await
            .unwrap();
        let session = SessionRow {
            id_hash: "sess-1".into(),
            user_name: "bo".into(),
            csrf_token: "t".into(),
            created_at: at(0),
            last_seen_at: at(0),
            expires_at: at(59),
            verified_at: Some(at(0)),
        };
        s.create_session(&session).await.unwrap();
        assert!(
            !s.has_access_grant("sess-1", "P-SOUTH", at(10))
                .await
                .unwrap(),
            "{n}"
        );
        let grant = AuditedChange::GrantAccess {
            session_hash: "sess-1",
            person_ref: "P-SOUTH",
            reason: "covering for a colleague",
            expires_at: at(40),
        };
        assert!(
            s.change_audited(&grant, &event("access.break_glass"), at(10))
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            s.has_access_grant("sess-1", "P-SOUTH", at(39))
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            !s.has_access_grant("sess-1", "P-SOUTH", at(40))
                .await
                .unwrap(),
            "{n}: expired"
        );
        assert!(
            !s.has_access_grant("sess-1", "P-NORTH", at(20))
                .await
                .unwrap(),
            "{n}: that person only"
        );
        let no_session = AuditedChange::GrantAccess {
            session_hash: "gone",
            person_ref: "P-SOUTH",
            reason: "r",
            expires_at: at(40),
        };
        assert!(
            !s.change_audited(&no_session, &event("access.break_glass"), at(10))
                .await
                .unwrap(),
            "{n}: no grant without a session"
        );
        s.delete_session("sess-1").await.unwrap();
        assert!(
            !s.has_access_grant("sess-1", "P-SOUTH", at(20))
                .await
                .unwrap(),
            "{n}: the grant ends with the session"
        );

        // A person moved to another team, and to none.
        let moved = AuditedChange::SetPersonTeam {
            person_ref: "P-SOUTH",
            team: Some("north"),
            by: "cli:x",
        };
        assert!(
            s.change_audited(&moved, &event("person.team"), at(30))
                .await
                .unwrap(),
            "{n}"
        );
        assert_eq!(
            s.person_team("P-SOUTH").await.unwrap().as_deref(),
            Some("north"),
            "{n}"
        );
        let none = AuditedChange::SetPersonTeam {
            person_ref: "P-SOUTH",
            team: None,
            by: "cli:x",
        };
        assert!(
            s.change_audited(&none, &event("person.team"), at(31))
                .await
                .unwrap(),
            "{n}"
        );
        assert_eq!(s.person_team("P-SOUTH").await.unwrap(), None, "{n}");
        let user_team = UserUpdate {
            team: Some(Some("south".into())),
            ..Default::default()
        };
        s.update_user("bo", &user_team, at(32)).await.unwrap();
        assert_eq!(
            s.user("bo").await.unwrap().unwrap().team.as_deref(),
            Some("south"),
            "{n}"
        );
        let cleared = UserUpdate {
            team: Some(None),
            ..Default::default()
        };
        s.update_user("bo", &cleared, at(33)).await.unwrap();
        assert_eq!(s.user("bo").await.unwrap().unwrap().team, None, "{n}");
    }
}

/// Appends from many requests at once share transactions (group commit) but each caller
/// still gets its own event back, committed, in one unbroken chain.
#[tokio::test]
async fn concurrent_appends_each_get_their_own_committed_event_on_every_backend() {
    for b in backends("concurrent_appends_each_get_their_own_committed_event").await {
        let n = b.name;
        let s: std::sync::Arc<dyn WebStore> = web(&b).await.into();
        s.set_audit_key(audit_key());
        let calls: Vec<_> = (0..64u32)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut e = event("case.list");
                    e.target = Some(format!("T-{i}"));
                    (i, s.append_audit(&e, at(i % 60)).await.unwrap())
                })
            })
            .collect();
        let mut given = std::collections::BTreeMap::new();
        for call in calls {
            let (i, ev) = call.await.unwrap();
            assert_eq!(ev.target, Some(format!("T-{i}")), "{n}");
            assert_eq!(ev.at, spor_store::web::stamp(at(i % 60)), "{n}");
            assert!(
                given.insert(ev.seq, ev).is_none(),
                "{n}: one event per caller"
            );
        }
        assert_eq!(
            s.verify_audit().await.unwrap(),
            ChainStatus::Intact { events: 64 },
            "{n}"
        );
        let mut stored = s
            .audit_events(&AuditFilter::default(), 100, 0)
            .await
            .unwrap()
            .items;
        stored.reverse();
        let given: Vec<_> = given.into_values().collect();
        assert_eq!(stored, given, "{n}: each caller was given the event stored");
    }
}

/// Issue 25, item 5: an import into a register in use takes the write locks only once its
/// files are read and checked, so while it reads, the web application's audited pages
/// and saves go on; both the import and what the web wrote meanwhile land, in one intact
/// audit trail with the import's own event after the web's.
#[tokio::test]
async fn pages_and_saves_go_on_while_an_import_into_a_register_in_use_reads_its_files_on_every_backend()
 {
    let waited_at_most = std::time::Duration::from_secs(5);
    for b in backends("pages_and_saves_go_on_while_an_import_reads").await {
        let n = b.name;
        let s: std::sync::Arc<dyn WebStore> = web(&b).await.into();
        s.apply_import(&sample()).await.unwrap();
        let indexes_before = indexes_of(&b, "identifications").await;
        let batch = spor_core::ImportBatch {
            identifications: many_identifications("N", 20_000, 30, "NG"),
            ..Default::default()
        };
        // The import runs as `spor import` does: its own handle on the database (on
        // SQLite that handle gives up its pool to the import's own connection).
        let importer = web(&b).await;
        let stream = importer
            .begin_import_stream()
            .await
            .expect("both backends stream");
        // The first rows are handed over (and the import's transaction is open) while the
        // rest of the "files" are still being read.
        let first = spor_core::ImportBatch {
            identifications: batch.identifications[..5_000].to_vec(),
            ..Default::default()
        };
        stream.send(first, [false; 4]);
        tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;

        let viewed =
            tokio::time::timeout(waited_at_most, s.append_audit(&event("case.list"), at(3)))
                .await
                .unwrap_or_else(|_| panic!("{n}: an audited page waited for the import's reading"))
                .unwrap();
        let saved = tokio::time::timeout(
            waited_at_most,
            s.create_record(
                &Record::Identification(identification(
                    "W-1",
                    "P-W",
                    "2023-04-04",
                    Some(Form::Sexual),
                )),
                &ctx("bo", 4, "case.create"),
            ),
        )
        .await
        .unwrap_or_else(|_| panic!("{n}: a save waited for the import's reading"))
        .unwrap();
        assert!(matches!(saved, WriteOutcome::Done(1)), "{n}: {saved:?}");

        let event = spor_store::ImportEvent {
            key: None,
            event: Box::new(|_| event("register.import")),
        };
        let summary =
            tokio::task::spawn_blocking(move || stream.finish_recorded(&batch, Vec::new, event))
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(summary.identifications.inserted, 20_000, "{n}");
        let reg = s.load_register().await.unwrap();
        assert_eq!(reg.identifications.len(), 5 + 1 + 20_000, "{n}");
        assert!(
            reg.identifications
                .iter()
                .any(|i| i.case_ref.as_str() == "W-1"),
            "{n}: the save made during the import is kept"
        );
        // The indexes dropped for the large write (more new rows than the table held)
        // are all there again.
        assert_eq!(
            indexes_of(&b, "identifications").await,
            indexes_before,
            "{n}"
        );
        assert_eq!(
            s.verify_audit().await.unwrap(),
            ChainStatus::Intact { events: 3 },
            "{n}"
        );
        let trail = s
            .audit_events(&AuditFilter::default(), 10, 0)
            .await
            .unwrap()
            .items;
        assert_eq!(
            trail[0].code, "register.import",
            "{n}: the import's event is the newest"
        );
        assert!(trail[0].seq > viewed.seq, "{n}");
    }
}

/// Issue 25, item 5, on PostgreSQL: an import into a register in use merges its rows
/// without the audit trail's lock (it takes that lock last, before its event and commit),
/// so the web's audited pages go on while it merges; a save of a record the import is
/// writing waits for the import and is then told the record changed (never a deadlock
/// error, never a lost import).
#[tokio::test]
async fn on_postgresql_pages_go_on_while_an_import_merges_and_a_save_of_a_record_it_writes_waits_for_it()
 {
    let Some(admin) = pg_admin_url() else {
        say_postgres_not_run("on_postgresql_pages_go_on_while_an_import_merges");
        return;
    };
    let b = Backend::postgres(&admin).await;
    let Raw::Postgres(pool) = &b.raw else {
        unreachable!("a PostgreSQL backend")
    };
    let s: std::sync::Arc<dyn WebStore> = web(&b).await.into();
    s.apply_import(&sample()).await.unwrap();
    let stored_a10 = s
        .record(RecordKind::Identification, "a10")
        .await
        .unwrap()
        .expect("imported");

    // The import changes `a10` (merged first) and `B2` (merged last) and adds new decisions.
    let changed = |case: &str, person: &str| {
        identification(case, person, "2023-01-09", Some(Form::ForcedLabour))
    };
    let mut identifications = vec![changed("a10", "P-1")];
    identifications.extend(many_identifications("N", 2_000, 30, "NG"));
    identifications.push(changed("B2", "P-1"));
    let batch = spor_core::ImportBatch {
        identifications,
        ..Default::default()
    };

    // Another transaction holds `B2`: the import's merge stops there, having written `a10`.
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM identifications WHERE case_ref = 'B2' FOR UPDATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let importer = web(&b).await;
    let stream = importer.begin_import_stream().await.unwrap();
    let import = tokio::task::spawn_blocking(move || stream.finish(&batch, Vec::new));
    let mut merging = false;
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO identifications %'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            merging = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(merging, "the import's merge was never seen waiting for B2");

    // Pages go on while the import merges.
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        s.append_audit(&event("case.list"), at(5)),
    )
    .await
    .expect("an audited page waited for the import's merge")
    .unwrap();

    // A save of `a10`, which the import has written, waits for the import.
    let mut edited = stored_a10.record.clone();
    if let Record::Identification(i) = &mut edited {
        i.age = Some(41);
    }
    let saver = {
        let s = s.clone();
        tokio::spawn(async move {
            s.update_record(&edited, stored_a10.version, &ctx("bo", 6, "case.update"))
                .await
        })
    };
    // The save keeps waiting (past its 8 quick retries: the merge takes long), giving the
    // audit lock up every half second, so pages still answer meanwhile.
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    tokio::time::timeout(
        std::time::Duration::from_secs(2),
        s.append_audit(&event("case.list"), at(7)),
    )
    .await
    .expect("an audited page waited for a save that waits for the import")
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(4_000)).await;
    assert!(!saver.is_finished(), "the save waits for the import");
    holder.commit().await.unwrap();

    let summary = import
        .await
        .unwrap()
        .expect("the import finishes although a save waited for one of its records");
    assert_eq!(summary.identifications.inserted, 2_000);
    assert_eq!(summary.identifications.updated, 2);
    let saved = saver
        .await
        .unwrap()
        .expect("the save gets an answer, not an error");
    assert!(
        matches!(saved, WriteOutcome::Stale { current: 2 }),
        "the save is told the import changed the record: {saved:?}"
    );
    let now = s
        .record(RecordKind::Identification, "a10")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(
        s.verify_audit().await.unwrap(),
        ChainStatus::Intact { events: 2 }
    );
}

/// The names and definitions of `table`'s indexes, as the database lists them.
async fn indexes_of(b: &Backend, table: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = match &b.raw {
        Raw::Sqlite(p) => sqlx::query_as(
            "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name = $1",
        )
        .bind(table)
        .fetch_all(p)
        .await
        .unwrap(),
        Raw::Postgres(p) => {
            sqlx::query_as("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1")
                .bind(table)
                .fetch_all(p)
                .await
                .unwrap()
        }
    };
    found.sort();
    assert!(found.len() >= 2, "{table}: {found:?}");
    found
}

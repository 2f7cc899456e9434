//! The web application's storage story: accounts, sessions, the audit chain and record
//! edits give the same results on every backend (SQLite always, PostgreSQL when
//! `SPOR_TEST_POSTGRES_URL` is set; see `story.rs`).

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use spor_core::Form;
use spor_store::web::{
    AuditFilter, ChainStatus, ChangeContext, NewAuditEvent, Record, RecordFilter, RecordKind,
    SearchKind, SecondFactorUpdate, SessionRow, UserUpdate, WebStore, WriteOutcome,
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
        // Failed logins count in the database: the third locks, and the count starts again.
        for locks in [false, false, true, false] {
            assert_eq!(
                s.count_failed_login("ana", 3, at(50), at(4)).await.unwrap(),
                Some(locks),
                "{n}"
            );
        }
        let ana = s.user("ana").await.unwrap().unwrap();
        assert_eq!(
            (ana.failed_logins, ana.locked_until),
            (1, Some(at(50))),
            "{n}"
        );
        assert_eq!(
            s.count_failed_login("nobody", 3, at(50), at(4))
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
        let hits = s.search_refs("0233", 10).await.unwrap();
        assert_eq!(hits.len(), 1, "{n}");
        assert_eq!(hits[0].kind, SearchKind::Person, "{n}");
        assert_eq!(hits[0].key, "P-2023-0233", "{n}");
        let hits = s.search_refs("c-2023", 10).await.unwrap();
        assert_eq!(hits.len(), 1, "{n}");
        assert_eq!(
            hits[0].kind,
            SearchKind::Record(RecordKind::Identification),
            "{n}"
        );
        assert_eq!(hits[0].person.as_deref(), Some("P-2023-0233"), "{n}");
        assert!(
            s.search_refs("h-_", 10).await.unwrap().is_empty(),
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
    assert!(s.user("ana").await.unwrap().is_some(), "{what}");
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

//! The audit trail of requests: the events (`spor_app::audit::Event`) with the request's
//! user and address.

use spor_store::web::NewAuditEvent;

use crate::AppState;
use crate::auth::RequestInfo;

pub use spor_app::audit::Event;

/// Builds an event for the request's user and address.
pub(crate) fn event(
    info: &RequestInfo,
    actor: Option<&str>,
    e: Event,
    target: Option<&str>,
    detail: Option<String>,
) -> NewAuditEvent {
    spor_app::audit::Actor {
        name: actor,
        address: &info.address,
    }
    .event(e, target, detail)
}

/// Appends an event. A failure to audit is logged (without the event's content) and the
/// request fails: an action that cannot be audited does not happen silently.
pub(crate) async fn record(
    state: &AppState,
    ev: NewAuditEvent,
) -> Result<(), crate::pages::AppError> {
    spor_app::audit::record(state.store.as_ref(), &ev, state.now())
        .await
        .map_err(|_| crate::pages::AppError::Internal)
}

//! Storing a TAXII add after its answer. Each add is stored in a task of
//! its own (a client that goes away does not cancel an add half done),
//! holding its place among the admitted jobs (`http/jobs.rs`) until it is
//! done. Its status completes in the add's own transaction; when the add
//! runs past `taxii_add_timeout_secs`, the server stops first, or the
//! store fails, the add is dropped (its transaction rolls back) and the
//! status completes with each object failed and the reason. So no add is
//! lost silently: a status says what was stored, or why not.

use std::sync::Arc;

use renkei_core::Actor;
use renkei_core::model::Collection;
use renkei_store::Store;
use renkei_store::intel::{AddAbandoned, AddOutcome, Echo, NewStixVersion};
use tokio::time::Instant;

use crate::http::jobs::Ticket;

/// Seconds a client refused because every add place is taken is asked to
/// wait: adds take seconds, not milliseconds.
pub(super) const RETRY_AFTER_SECS: u16 = 5;

/// One add to store for the pending status `status`.
#[derive(Debug)]
pub(super) struct Add {
    pub store: Arc<dyn Store>,
    pub actor: Actor,
    pub collection: Collection,
    pub valid: Vec<NewStixVersion>,
    pub status: String,
    /// What failed validation, reported with what the add stores.
    pub prior: AddOutcome,
    /// Exact repeats of objects of the add, stored once.
    pub echoes: Vec<Echo>,
    /// Past this the add is abandoned.
    pub deadline: Instant,
}

/// Stores the add once a running place is free; its whole outcome, or
/// `None` when its status completed failed (then each object says why).
pub(super) async fn store(add: Add, ticket: Ticket) -> Option<AddOutcome> {
    let Add {
        store,
        actor,
        collection,
        valid,
        status,
        prior,
        echoes,
        deadline,
    } = add;
    let given_up = ticket.given_up();
    let storing = async {
        let _running = ticket.running().await;
        store
            .add_stix_for_status(&actor, &collection, valid, &status, prior, echoes)
            .await
    };
    let why = tokio::select! {
        biased;
        () = given_up => AddAbandoned::Shutdown,
        r = tokio::time::timeout_at(deadline, storing) => match r {
            // `None`: failed meanwhile (its process was taken for stopped).
            Ok(Ok(done)) => return done,
            Ok(Err(e)) => {
                tracing::error!(error = %e, status = %status, "TAXII add failed");
                AddAbandoned::Failed
            }
            Err(_) => AddAbandoned::TimedOut,
        },
    };
    tracing::warn!(status = %status, reason = ?why, "TAXII add not stored");
    if let Err(e) = store.fail_status(&status, why).await {
        // Left pending; the next retention round or start fails it.
        tracing::error!(error = %e, status = %status, "could not complete TAXII status");
    }
    drop(ticket);
    None
}

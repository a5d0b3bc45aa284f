//! TLP:RED's named recipients as importers give them (e-mail addresses or
//! user ids), each checked to be an active user, and who an import is
//! stored as: a token a person created acts for that person.

use renkei_core::{Actor, Email, UserId};
use renkei_store::{Store, StoreError};

/// The most people one import may name.
pub const MAX_RECIPIENTS: usize = 100;

/// Why the recipients were refused; nothing is stored.
#[derive(Debug, thiserror::Error)]
pub enum RecipientError {
    /// Entries that are neither an e-mail address nor a user id, or name
    /// no active user; each as given.
    #[error("no such recipient: {}", .0.join(", "))]
    Unknown(Vec<String>),
    #[error("at most {MAX_RECIPIENTS} recipients")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `spec` (`alice@example.jp, 12`, separated by commas, semicolons or
/// blanks) into user ids, each an active user. Any that is not refuses them
/// all, naming every one.
pub async fn resolve(store: &dyn Store, spec: &str) -> Result<Vec<UserId>, RecipientError> {
    let parts: Vec<&str> = spec
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > MAX_RECIPIENTS {
        return Err(RecipientError::TooMany);
    }
    let mut users = Vec::new();
    let mut unknown = Vec::new();
    for part in parts {
        let user = match part.strip_prefix("user:").unwrap_or(part).parse::<i64>() {
            Ok(id) => match store.get_user(UserId(id)).await {
                Ok(u) => Some(u),
                Err(StoreError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
            // The one look-up by address the directory offers; its password
            // hash is dropped here unread.
            Err(_) => match Email::parse(part) {
                Ok(e) => store.credentials(&e).await?.map(|c| c.user),
                Err(_) => None,
            },
        };
        match user {
            Some(u) if u.active => {
                if !users.contains(&u.id) {
                    users.push(u.id);
                }
            }
            _ => unknown.push(part.to_owned()),
        }
    }
    if unknown.is_empty() {
        Ok(users)
    } else {
        Err(RecipientError::Unknown(unknown))
    }
}

/// Who an import by `actor` is stored as. A token a person created acts
/// for that person while they are an active user of the token's
/// organisation: what it shares names them as sharer (`created_by`), so
/// they can read and delete it, and it may share TLP:RED to named
/// recipients. A token nobody created (the command line's) shares in the
/// organisation's name only, and RED, which is shared by a person, is
/// refused for it.
pub async fn sharing_actor(
    store: &dyn Store,
    actor: &Actor,
    token_creator: Option<UserId>,
) -> Result<Actor, StoreError> {
    let mut actor = actor.clone();
    if actor.viewer.user.is_none()
        && let Some(id) = token_creator
    {
        let u = store.get_user(id).await?;
        if u.active && Some(u.org) == actor.viewer.org {
            actor.viewer.user = Some(u.id);
        }
    }
    Ok(actor)
}

//! `renkei admin`: the directory — organisations, users, communities,
//! memberships, supply-chain links, API tokens, collections and webhooks —
//! and accounts' lifecycle: revoking tokens, ending memberships and
//! sessions, deactivating users, passwords and reset links.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use renkei_core::model::{NewCommunity, NewOrg, NewUser};
use renkei_core::{
    Actor, CommunityId, Email, OrgId, OrgKind, Prefecture, Role, Sector, SupplyLink, Timestamp,
    UserId,
};
use renkei_server::Settings;
use renkei_store::Store;
use renkei_store::accounts::Sessions;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Add an organisation.
    OrgCreate {
        #[arg(long)]
        name_ja: String,
        #[arg(long)]
        name_en: String,
        /// coordinator, operator, local_government, supplier, vendor, security_provider
        #[arg(long)]
        kind: String,
        #[arg(long)]
        sector: Option<String>,
        /// JIS code or name
        #[arg(long)]
        prefecture: Option<String>,
    },
    /// Add a user; the password comes from RENKEI_PASSWORD or is generated and printed.
    UserCreate {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, coordinator_analyst, reporter, viewer
        #[arg(long)]
        role: String,
    },
    /// Add a community with its confidentiality terms (version and text).
    CommunityCreate {
        #[arg(long)]
        name_ja: String,
        #[arg(long)]
        name_en: String,
        #[arg(long)]
        terms_version: String,
        #[arg(long, default_value = "")]
        description: String,
        /// The terms' text, shown to members before they accept.
        #[arg(long, default_value = "", conflicts_with = "terms_file")]
        terms_text: String,
        /// A UTF-8 file holding the terms' text.
        #[arg(long)]
        terms_file: Option<PathBuf>,
    },
    /// Make an organisation a member of a community (it still has to accept the terms).
    MembershipAdd {
        #[arg(long)]
        community: i64,
        #[arg(long)]
        org: i64,
    },
    /// Record a supply-chain link customer → contractor.
    LinkAdd {
        #[arg(long)]
        customer: i64,
        #[arg(long)]
        contractor: i64,
        #[arg(long, default_value_t = 1)]
        tier: i64,
    },
    /// Mark a local_government organisation (with a prefecture) as its
    /// prefecture's government: its coordinators relay alerts to the other
    /// local governments of the prefecture. One per prefecture.
    PrefecturalGovernment {
        #[arg(long)]
        org: i64,
        /// Remove the mark instead.
        #[arg(long)]
        unset: bool,
    },
    /// Create an API bearer token; the secret is printed once.
    TokenCreate {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Add a TAXII collection to a community's API root.
    CollectionCreate {
        #[arg(long)]
        community: i64,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// TLP for objects that arrive without a TLP marking.
        #[arg(long, default_value = "GREEN")]
        default_tlp: String,
    },
    /// Register a webhook for an organisation; prints its id and signing secret (once).
    WebhookCreate {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        url: String,
        /// The server's configuration file, for `webhook_secret_key` (also
        /// read from `RENKEI__WEBHOOK_SECRET_KEY`), so that the secret is
        /// stored sealed as the server would store it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Revoke an API token: it is refused from its next request on.
    TokenRevoke {
        #[arg(long)]
        id: i64,
    },
    /// End a community membership.
    MembershipEnd {
        #[arg(long)]
        id: i64,
    },
    /// Deactivate a user: their sessions end and the tokens they created stop working.
    UserDeactivate {
        #[arg(long)]
        user: i64,
    },
    /// Let a deactivated user sign in again.
    UserReactivate {
        #[arg(long)]
        user: i64,
    },
    /// End a user's sessions: all of them, or the one named.
    SessionsEnd {
        #[arg(long)]
        user: i64,
        /// A session id (from `renkei admin sessions`); all when omitted.
        #[arg(long)]
        session: Option<String>,
    },
    /// List a user's live sessions.
    Sessions {
        #[arg(long)]
        user: i64,
    },
    /// Set a user's password (from RENKEI_PASSWORD, or generated and
    /// printed); every session of the user ends.
    UserPassword {
        #[arg(long)]
        user: i64,
    },
    /// Issue a one-time password-reset link (valid 24 hours) and print it.
    PasswordReset {
        #[arg(long)]
        user: i64,
        /// The server's public address, e.g. `https://renkei.example.jp`
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// List organisations and users.
    List,
}

/// Runs one administration command as the system actor `cli`.
pub async fn run(store: &dyn Store, command: AdminCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        AdminCommand::OrgCreate {
            name_ja,
            name_en,
            kind,
            sector,
            prefecture,
        } => {
            let o = store
                .create_org(
                    &actor,
                    NewOrg {
                        name_ja,
                        name_en,
                        kind: OrgKind::parse(&kind)?,
                        sector: sector.map(|s| Sector::parse(&s)).transpose()?,
                        prefecture: prefecture.map(|p| Prefecture::parse(&p)).transpose()?,
                    },
                )
                .await?;
            println!("organisation {} created: {}", o.id, o.name_ja);
        }
        AdminCommand::UserCreate {
            org,
            email,
            name,
            role,
        } => {
            let (password, generated) = match std::env::var("RENKEI_PASSWORD") {
                Ok(p) => (p, false),
                Err(_) => (
                    renkei_server::http::auth::random_secret()[..20].to_owned(),
                    true,
                ),
            };
            renkei_server::http::auth::check_password_for(&password, Some(&email))?;
            let u = store
                .create_user(
                    &actor,
                    NewUser {
                        org: OrgId(org),
                        email: Email::parse(&email)?,
                        display_name: name,
                        role: Role::parse(&role)?,
                        password_hash: renkei_server::http::auth::hash_password(&password)?,
                    },
                )
                .await?;
            println!("user {} created: {}", u.id, u.email);
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::CommunityCreate {
            name_ja,
            name_en,
            terms_version,
            description,
            terms_text,
            terms_file,
        } => {
            let terms_text = match terms_file {
                Some(path) => std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?,
                None => terms_text,
            };
            let c = store
                .create_community(
                    &actor,
                    NewCommunity {
                        name_ja,
                        name_en,
                        description,
                        terms_version,
                        terms_text,
                    },
                )
                .await?;
            println!("community {} created: {}", c.id, c.name_ja);
        }
        AdminCommand::MembershipAdd { community, org } => {
            let m = store
                .add_membership(&actor, CommunityId(community), OrgId(org))
                .await?;
            println!(
                "membership {} created; an administrator of organisation {org} must accept the terms",
                m.id
            );
        }
        AdminCommand::LinkAdd {
            customer,
            contractor,
            tier,
        } => {
            store
                .add_supply_link(
                    &actor,
                    SupplyLink::new(OrgId(customer), OrgId(contractor), tier)?,
                )
                .await?;
            println!("link recorded: {customer} → {contractor} (tier {tier})");
        }
        AdminCommand::PrefecturalGovernment { org, unset } => {
            store
                .set_prefectural_government(&actor, OrgId(org), !unset)
                .await?;
            let state = if unset { "no longer" } else { "now" };
            println!("organisation {org} is {state} its prefecture's government");
        }
        AdminCommand::TokenCreate { org, name, role } => {
            let role = Role::parse(&role)?;
            if role == Role::Admin {
                bail!("role: tokens cannot administer; use reporter or viewer");
            }
            let secret = format!(
                "{}{}",
                renkei_server::http::auth::TOKEN_PREFIX,
                renkei_server::http::auth::random_secret()
            );
            let t = store
                .create_api_token(
                    &actor,
                    OrgId(org),
                    &name,
                    role,
                    &renkei_server::http::auth::secret_hash(&secret),
                )
                .await?;
            println!(
                "token {} created for organisation {org}; secret (shown once):\n{secret}",
                t.id
            );
        }
        AdminCommand::CollectionCreate {
            community,
            title,
            description,
            default_tlp,
        } => {
            let c = store
                .create_collection(
                    &actor,
                    renkei_core::model::NewCollection {
                        community: CommunityId(community),
                        title,
                        description,
                        default_tlp: renkei_core::Tlp::parse(&default_tlp)?,
                    },
                )
                .await?;
            println!(
                "collection {} created in API root community-{community}",
                c.id
            );
        }
        AdminCommand::WebhookCreate { org, url, config } => {
            let key = Settings::load(config.as_deref())
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .webhook_seal_key()?;
            if key.is_none() {
                eprintln!("warning: webhook_secret_key is not set: the secret is stored unsealed");
            }
            let (w, secret) = renkei_server::share::webhooks::create_for_org(
                store,
                key.as_ref(),
                OrgId(org),
                &url,
            )
            .await?;
            println!(
                "webhook {} created for organisation {org}; signing secret (shown once):\n{secret}",
                w.id
            );
        }
        AdminCommand::TokenRevoke { id } => {
            let t = store.revoke_api_token(&actor, id).await?;
            println!(
                "token {} ({}) of organisation {} revoked",
                t.id, t.name, t.org
            );
        }
        AdminCommand::MembershipEnd { id } => {
            let m = store.end_membership(&actor, id).await?;
            println!(
                "membership {} of organisation {} in community {} ended",
                m.id, m.org, m.community
            );
        }
        AdminCommand::UserDeactivate { user } => {
            let u = store.deactivate_user(&actor, UserId(user)).await?;
            println!("user {} ({}) deactivated", u.id, u.email);
        }
        AdminCommand::UserReactivate { user } => {
            let u = store.reactivate_user(&actor, UserId(user)).await?;
            println!("user {} ({}) reactivated", u.id, u.email);
        }
        AdminCommand::SessionsEnd { user, session } => {
            let which = match &session {
                Some(id) => Sessions::One(id),
                None => Sessions::All,
            };
            let n = store.end_sessions(&actor, UserId(user), which).await?;
            println!("{n} sessions of user {user} ended");
        }
        AdminCommand::Sessions { user } => {
            let list = store
                .list_sessions(&actor, UserId(user), Timestamp::now())
                .await?;
            for x in list {
                println!(
                    "session {}  since {}  until {}",
                    x.id,
                    x.created_at.to_rfc3339(),
                    x.expires_at.to_rfc3339()
                );
            }
        }
        AdminCommand::UserPassword { user } => {
            let u = store.get_user(UserId(user)).await?;
            let (password, generated) = match std::env::var("RENKEI_PASSWORD") {
                Ok(p) => (p, false),
                Err(_) => (
                    renkei_server::http::auth::random_secret()[..20].to_owned(),
                    true,
                ),
            };
            renkei_server::http::auth::check_password_for(&password, Some(u.email.as_str()))?;
            let hash = renkei_server::http::auth::hash_password(&password)?;
            store.set_password(&actor, u.id, &hash, None).await?;
            println!(
                "password of user {} ({}) set; their sessions ended",
                u.id, u.email
            );
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::PasswordReset { user, base_url } => {
            let secret = renkei_server::http::auth::random_secret();
            let expires = Timestamp::now().plus_seconds(24 * 3600);
            let r = store
                .create_password_reset(
                    &actor,
                    UserId(user),
                    &renkei_server::http::auth::secret_hash(&secret),
                    expires,
                )
                .await?;
            println!(
                "reset link for user {} (shown once; valid until {}):\n{}/reset/{secret}",
                r.user,
                expires.to_rfc3339(),
                base_url.trim_end_matches('/')
            );
        }
        AdminCommand::List => {
            for c in store.list_collections().await? {
                println!(
                    "collection {}  community {}  {}",
                    c.id, c.community, c.title
                );
            }
            for o in store.list_orgs().await? {
                println!("org {:>3}  {:<20} {}", o.id, o.kind, o.name_ja);
                for u in store.list_users(Some(o.id)).await? {
                    let state = if u.active { "" } else { "  (deactivated)" };
                    println!(
                        "         user {:>3}  {:<20} {}{state}",
                        u.id, u.role, u.email
                    );
                }
            }
        }
    }
    Ok(())
}

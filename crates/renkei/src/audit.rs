//! `renkei audit verify`: walks the audit chain and names the first broken
//! link, exiting 1 if there is one.

use std::process::ExitCode;

use clap::Subcommand;

use crate::DbArgs;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the whole chain; exit 1 and name the first broken link if any.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs an audit command; `verify` fails (exit 1) on a broken chain.
pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { db } = command;
    let store = db.open().await?;
    match store.verify_audit().await? {
        Ok(n) => {
            println!("audit chain intact: {n} entries");
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            println!("AUDIT CHAIN BROKEN at entry {}: {}", b.seq, b.reason);
            Ok(ExitCode::FAILURE)
        }
    }
}

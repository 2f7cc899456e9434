//! `spor audit verify|anchor|list|key generate`: the web application's audit trail, an
//! HMAC chain under a key kept outside the database.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;
use spor_app::audit::{Event, read_anchor_file};
use spor_store::web::{AuditFilter, ChainStatus};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every link of the chain (the keyed events under --audit-key); reports the
    /// first broken one and fails if any is.
    Verify {
        /// An anchor printed earlier by `spor audit anchor`: every event up to it must be
        /// there unchanged, and none removed from the end.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Verify the trail and print its newest event as an anchor (one line of JSON) to
    /// keep outside the database: a ticket, a mail, a write-once store.
    Anchor,
    /// Show the newest events.
    List {
        /// How many events.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Only events whose code starts with this (e.g. `login`, `case.view`).
        #[arg(long)]
        code: Option<String>,
    },
    /// The audit key.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new key (32 random bytes as hex) in a new file readable by its owner only.
    Generate {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub async fn run(cmd: AuditCommand, db: &str) -> anyhow::Result<()> {
    if let AuditCommand::Key(KeyCommand::Generate { out }) = &cmd {
        spor_app::audit::generate_key_file(out)?;
        eprintln!(
            "wrote a new audit key to {}: keep it outside the database and its backups, and give it to every spor command with --audit-key or SPOR_AUDIT_KEY_FILE",
            out.display()
        );
        return Ok(());
    }
    let store = spor_app::open_web_store(db).await?;
    match cmd {
        AuditCommand::Key(_) => {}
        AuditCommand::Verify { anchor } => {
            let anchor = anchor.as_deref().map(read_anchor_file).transpose()?;
            match store.verify_audit_anchor(anchor.as_ref()).await? {
                ChainStatus::Intact { events } => match &anchor {
                    Some(a) => println!(
                        "audit trail intact: {events} events, every link verified, event {} as anchored on {}",
                        a.seq, a.at
                    ),
                    None => println!("audit trail intact: {events} events, every link verified"),
                },
                ChainStatus::Broken { seq, reason } => {
                    bail!("audit trail broken at event {seq}: {reason}")
                }
                ChainStatus::KeyNeeded { events, keyed } => bail!(
                    "cannot verify the audit trail: {keyed} of its {events} events are keyed; give the audit key (--audit-key FILE or SPOR_AUDIT_KEY_FILE)"
                ),
            }
        }
        AuditCommand::Anchor => {
            let anchor = spor_app::audit::anchor(store.as_ref()).await?;
            println!("{}", anchor.to_json());
        }
        AuditCommand::List { limit, code } => {
            // The events name persons and records: reading them is an event, as on the web.
            spor_app::audit::record_command_line(db, Event::AuditView, None, None).await?;
            let filter = AuditFilter {
                code_prefix: code,
                ..Default::default()
            };
            let page = store
                .audit_events(&filter, limit.clamp(1, 100_000), 0)
                .await?;
            println!("seq\tat\tcode\tactor\ttarget\taddress\tdetail");
            for e in page.items {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.seq,
                    e.at,
                    e.code,
                    e.actor.unwrap_or_default(),
                    e.target.unwrap_or_default(),
                    e.address.unwrap_or_default(),
                    e.detail.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

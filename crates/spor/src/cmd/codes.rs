//! `spor codes list [LIST]`, `spor codes add LIST CODE --da LABEL --en LABEL`.

use anyhow::bail;
use clap::Subcommand;
use spor_core::{CodeBook, ListId};

#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// List the code lists, or the codes of one list with their labels and mappings.
    List {
        /// A list name (e.g. referral_actor); all list names when left out.
        list: Option<String>,
    },
    /// Add a code to an extensible list (referral_actor, forced_labour_subtype,
    /// forced_criminality_subtype).
    Add {
        list: String,
        code: String,
        /// Danish label, as the report shows it.
        #[arg(long)]
        da: String,
        /// English label.
        #[arg(long)]
        en: String,
    },
}

pub async fn run(cmd: CodesCommand, db: &str) -> anyhow::Result<()> {
    let store = super::open_store(db).await?;
    let book = CodeBook::with_additions(store.code_additions().await?);
    match cmd {
        CodesCommand::List { list: None } => {
            println!("{:<28} {:>5}  extensible", "list", "codes");
            for l in ListId::ALL {
                let ext = if l.is_extensible() { "yes" } else { "no" };
                println!("{:<28} {:>5}  {ext}", l.name(), book.list(l).len());
            }
        }
        CodesCommand::List { list: Some(name) } => {
            let Some(l) = ListId::parse(&name) else {
                bail!(
                    "unknown code list `{name}`; known lists: {}",
                    ListId::ALL.map(ListId::name).join(", ")
                );
            };
            println!("code\tda\ten\tparent\teurostat\thtcds\torigin");
            for e in book.list(l) {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.code,
                    e.da,
                    e.en,
                    e.parent.as_deref().unwrap_or(""),
                    e.eurostat.as_deref().unwrap_or(""),
                    e.htcds.as_deref().unwrap_or(""),
                    if e.builtin { "built-in" } else { "added" }
                );
            }
        }
        CodesCommand::Add { list, code, da, en } => {
            drop(store);
            let store = spor_app::open_web_store(db).await?;
            let entry = spor_app::codes::add(
                store.as_ref(),
                spor_app::audit::Actor::command_line(&spor_app::audit::command_line_user()),
                [&list, &code, &da, &en],
                chrono::Utc::now(),
            )
            .await?;
            println!(
                "added {} `{}` ({} / {})",
                entry.list, entry.code, entry.da, entry.en
            );
        }
    }
    Ok(())
}

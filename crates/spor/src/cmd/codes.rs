//! `spor codes list [LIST]`, `spor codes add LIST CODE --da LABEL --en LABEL`,
//! `spor codes mapping [MAP]`, `spor codes map MAP/CODE CATEGORY|--builtin`.

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
    /// The international exchanges' maps (where the register's codes go in Eurostat,
    /// UNODC, TIP, GRETA), or one map's codes and categories; and the reporting country.
    Mapping {
        /// A map (e.g. eurostat_sex); all maps when left out.
        map: Option<String>,
    },
    /// Send a code elsewhere in an exchange's map (`eurostat_sex/other UNK`), or set the
    /// reporting country (`reporting_country DK`); takes effect in the next exchange.
    Map {
        /// `MAP/CODE` or `reporting_country`.
        key: String,
        /// The category (or country code).
        #[arg(required_unless_present = "builtin")]
        value: Option<String>,
        /// Take the change back: the built-in mapping again.
        #[arg(long, conflicts_with = "value")]
        builtin: bool,
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
        CodesCommand::Mapping { map: None } => {
            let maps = spor_app::exchange::mappings(store.as_ref()).await?;
            println!("reporting_country = {}", maps.reporting_country());
            println!(
                "{:<24} {:<18} {:>10}  changed",
                "map", "source", "categories"
            );
            for m in maps.maps() {
                let changed = m.entries().iter().filter(|(f, _)| m.is_changed(f)).count();
                println!(
                    "{:<24} {:<18} {:>10}  {changed}",
                    m.id,
                    m.source.name(),
                    m.categories.len()
                );
            }
        }
        CodesCommand::Mapping { map: Some(id) } => {
            let maps = spor_app::exchange::mappings(store.as_ref()).await?;
            let Some(m) = maps.map(&id) else {
                bail!(
                    "unknown map `{id}`; known maps: {}",
                    maps.names().join(", ")
                );
            };
            println!("{}\tcategory\torigin", m.source.name());
            for (from, to) in m.entries() {
                let origin = if m.is_changed(&from) {
                    "changed"
                } else {
                    "built-in"
                };
                println!("{from}\t{}\t{origin}", to.unwrap_or(""));
            }
            println!();
            println!("category\tda\ten");
            for c in &m.categories {
                println!("{}\t{}\t{}", c.code, c.da, c.en);
            }
        }
        CodesCommand::Map {
            key,
            value,
            builtin,
        } => {
            drop(store);
            let store = spor_app::open_web_store(db).await?;
            let value = if builtin { None } else { value };
            spor_app::exchange::set_mapping(
                store.as_ref(),
                spor_app::audit::Actor::command_line(&spor_app::audit::command_line_user()),
                &key,
                value.as_deref(),
                chrono::Utc::now(),
            )
            .await?;
            match value {
                Some(v) => println!("{key} = {v}"),
                None => println!("{key} = built-in"),
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

//! `spor persons assign-team`: the team a person belongs to (issue 21, item 6);
//! `spor persons show|set|find|erase|hold|access`: who a person is (issue 23), sealed under the
//! master key (`--master-key FILE` or `SPOR_MASTER_KEY_FILE`), every use audited.

use clap::Subcommand;
use spor_app::audit::Actor;
use spor_app::identity;

#[derive(Debug, Subcommand)]
pub enum PersonsCommand {
    /// Put a person in a team: caseworkers of other teams then reach the person only with
    /// a stated reason. Without TEAM the person is in no team (seen by every caseworker).
    AssignTeam {
        person_ref: String,
        team: Option<String>,
    },
    /// Show a person's identity (needs the master key; audited).
    Show { person_ref: String },
    /// Register or rectify a person's identity: FIELD=VALUE pairs (full_name, other_names,
    /// birth_date, phone, document_number, language, contact; an empty VALUE clears the
    /// field). Warns of earlier persons with the same name and birth date or document.
    Set {
        person_ref: String,
        #[arg(value_name = "FIELD=VALUE")]
        fields: Vec<String>,
    },
    /// Find persons by name (a whole name, or one word of it) through the blind index.
    Find { name: String },
    /// Erase a person's identity on request (crypto-shredding; the records stay).
    Erase {
        person_ref: String,
        /// Why (kept in the audit trail).
        #[arg(long)]
        reason: String,
    },
    /// Everything held about a person (identity, records, who viewed them) as JSON, for
    /// the person's right of access (needs the master key; audited).
    Access {
        person_ref: String,
        /// `json` or `pdf` (a PDF needs --out).
        #[arg(long, default_value = "json")]
        format: String,
        /// Write to FILE (never overwritten) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Keep a person from erasure with a stated reason (`--lift` ends the hold).
    Hold {
        person_ref: String,
        #[arg(long, required_unless_present = "lift")]
        reason: Option<String>,
        #[arg(long, conflicts_with = "reason")]
        lift: bool,
    },
}

pub async fn run(cmd: PersonsCommand, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_web_store(db).await?;
    let user = spor_app::audit::command_line_user();
    let by = Actor::command_line(&user);
    let now = chrono::Utc::now();
    let key = identity::key();
    match cmd {
        PersonsCommand::AssignTeam { person_ref, team } => {
            spor_app::teams::assign_person(store.as_ref(), by, &person_ref, team.as_deref(), now)
                .await?;
            match team {
                Some(t) => println!("{person_ref} is now in team {t}"),
                None => println!("{person_ref} is now in no team"),
            }
        }
        PersonsCommand::Show { person_ref } => {
            match identity::view(store.as_ref(), by, key, &person_ref, now).await? {
                None => anyhow::bail!("no identity is stored for {person_ref}"),
                Some(p) => {
                    println!("person_ref: {person_ref}");
                    for (name, value) in spor_core::identity::IDENTITY_FIELDS.iter().zip(p.values())
                    {
                        println!("{name}: {}", value.unwrap_or_default());
                    }
                }
            }
        }
        PersonsCommand::Set { person_ref, fields } => {
            let r = spor_core::Ref::parse(&person_ref)
                .map_err(|e| anyhow::anyhow!("person_ref `{person_ref}`: expected {e}"))?;
            // Fields not named keep their value.
            let mut p = match store.person(&person_ref).await? {
                Some(_) => identity::view(store.as_ref(), by, key, &person_ref, now)
                    .await?
                    .unwrap_or_else(|| spor_core::PersonIdentity::new(r.clone())),
                None => spor_core::PersonIdentity::new(r),
            };
            for f in &fields {
                let (name, value) = f.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!(
                        "`{}`: expected FIELD=VALUE with FIELD one of {}",
                        f.split('=').next().unwrap_or(""),
                        spor_core::identity::IDENTITY_FIELDS.join(", ")
                    )
                })?;
                p.set(name, value)
                    .map_err(|e| anyhow::anyhow!("{name}: expected {e}"))?;
            }
            let duplicates = identity::save(store.as_ref(), by, key, &p, now).await?;
            println!("identity of {person_ref} saved");
            for d in duplicates {
                eprintln!("warning: {}", d.message());
            }
        }
        PersonsCommand::Find { name } => {
            let refs = identity::search(store.as_ref(), by, key, &name, now).await?;
            if refs.is_empty() {
                println!("no person found");
            }
            for r in refs {
                println!("{r}");
            }
        }
        PersonsCommand::Erase { person_ref, reason } => {
            if identity::erase(store.as_ref(), by, &person_ref, &reason, now).await? {
                println!("identity of {person_ref} erased (its records stay)");
            } else {
                anyhow::bail!(
                    "nothing erased: {person_ref} has no identity stored, is erased already, or is under a legal hold"
                );
            }
        }
        PersonsCommand::Access {
            person_ref,
            format,
            out,
        } => {
            let pdf = match format.as_str() {
                "json" => false,
                "pdf" if out.is_some() => true,
                "pdf" => anyhow::bail!("a PDF is written to a file: add --out FILE"),
                other => anyhow::bail!("--format `{other}`: expected json or pdf"),
            };
            let v = identity::subject_access(store.as_ref(), by, key, &person_ref, now).await?;
            let bytes = if pdf {
                spor_pdf::subject_access(&v, now)?
            } else {
                (serde_json::to_string_pretty(&v)? + "\n").into_bytes()
            };
            match out {
                None => print!("{}", String::from_utf8_lossy(&bytes)),
                Some(path) => {
                    use std::io::Write as _;
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
                    f.write_all(&bytes)?;
                    println!(
                        "everything held about {person_ref} written to {}",
                        path.display()
                    );
                }
            }
        }
        PersonsCommand::Hold {
            person_ref,
            reason,
            lift,
        } => {
            let reason = if lift { None } else { reason };
            if !identity::legal_hold(store.as_ref(), by, &person_ref, reason.as_deref(), now)
                .await?
            {
                anyhow::bail!("no identity is stored for {person_ref}");
            }
            match reason {
                Some(r) => println!("{person_ref} is under a legal hold: {r}"),
                None => println!("the legal hold of {person_ref} is lifted"),
            }
        }
    }
    Ok(())
}

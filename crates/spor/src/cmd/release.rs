//! `spor release`: disclosure control of the public profile.
//!
//! - `spor release risk --year Y`: how identifiable the year's victims are (unique on
//!   nationality × gender × age band × form, groups below the threshold, groups all in one
//!   form) and what the public profile would hide.
//! - `spor release public --year Y --out DIR`: writes the protected JSON edition and the
//!   release manifest beside it, or refuses with the cell that would leak; with
//!   `--with-exchanges` the year's aggregate exchanges go into `DIR/exchanges/`, listed in
//!   the manifest with their SHA-256.
//! - `spor release publish --year Y --profile internal|public`: keeps the edition in the
//!   register, every format as published; prints the new release's id as its last line.
//! - `spor release list`, `spor release show ID --format F [--out PATH]`: the releases
//!   kept, and one of them exactly as it was published.
//! - `spor release diff ID [--json]`: what the register now gives differently.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use spor_app::audit::{Actor, Event, command_line_user};
use spor_app::published;
use spor_app::release::{RiskAssessment, write_public, write_public_with_exchanges};
use spor_app::{Profile, PublicOptions};
use spor_sdc::Policy;

#[derive(Debug, clap::Subcommand)]
pub enum ReleaseCommand {
    /// Risk report of a year's victims and of the public profile's protection.
    Risk(RiskArgs),
    /// Write the public (protected) JSON edition and its manifest.
    Public(PublicArgs),
    /// Publish the overview of a year: keep it in the register, every format as published.
    Publish(PublishArgs),
    /// The releases kept in the register, newest first.
    List,
    /// A release exactly as it was published.
    Show(ShowArgs),
    /// Every figure of a release the register now gives differently, and the records
    /// added, changed or removed since.
    Diff(DiffArgs),
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The release's id (`spor release list`).
    pub id: i64,
    /// Print the revision as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The statistics year.
    #[arg(long)]
    pub year: i32,
    /// Internal (exact) or public (disclosure-controlled) edition.
    #[arg(long, value_enum)]
    pub profile: super::report::Profile,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Public JSON editions of earlier years published elsewhere (repeatable); earlier
    /// public releases kept in the register are known without it.
    #[arg(long = "earlier")]
    pub earlier: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The release's id (`spor release list`).
    pub id: i64,
    /// Which rendering.
    #[arg(long, value_enum, default_value_t = super::report::Format::Json)]
    pub format: super::report::Format,
    /// Where to write: a file, or a folder for csv (and, public, the manifest beside it).
    /// Without it, json and html go to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The disclosure policy to use.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Policy file (TOML, or JSON by extension); without it the documented defaults.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The strict preset (threshold 10 everywhere), over the file's settings.
    #[arg(long)]
    pub strict: bool,
}

impl PolicyArgs {
    /// The policy file's settings (or the defaults), with the strict preset if asked.
    pub fn load(&self) -> anyhow::Result<Policy> {
        spor_app::PublicOptions::policy(self.policy.as_deref(), self.strict)
    }
}

#[derive(Debug, clap::Args)]
pub struct RiskArgs {
    /// The statistics year.
    #[arg(long)]
    pub year: i32,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct PublicArgs {
    /// The statistics year.
    #[arg(long)]
    pub year: i32,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Folder to write `overview-YEAR-public.json` and `manifest-YEAR.json` into.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the year's exchanges (eurostat, unodc, tip, greta; JSON and CSV) into
    /// `OUT/exchanges/` and list them in the manifest. They hold exact figures for the
    /// receiving bodies, not protected as the edition is: asked for, never by default, so
    /// that a folder published as it is never carries them.
    #[arg(long)]
    pub with_exchanges: bool,
    /// Publish again the partners that turn out not to be needed (one audit per partner).
    #[arg(long)]
    pub minimise: bool,
    /// Public JSON editions of earlier years (repeatable): what they published is known and
    /// is never hidden again; it constrains what this edition may show.
    #[arg(long = "earlier")]
    pub earlier: Vec<PathBuf>,
}

pub async fn run(cmd: ReleaseCommand, db: &str) -> anyhow::Result<()> {
    match cmd {
        ReleaseCommand::Risk(args) => risk(args, db).await,
        ReleaseCommand::Public(args) => public(args, db).await,
        ReleaseCommand::Publish(args) => publish(args, db).await,
        ReleaseCommand::List => list(db).await,
        ReleaseCommand::Show(args) => show(args, db).await,
        ReleaseCommand::Diff(args) => diff(args, db).await,
    }
}

async fn load(db: &str) -> anyhow::Result<(spor_core::Register, spor_stats::Columns)> {
    let store = spor_app::open_store(db).await?;
    spor_app::statistics::load(store.as_ref())
        .await
        .with_context(|| format!("cannot read the register at {db}"))
}

async fn risk(args: RiskArgs, db: &str) -> anyhow::Result<()> {
    let policy = args.policy.load()?;
    let (register, columns) = load(db).await?;
    let report = RiskAssessment::of(&register, &columns, args.year, &policy)?;
    // As the web's risk page: a view of the year's figures, recorded before it is shown.
    spor_app::audit::record_command_line(
        db,
        Event::ReportView,
        Some(&args.year.to_string()),
        Some("risk".into()),
    )
    .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.text_da());
    }
    Ok(())
}

async fn public(args: PublicArgs, db: &str) -> anyhow::Result<()> {
    let profile = Profile::Public(PublicOptions {
        policy: args.policy.load()?,
        earlier: PublicOptions::load_earlier(&args.earlier)?,
        minimise: args.minimise,
    });
    let store = spor_app::open_web_store(db).await?;
    let edition = published::edition(store.as_ref(), args.year, profile).await?;
    spor_app::audit::record_command_line(
        db,
        Event::ReportDownload,
        Some(&args.year.to_string()),
        Some("json public".into()),
    )
    .await?;
    if !args.with_exchanges {
        let (json, manifest) = write_public(&edition, &args.out)?;
        println!("wrote {} and {}", json.display(), manifest.display());
        return Ok(());
    }
    let exchanges =
        spor_app::exchange::load_release_files(store.as_ref(), args.year, chrono::Utc::now())
            .await?;
    spor_app::audit::record_command_line(
        db,
        Event::ReportDownload,
        Some(&format!("exchange:*:{}", args.year)),
        Some("release exchanges json csv".into()),
    )
    .await?;
    let (json, manifest) = write_public_with_exchanges(&edition, &exchanges, &args.out)?;
    println!(
        "wrote {}, {} exchange files into {} and {}",
        json.display(),
        exchanges.len(),
        args.out.join(spor_app::release::EXCHANGES_DIR).display(),
        manifest.display()
    );
    eprintln!(
        "note: {}/ holds exact figures for the receiving bodies (Eurostat, UNODC, TIP, GRETA): do not publish it with the edition",
        spor_app::release::EXCHANGES_DIR
    );
    Ok(())
}

async fn publish(args: PublishArgs, db: &str) -> anyhow::Result<()> {
    let profile = match args.profile {
        super::report::Profile::Public => Profile::Public(PublicOptions {
            policy: args.policy.load()?,
            earlier: PublicOptions::load_earlier(&args.earlier)?,
            minimise: false,
        }),
        super::report::Profile::Internal => {
            if args.policy.policy.is_some() || args.policy.strict || !args.earlier.is_empty() {
                anyhow::bail!(
                    "--policy, --strict and --earlier apply to the public profile; add --profile public"
                );
            }
            Profile::Internal
        }
    };
    let store = spor_app::open_web_store(db).await?;
    let user = command_line_user();
    let id = published::publish(
        store.as_ref(),
        Actor::command_line(&user),
        args.year,
        profile,
        chrono::Utc::now(),
    )
    .await?;
    let release = published::open(store.as_ref(), id).await?;
    eprintln!(
        "published the {} overview of {} ({} files)",
        release.row.profile,
        args.year,
        release.files.len()
    );
    println!("{id}");
    Ok(())
}

async fn list(db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_web_store(db).await?;
    let releases = published::list(store.as_ref()).await?;
    if releases.is_empty() {
        eprintln!("no releases yet (spor release publish --year Y --profile internal|public)");
        return Ok(());
    }
    println!("id\tyear\tprofile\tpublished at\tby\tregister as of");
    for r in releases {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            r.id,
            r.year,
            r.profile,
            r.published_at.format("%Y-%m-%d %H:%M:%S UTC"),
            r.published_by,
            r.register_change.map_or_else(
                || "-".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
            )
        );
    }
    Ok(())
}

async fn show(args: ShowArgs, db: &str) -> anyhow::Result<()> {
    let format: spor_app::Format = args.format.into();
    if args.out.is_none() && !matches!(format, spor_app::Format::Json | spor_app::Format::Html) {
        anyhow::bail!(
            "--format {} needs --out (a {})",
            format.name(),
            if format == spor_app::Format::Csv {
                "folder for one CSV file per table"
            } else {
                "file"
            }
        );
    }
    let store = spor_app::open_web_store(db).await?;
    let user = command_line_user();
    let release = published::view(
        store.as_ref(),
        Actor::command_line(&user),
        args.id,
        format,
        chrono::Utc::now(),
    )
    .await?;
    let files = release.files_of(format);
    let Some(out) = &args.out else {
        let file = files
            .first()
            .with_context(|| format!("release {} has no {} rendering", args.id, format.name()))?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&file.content)
            .and_then(|()| stdout.flush())
            .context("cannot write to standard output")?;
        return Ok(());
    };
    let dir = if format == spor_app::Format::Csv {
        std::fs::create_dir_all(out)
            .with_context(|| format!("cannot create the folder {}", out.display()))?;
        for f in &files {
            let name = f.name.rsplit('/').next().unwrap_or(&f.name);
            let path = out.join(name);
            std::fs::write(&path, &f.content)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        eprintln!("wrote {} CSV files into {}", files.len(), out.display());
        out.clone()
    } else {
        let file = files
            .first()
            .with_context(|| format!("release {} has no {} rendering", args.id, format.name()))?;
        std::fs::write(out, &file.content)
            .with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("wrote {}", out.display());
        out.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
    };
    if release.is_public() {
        let path = dir.join(format!("manifest-{}.json", release.row.year));
        std::fs::write(&path, &release.row.manifest)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

async fn diff(args: DiffArgs, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_web_store(db).await?;
    let rev = published::diff(store.as_ref(), args.id).await?;
    let user = command_line_user();
    let ev = Actor::command_line(&user).event(
        spor_app::audit::Event::ReleaseView,
        Some(&args.id.to_string()),
        Some("diff".into()),
    );
    spor_app::audit::record(store.as_ref(), &ev, chrono::Utc::now()).await?;
    if args.json {
        let records: Vec<serde_json::Value> = rev
            .records
            .iter()
            .map(|r| {
                serde_json::json!({
                    "entity": r.entity, "ref": r.key, "change": r.delta.name(),
                    "date": r.date, "at": r.at,
                })
            })
            .collect();
        let out = serde_json::json!({
            "release": rev.release.id,
            "year": rev.release.year,
            "profile": rev.release.profile,
            "figures": rev.figures,
            "records": records,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let r = &rev.release;
    println!(
        "release {} ({} overview of {}, published {} from the register as of {})",
        r.id,
        r.profile,
        r.year,
        r.published_at.format("%Y-%m-%d %H:%M UTC"),
        r.register_change.map_or_else(
            || "its start".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string()
        )
    );
    if rev.figures.is_empty() {
        println!("no figure differs: the register gives every published figure unchanged");
    } else {
        println!("{} figures differ (published -> now):", rev.figures.len());
        let show = |v: &serde_json::Value| match v {
            serde_json::Value::Null => "-".to_owned(),
            v => v.to_string(),
        };
        for f in &rev.figures {
            println!("  {}: {} -> {}", f.figure, show(&f.published), show(&f.now));
        }
    }
    if !rev.records.is_empty() {
        println!(
            "{} records of {} or earlier added, changed or removed since:",
            rev.records.len(),
            r.year
        );
        for c in &rev.records {
            println!(
                "  {} {} {} ({}, at {})",
                c.delta.name(),
                c.entity,
                c.key,
                c.date.as_deref().unwrap_or("date unknown"),
                c.at
            );
        }
    }
    Ok(())
}

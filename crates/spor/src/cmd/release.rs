//! `spor release`: disclosure control of the public profile.
//!
//! - `spor release risk --year Y`: how identifiable the year's victims are (unique on
//!   nationality × gender × age band × form, groups below the threshold, groups all in one
//!   form) and what the public profile would hide.
//! - `spor release public --year Y --out DIR`: writes the protected JSON edition and the
//!   release manifest beside it, or refuses with the cell that would leak.

use std::path::PathBuf;

use anyhow::Context;
use spor_app::audit::Event;
use spor_app::release::{RiskAssessment, write_public};
use spor_app::{Edition, Profile, PublicOptions};
use spor_sdc::Policy;

#[derive(Debug, clap::Subcommand)]
pub enum ReleaseCommand {
    /// Risk report of a year's victims and of the public profile's protection.
    Risk(RiskArgs),
    /// Write the public (protected) JSON edition and its manifest.
    Public(PublicArgs),
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
    let (register, columns) = load(db).await?;
    let edition = Edition::compute(&register, &columns, args.year, &profile)?;
    spor_app::audit::record_command_line(
        db,
        Event::ReportDownload,
        Some(&args.year.to_string()),
        Some("json public".into()),
    )
    .await?;
    let (json, manifest) = write_public(&edition, &args.out)?;
    println!("wrote {} and {}", json.display(), manifest.display());
    Ok(())
}

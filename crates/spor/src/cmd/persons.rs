//! `spor persons assign-team`: the team a person belongs to (issue 21, item 6).

use clap::Subcommand;
use spor_app::audit::Actor;

#[derive(Debug, Subcommand)]
pub enum PersonsCommand {
    /// Put a person in a team: caseworkers of other teams then reach the person only with
    /// a stated reason. Without TEAM the person is in no team (seen by every caseworker).
    AssignTeam {
        person_ref: String,
        team: Option<String>,
    },
}

pub async fn run(cmd: PersonsCommand, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_web_store(db).await?;
    let user = spor_app::audit::command_line_user();
    let by = Actor::command_line(&user);
    match cmd {
        PersonsCommand::AssignTeam { person_ref, team } => {
            spor_app::teams::assign_person(
                store.as_ref(),
                by,
                &person_ref,
                team.as_deref(),
                chrono::Utc::now(),
            )
            .await?;
            match team {
                Some(t) => println!("{person_ref} is now in team {t}"),
                None => println!("{person_ref} is now in no team"),
            }
        }
    }
    Ok(())
}

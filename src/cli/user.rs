//! `plotline user add`: accounts for planners and admins.

use std::io::BufRead;

use crate::config::DatabaseUrl;

/// `user` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a planner or admin. The password is read from standard input (one line).
    Add {
        /// Lower-case user name.
        username: String,
        /// `planner` (edits the areas given with --area) or `admin` (everything).
        #[arg(long, default_value = "planner", value_parser = ["planner", "admin"])]
        role: String,
        /// An area the planner may edit (slug); repeat for more.
        #[arg(long = "area")]
        areas: Vec<String>,
        /// The name shown in the page.
        #[arg(long, default_value = "")]
        display_name: String,
        /// Create the user without a password (it signs in with API tokens only).
        #[arg(long)]
        no_password: bool,
    },
}

pub(super) async fn run(url: &DatabaseUrl, command: UserCommand) -> anyhow::Result<()> {
    let pool = crate::db::connect_and_migrate(url, None).await?;
    match command {
        UserCommand::Add {
            username,
            role,
            areas,
            display_name,
            no_password,
        } => {
            let hash = if no_password {
                None
            } else {
                eprintln!("password for {username} (one line on standard input):");
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                let password = line.trim_end_matches(['\r', '\n']);
                anyhow::ensure!(
                    password.chars().count() >= 10,
                    "the password must have at least 10 characters"
                );
                Some(crate::auth::hash_password(password)?)
            };
            let id = crate::db::accounts::create_user(
                &pool,
                &username,
                &display_name,
                &role,
                hash.as_deref(),
                &areas,
            )
            .await?;
            println!("user {username} (id {id}, {role}) added");
        }
    }
    Ok(())
}

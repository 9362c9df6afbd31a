//! `plotline token create|list|revoke`: API tokens for tools and scripts.

use chrono::Utc;

use crate::config::DatabaseUrl;

/// `token` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and stored only as a hash.
    Create {
        /// The user the token acts for.
        #[arg(long)]
        user: String,
        /// The token's role (never more than the user's).
        #[arg(long, default_value = "planner", value_parser = ["planner", "admin"])]
        role: String,
        /// Lifetime such as 90d, 12h or 30m; none for a token that does not expire.
        #[arg(long)]
        expires: Option<String>,
        /// What the token is for.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by id.
    Revoke { id: i64 },
}

/// Parses `90d`, `12h`, `30m`.
pub fn parse_lifetime(s: &str) -> anyhow::Result<chrono::Duration> {
    let (number, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("`{s}` is not a lifetime like 90d, 12h or 30m"))?;
    anyhow::ensure!(n > 0, "the lifetime must be positive");
    match unit {
        "d" => Ok(chrono::Duration::days(n)),
        "h" => Ok(chrono::Duration::hours(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        _ => anyhow::bail!("`{s}` is not a lifetime like 90d, 12h or 30m"),
    }
}

pub(super) async fn run(url: &DatabaseUrl, command: TokenCommand) -> anyhow::Result<()> {
    let pool = crate::db::connect_and_migrate(url, None).await?;
    match command {
        TokenCommand::Create {
            user,
            role,
            expires,
            name,
        } => {
            let expires_at = expires
                .as_deref()
                .map(parse_lifetime)
                .transpose()?
                .map(|d| Utc::now() + d);
            let token = crate::auth::new_secret("plt_");
            let id = crate::db::accounts::create_token(
                &pool,
                &user,
                &name,
                &role,
                &crate::auth::sha256_hex(&token),
                expires_at,
            )
            .await?;
            eprintln!(
                "token {id} for {user} ({role}), expires {}; it is shown only now:",
                expires_at.map_or("never".to_owned(), |t| t.to_rfc3339())
            );
            println!("{token}");
        }
        TokenCommand::List => {
            for t in crate::db::accounts::list_tokens(&pool).await? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(r), _) => format!("revoked {}", r.to_rfc3339()),
                    (None, Some(e)) if e < Utc::now() => format!("expired {}", e.to_rfc3339()),
                    (None, Some(e)) => format!("expires {}", e.to_rfc3339()),
                    (None, None) => "does not expire".to_owned(),
                };
                println!(
                    "{:>4}  {:<16} {:<8} {:<30} {}  last used {}",
                    t.id,
                    t.username,
                    t.role,
                    t.name,
                    state,
                    t.last_used_at
                        .map_or("never".to_owned(), |u| u.to_rfc3339())
                );
            }
        }
        TokenCommand::Revoke { id } => {
            anyhow::ensure!(
                crate::db::accounts::revoke_token(&pool, id).await?,
                "no live token {id}"
            );
            println!("token {id} revoked");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("90d").unwrap(), chrono::Duration::days(90));
        assert_eq!(parse_lifetime("12h").unwrap(), chrono::Duration::hours(12));
        assert!(parse_lifetime("soon").is_err());
        assert!(parse_lifetime("0d").is_err());
        assert!(parse_lifetime("").is_err());
    }
}

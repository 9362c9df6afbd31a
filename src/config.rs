//! Typed settings from flags and the environment.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A PostgreSQL connection URL; its password never reaches a log.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The full URL, password included: only for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl(s.to_owned()))
        } else {
            Err("expected a postgres:// URL".to_owned())
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // postgres://user:secret@host/db -> postgres://user:***@host/db
        let redacted = match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let userinfo = &self.0[scheme + 3..at];
                match userinfo.find(':') {
                    Some(colon) => format!(
                        "{}{}:***{}",
                        &self.0[..scheme + 3],
                        &userinfo[..colon],
                        &self.0[at..]
                    ),
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        };
        f.write_str(&redacted)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Settings of `plotline serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address and port to listen on.
    #[arg(long, env = "PLOTLINE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder with the built map page (`web/dist`, made by `npm run build` in `web/`), served at `/`.
    #[arg(long, env = "PLOTLINE_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,

    /// Origins allowed to call the API from a browser (CORS), comma-separated; `*` for any.
    #[arg(
        long,
        env = "PLOTLINE_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub cors_origins: Vec<String>,

    /// Mark the session cookie Secure: set it when plotline is served over HTTPS.
    #[arg(long, env = "PLOTLINE_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// The longest one SQL statement may run (e.g. `20s`, `1500ms`): no request holds a
    /// database backend longer, even after its client has gone.
    #[arg(long, env = "PLOTLINE_STATEMENT_TIMEOUT", default_value = "20s")]
    pub statement_timeout: humantime::Duration,

    /// The URL clients reach plotline at (`https://plotline.example.dk`), used in every link
    /// and `Location`; default `http://<listen>` on a loopback address, else the Host header.
    #[arg(long, env = "PLOTLINE_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Reverse proxies (IP addresses, comma-separated) whose `X-Forwarded-For` names the
    /// client; from anyone else the header is ignored.
    #[arg(long, env = "PLOTLINE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// A bearer token that may read `/metrics` (a Prometheus scraper); admins always may.
    #[arg(long, env = "PLOTLINE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// A streaming replica that anonymous reads go to (pages, features, tiles, lists); writes,
    /// `If-Match` checks, LISTEN and everything a signed-in caller reads go to DATABASE_URL, so
    /// that a planner reads their own writes. Unset: everything goes to DATABASE_URL.
    #[arg(long, env = "DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<DatabaseUrl>,

    /// Megabytes of vector tiles kept in memory (dropped where the data changes).
    #[arg(long, env = "PLOTLINE_TILE_CACHE_MB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=65_536))]
    pub tile_cache_mb: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let url: DatabaseUrl = "postgres://plotline:s3cret@127.0.0.1:55432/plotline"
            .parse()
            .unwrap();
        let shown = format!("{url:?}");
        assert_eq!(shown, "postgres://plotline:***@127.0.0.1:55432/plotline");
        assert!(!shown.contains("s3cret"));
    }

    #[test]
    fn rejects_other_schemes() {
        assert!("mysql://x@y/z".parse::<DatabaseUrl>().is_err());
    }
}

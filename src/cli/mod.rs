//! The command line: one file per subcommand.

mod export;
pub mod import;
mod migrate;
mod serve;
mod token;
mod user;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{DatabaseUrl, ServeConfig};

/// plotline: plots, buildings, DGNB and transit proximity of Ballerup's development areas.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// PostgreSQL database with PostGIS 3 (the README's commands start a private one).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<DatabaseUrl>,

    /// Log format on stderr.
    #[arg(long, env = "PLOTLINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply the migrations and serve the API and the map page.
    Serve(ServeConfig),
    /// Import GIS data: any source GDAL opens into one collection through a mapping
    /// (`--into`), or files named after their layer (`plots.gpkg`) and folders of them.
    Import(import::ImportArgs),
    /// Export a collection to a GeoPackage, FlatGeobuf, Shapefile (zip), CSV or KML file, with
    /// the same filters as `/collections/{id}/items`.
    Export(export::ExportArgs),
    /// Apply the migrations and stop.
    Migrate,
    /// Manage planner and admin accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
}

/// Starts logging: `RUST_LOG` filters (default `info`).
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Describing a source needs no database.
    if let Command::Import(args) = &cli.command {
        if args.describe {
            return import::describe(args).await;
        }
    }
    let url = cli.database_url.ok_or_else(|| {
        anyhow::anyhow!(
            "no database: set DATABASE_URL or --database-url (`make run` starts a private PostGIS)"
        )
    })?;
    match cli.command {
        Command::Serve(config) => serve::run(&url, config).await,
        Command::Import(args) => import::run(&url, args).await,
        Command::Export(args) => export::run(&url, args).await,
        Command::Migrate => migrate::run(&url).await,
        Command::User(c) => user::run(&url, c).await,
        Command::Token(c) => token::run(&url, c).await,
    }
}

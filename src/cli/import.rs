//! `plotline import`: `SOURCE --into COLLECTION [--mapping FILE.toml] [--dry-run]`, `--describe
//! SOURCE`, or files named after their layer and folders of them (`plotline import geodata`).

use std::path::PathBuf;

use clap::Args;

use crate::config::DatabaseUrl;
use crate::import::{self, ImportOptions, MappingFile, Progress};

/// The arguments of `plotline import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// With --into: one source GDAL opens (a file, a zip, `WFS:…`, `OAPIF:…`). Without: files
    /// named after their layer (`plots.gpkg`), or folders of them.
    #[arg(default_value = "geodata")]
    pub sources: Vec<String>,
    /// The collection to import into: plots, buildings, companies, areas, stations, brt_lines,
    /// brt_stops, cycle_superhighways.
    #[arg(long)]
    pub into: Option<String>,
    /// The source layer to read, when the source has several.
    #[arg(long)]
    pub layer: Option<String>,
    /// The area (slug) every imported plot goes into.
    #[arg(long)]
    pub area: Option<String>,
    /// A TOML mapping: per plotline property, the source field or a fixed value, value maps
    /// and units (see `--describe` for one to start from).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Check everything and print the report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the source's layers, fields, feature counts and CRS, and a suggested mapping.
    #[arg(long)]
    pub describe: bool,
    /// Who imports, for the history (default: $USER).
    #[arg(long, env = "PLOTLINE_USER")]
    pub user: Option<String>,
}

fn single_source(args: &ImportArgs) -> anyhow::Result<&str> {
    match args.sources.as_slice() {
        [one] => Ok(one),
        _ => anyhow::bail!("name one source with --into or --describe"),
    }
}

pub(super) async fn describe(args: &ImportArgs) -> anyhow::Result<()> {
    let source = single_source(args)?;
    let into = args.into.as_deref().unwrap_or("plots");
    print!("{}", import::describe(source, into).await?);
    Ok(())
}

pub(super) async fn run(url: &DatabaseUrl, args: ImportArgs) -> anyhow::Result<()> {
    let Some(into) = &args.into else {
        if args.mapping.is_some() || args.dry_run || args.layer.is_some() || args.area.is_some() {
            anyhow::bail!("--mapping, --dry-run, --layer and --area need --into COLLECTION");
        }
        return run_named_files(url, &args.sources).await;
    };
    let source = single_source(&args)?.to_owned();
    let mapping = match &args.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read the mapping {}: {e}", path.display()))?;
            Some(
                MappingFile::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let user = args
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "import".to_owned());
    let opts = ImportOptions {
        source,
        source_name: None,
        into: into.clone(),
        layer: args.layer.clone(),
        area: args.area.clone(),
        mapping,
        dry_run: args.dry_run,
        user,
    };
    let pool = crate::db::connect_and_migrate(url, None).await?;
    let report = import::import_source(&pool, &opts, Progress::for_stderr()).await?;
    print!("{}", report.to_text());
    if !report.problems.is_empty() {
        anyhow::bail!(
            "the import was refused: {} problem(s), nothing written",
            report.problems.len()
        );
    }
    Ok(())
}

async fn run_named_files(url: &DatabaseUrl, sources: &[String]) -> anyhow::Result<()> {
    let paths: Vec<PathBuf> = sources.iter().map(PathBuf::from).collect();
    let pool = crate::db::connect_and_migrate(url, None).await?;
    let reports = import::import(&pool, &paths).await?;
    for r in &reports {
        println!(
            "{:<20} {:>4} inserted {:>4} updated  ({})",
            r.layer.name(),
            r.inserted,
            r.updated,
            r.path.display()
        );
    }
    Ok(())
}

//! `plotline export --collection plots --format gpkg --out plots.gpkg [--filter …] [--bbox …]`:
//! the same export as `/collections/{id}/items?f=…`, written to a file.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::config::DatabaseUrl;
use crate::export::FileFormat;
use crate::schema::Role;

/// The file formats on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Gpkg,
    Fgb,
    Shp,
    Csv,
    Kml,
}

impl From<Format> for FileFormat {
    fn from(f: Format) -> FileFormat {
        match f {
            Format::Gpkg => FileFormat::GeoPackage,
            Format::Fgb => FileFormat::FlatGeobuf,
            Format::Shp => FileFormat::Shapefile,
            Format::Csv => FileFormat::Csv,
            Format::Kml => FileFormat::Kml,
        }
    }
}

/// What to export, as the items request's parameters say it.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The collection: areas, plots, buildings, companies, stations, brt_lines, brt_stops, cycle_superhighways.
    #[arg(long)]
    pub collection: String,
    /// The file format (a Shapefile is written as a zip).
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// A CQL2 text filter, as `filter=` of the items.
    #[arg(long)]
    pub filter: Option<String>,
    /// minx,miny,maxx,maxy in CRS84 (or in --bbox-crs).
    #[arg(long, allow_hyphen_values = true)]
    pub bbox: Option<String>,
    /// The CRS of --bbox.
    #[arg(long)]
    pub bbox_crs: Option<String>,
    /// An instant or interval on the last change, as `datetime=`.
    #[arg(long)]
    pub datetime: Option<String>,
    /// The CRS of the file (default CRS84; `EPSG:25832` for metres). KML is always WGS84.
    #[arg(long)]
    pub crs: Option<String>,
    /// Only these properties (comma-separated).
    #[arg(long)]
    pub properties: Option<String>,
    /// Sort keys, as `sortby=`.
    #[arg(long)]
    pub sortby: Option<String>,
    /// Include the planners' internal fields (asking price, negotiation notes…).
    #[arg(long)]
    pub internal: bool,
}

pub(super) async fn run(url: &DatabaseUrl, args: ExportArgs) -> anyhow::Result<()> {
    let pool = crate::db::connect_and_migrate(url, None).await?;
    let pairs: Vec<(String, String)> = [
        ("filter", args.filter),
        ("bbox", args.bbox),
        ("bbox-crs", args.bbox_crs),
        ("datetime", args.datetime),
        ("crs", args.crs),
        ("properties", args.properties),
        ("sortby", args.sortby),
    ]
    .into_iter()
    .filter_map(|(n, v)| Some((n.to_owned(), v?)))
    .collect();
    let role = if args.internal {
        Role::Planner
    } else {
        Role::Public
    };
    let started = std::time::Instant::now();
    let n = crate::ogc::export_to_file(
        &pool,
        &args.collection,
        pairs,
        args.format.into(),
        role,
        &args.out,
    )
    .await?;
    println!(
        "{n} {} written to {} in {:.1} s",
        args.collection,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

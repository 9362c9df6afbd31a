//! The plain types and rules of the domain: land use, plot status, DGNB levels and the
//! station-proximity rule. No I/O here; the importer, the HTTP layer and the analytics call
//! these rules so that each lives in one place.

pub mod company;
pub mod construction;
pub mod dgnb;
pub mod disclosure;
pub mod fingerplan;
pub mod goals;
pub mod land_use;
pub mod mix;
pub mod plausibility;
pub mod plot_ratio;
pub mod plot_status;
pub mod summary;
pub mod transit;

pub use construction::ConstructionStatus;
pub use dgnb::{DgnbLevel, DgnbPhase, DgnbScheme};
pub use land_use::LandUse;
pub use plot_status::PlotStatus;

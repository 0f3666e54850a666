//! The persisted form of a configuration: versioned JSON (docs/config-format.md).
//!
//! ```json
//! { "format": "rgm-config", "version": 1, "config": { "cluster_name": ..., "nodes": ...,
//!   "types": ..., "groups": ..., "resources": ... } }
//! ```
//! The golden file `test_data/config_v1.json` pins the form: a change to it is deliberate and
//! comes with a new version number and a migration of the old one.

use serde::{Deserialize, Serialize};

use crate::config::ClusterConfig;

/// The `format` tag of a persisted configuration.
pub const CONFIG_FORMAT: &str = "rgm-config";
/// The version of the persisted form this build writes and reads.
pub const CONFIG_VERSION: u32 = 1;

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'static str,
    version: u32,
    config: &'a ClusterConfig,
}

/// The envelope's header, read first so that an unknown format or version is reported as such
/// rather than as a shape mismatch.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
}

#[derive(Deserialize)]
struct Body {
    config: ClusterConfig,
}

/// Why a persisted configuration cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not an rgm configuration (format is `{0}`, expected `{CONFIG_FORMAT}`)")]
    Format(String),
    #[error(
        "configuration version {0} is not one this rgm reads (it reads version {CONFIG_VERSION})"
    )]
    Version(u32),
    #[error("configuration does not match version {CONFIG_VERSION}: {0}")]
    Shape(serde_json::Error),
}

/// The configuration as pretty-printed, versioned JSON.
pub fn to_json(cfg: &ClusterConfig) -> String {
    let envelope = EnvelopeOut {
        format: CONFIG_FORMAT,
        version: CONFIG_VERSION,
        config: cfg,
    };
    serde_json::to_string_pretty(&envelope).expect("a configuration always serialises")
}

/// Reads a configuration written by [`to_json`].
pub fn from_json(text: &str) -> Result<ClusterConfig, SerialError> {
    let header: Header = serde_json::from_str(text)?;
    if header.format != CONFIG_FORMAT {
        return Err(SerialError::Format(header.format));
    }
    if header.version != CONFIG_VERSION {
        return Err(SerialError::Version(header.version));
    }
    // Parsed straight into the model (not through serde_json::Value, whose maps are sorted):
    // property schemas keep their declared order.
    let body: Body = serde_json::from_str(text).map_err(SerialError::Shape)?;
    Ok(body.config)
}

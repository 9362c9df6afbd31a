//! One error type for the library, and the one place where errors become HTTP answers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every error plotline reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A query parameter the client sent is malformed or out of range.
    #[error("invalid parameter `{parameter}`: {message}")]
    InvalidParameter { parameter: String, message: String },

    /// The requested feature or resource does not exist.
    #[error("{what} `{id}` was not found")]
    NotFound { what: &'static str, id: String },

    /// The input data (an import file) breaks a rule; `location` says where.
    #[error("{location}: {message}")]
    InvalidData { location: String, message: String },

    /// The database answered with an error or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// GDAL could not read or write a data set.
    #[error("GDAL: {0}")]
    Gdal(#[from] gdal::errors::GdalError),

    /// Anything else that is the server's fault.
    #[error("{0}")]
    Internal(String),
}

/// Result with plotline's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid_parameter(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Error::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::InvalidData { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Database(_) | Error::Migrate(_) | Error::Gdal(_) | Error::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::NotFound { .. } => "not_found",
            Error::InvalidData { .. } => "invalid_data",
            Error::Database(sqlx::Error::PoolTimedOut) => "unavailable",
            _ => "internal",
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = json!({ "code": self.code(), "status": status.as_u16() });
        match &self {
            Error::InvalidParameter { parameter, .. } => {
                body["message"] = json!(self.to_string());
                body["parameter"] = json!(parameter);
            }
            Error::NotFound { .. } | Error::InvalidData { .. } => {
                body["message"] = json!(self.to_string());
            }
            _ => {
                // Server faults are logged with their cause; the client gets no internals.
                tracing::error!(error = %self, "request failed");
                body["message"] = json!("internal server error; the cause is in the server log");
            }
        }
        (status, axum::Json(json!({ "error": body }))).into_response()
    }
}

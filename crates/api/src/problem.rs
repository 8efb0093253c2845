//! RFC 9457 problem details: `application/problem+json` with a stable `code`, a `title` in the
//! reader's language and, for invalid input, one entry per parameter.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use kynnys_domain::Lang;
use serde::Serialize;
use thiserror::Error;

/// One invalid parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParameterProblem {
    pub parameter: String,
    pub code: &'static str,
    pub message: String,
}

/// Errors of the API; the one place they become HTTP responses.
#[derive(Debug, Error)]
pub enum ApiError {
    #[error("invalid parameters")]
    InvalidParameters {
        lang: Lang,
        problems: Vec<ParameterProblem>,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ParameterProblem],
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidParameters { .. } => StatusCode::BAD_REQUEST,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, code, errors, detail) = match self {
            ApiError::InvalidParameters { lang, problems } => (
                match lang {
                    Lang::Fi => "Virheellisiä parametreja",
                    Lang::Sv => "Ogiltiga parametrar",
                    Lang::En => "Invalid parameters",
                },
                "invalid_parameters",
                problems.as_slice(),
                problems.first().map(|p| p.message.as_str()),
            ),
            ApiError::Internal(reason) => {
                tracing::error!(error = %reason, "request failed");
                ("Internal error", "internal_error", &[][..], None)
            }
        };
        let status = self.status_code();
        HttpResponse::build(status)
            .content_type("application/problem+json")
            .json(Problem {
                kind: "about:blank",
                title,
                status: status.as_u16(),
                code,
                detail,
                errors,
            })
    }
}

//! The request's parts, read with the crate's one error type as the rejection: a body that is
//! not the route's JSON, a path or a query that does not parse, is answered like every other
//! refusal (`Error`'s JSON with a code), never with axum's plain-text rejections.

use crate::error::Error;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

/// A JSON body.
pub struct Body<T>(pub T);

/// The path's parameters.
pub struct PathOf<T>(pub T);

/// The query string.
pub struct QueryOf<T>(pub T);

/// Raw bytes (a blob chunk, a batch of frames).
pub struct Raw(pub Bytes);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(Body(value))
    }
}

impl<S: Send + Sync> FromRequest<S> for Raw {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        Ok(Raw(Bytes::from_request(req, state).await?))
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathOf<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let axum::extract::Path(value) = axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(PathOf(value))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryOf<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let axum::extract::Query(value) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(QueryOf(value))
    }
}

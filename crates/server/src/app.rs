//! Over 500 lines: the route table, each route's caller, handler and body limit written once.
//! The server as a whole: its state, its routes (one table, `ROUTES`, that the router, the
//! OpenAPI document and the access tests all follow), start-up (open and migrate the database,
//! load the server's chain) and serving with graceful shutdown. `launch_with_tcp_listener`
//! serves on a listener the caller already bound, so a test binds 127.0.0.1:0 and knows the
//! address before the first request, with nothing to wait for.

use crate::blobs::{self, BlobStore};
use crate::db::Database;
use crate::error::Error;
use crate::limits::{Limits, RateLimiter};
use crate::server_chain::ServerChain;
use crate::{decisions, office, records, sync};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{MethodFilter, MethodRouter, on};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub blob_url: String,
    pub pool_size: usize,
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/xuncha.db".into(),
            blob_url: "data/blobs".into(),
            pool_size: 8,
            limits: Limits::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Database>,
    pub blobs: Arc<BlobStore>,
    pub chain: Arc<ServerChain>,
    pub limits: Arc<Limits>,
    pub rate: Arc<RateLimiter>,
    /// The office console's built files, served at `/` (`None`: not built; `/` says how).
    pub console: Option<Arc<crate::console::Console>>,
    /// The official documents' fonts, public address and renderer.
    pub documents: Arc<crate::documents::Documents>,
    /// Exports made in the background.
    pub jobs: Arc<crate::jobs::Jobs>,
}

impl AppState {
    /// Opens and migrates the database, opens the blob store, loads the server's chain.
    pub async fn open(config: &Config) -> Result<AppState, Error> {
        let db = Database::open(&config.database_url, config.pool_size).await?;
        let blobs = BlobStore::open(&config.blob_url)?;
        let window = config.limits.clock_window;
        let chain = db.write(move |s| ServerChain::load_or_create(s, window)).await?;
        // Records made before facts were kept get theirs.
        let backfilled = crate::facts::backfill(&db).await?;
        if backfilled > 0 {
            tracing::info!(backfilled, "record facts made for the office's figures");
        }
        Ok(AppState {
            db,
            blobs: Arc::new(blobs),
            chain: Arc::new(chain),
            limits: Arc::new(config.limits.clone()),
            rate: Arc::new(RateLimiter::new(&config.limits)),
            console: None,
            documents: Arc::new(crate::documents::Documents::new(None, None)),
            jobs: Arc::new(crate::jobs::Jobs::new(crate::jobs::default_dir())),
        })
    }

    /// Sets the documents' fonts (a file or folder; `None`: the system's) and the public address
    /// their QR codes point to (`None`: the address each request came to).
    pub fn with_documents(
        mut self,
        fonts: Option<std::path::PathBuf>,
        public_url: Option<String>,
    ) -> AppState {
        self.documents = Arc::new(crate::documents::Documents::new(fonts, public_url));
        self
    }

    /// Serves the console built in `dir` at `/`; says so in the log, or that it is not built.
    pub fn with_console(mut self, dir: &std::path::Path) -> AppState {
        match crate::console::Console::at(dir) {
            Some(c) => {
                tracing::info!(dir = %dir.display(), "office console served at /");
                self.console = Some(Arc::new(c));
            }
            None => tracing::warn!(
                dir = %dir.display(),
                "no office console built there (cd ui && npm ci && npm run build): / says how"
            ),
        }
        self
    }
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A device token.
    Device,
    /// A device token or a user's session token.
    DeviceOrUser,
    /// Any user's session token.
    User,
    /// A session token of office staff or an admin.
    Office,
    /// A session token of an admin.
    Admin,
}

/// Which body limit of `Limits` a route's body is held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// `max_json_bytes`: a JSON request, or none.
    Json,
    /// `max_push_bytes`: a batch of signed events.
    Push,
    /// `max_chunk_bytes`: raw blob bytes, one chunk or a batch of frames.
    Chunk,
}

/// A query parameter, as the OpenAPI document describes it.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    pub schema: ParamSchema,
}

#[derive(Clone, Copy, Debug)]
pub enum ParamSchema {
    Integer { min: i64, max: i64 },
    OneOf(&'static [&'static str]),
    Text { max_len: usize },
    Uuid,
}

const fn param(name: &'static str, required: bool, schema: ParamSchema) -> Param {
    Param {
        name,
        required,
        schema,
    }
}

/// A report's unit (the caller's own when absent) and year.
const UNIT: Param = param("unit", false, ParamSchema::Uuid);
const MONTH: Param = param("month", false, ParamSchema::Integer { min: 1, max: 12 });
const YEAR: Param = param(
    "year",
    true,
    ParamSchema::Integer {
        min: crate::facts::YEARS.0 as i64,
        max: crate::facts::YEARS.1 as i64,
    },
);

const CURSOR: ParamSchema = ParamSchema::Integer {
    min: 0,
    max: i64::MAX,
};
const LIMIT: ParamSchema = ParamSchema::Integer {
    min: 0,
    max: u32::MAX as i64,
};
const ANY_MS: ParamSchema = ParamSchema::Integer {
    min: i64::MIN,
    max: i64::MAX,
};

/// One route of the API: what the router serves, the OpenAPI document says and the access
/// tests check, written once.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// The JSON body, named by its type (`None`: no body or raw bytes).
    pub request: Option<&'static str>,
    /// The success body: a JSON type's name (`T[]` a list of them), `text`, `bytes`, `xlsx`,
    /// `OpenAPI`, or `none` (an empty 204).
    pub response: &'static str,
    pub body: Body,
    /// The query parameters its handler reads.
    pub query: &'static [Param],
    /// The handler, mounted for the route's method.
    pub handler: Option<fn(MethodFilter) -> MethodRouter<AppState>>,
}

const fn route(
    method: &'static str,
    path: &'static str,
    access: Access,
    summary: &'static str,
    request: Option<&'static str>,
    response: &'static str,
) -> Route {
    Route {
        method,
        path,
        access,
        summary,
        request,
        response,
        body: Body::Json,
        query: &[],
        handler: None,
    }
}

impl Route {
    const fn to(self, handler: fn(MethodFilter) -> MethodRouter<AppState>) -> Route {
        Route {
            handler: Some(handler),
            ..self
        }
    }

    const fn body(self, body: Body) -> Route {
        Route { body, ..self }
    }

    const fn query(self, query: &'static [Param]) -> Route {
        Route { query, ..self }
    }
}

use Access::*;

/// The records table's filters: its list and its ledger read the same.
const RECORDS_QUERY: &[Param] = &[
    param(
        "kind",
        false,
        ParamSchema::OneOf(&["patrol", "inspection", "finding"]),
    ),
    param(
        "status",
        false,
        ParamSchema::OneOf(&["reported", "assigned", "rectified", "verified", "reopened"]),
    ),
    param("limit", false, LIMIT),
    param("before", false, ParamSchema::Text { max_len: 100 }),
    param("unit", false, ParamSchema::Uuid),
    param("owner", false, ParamSchema::Uuid),
    param("from", false, ANY_MS),
    param("to", false, ANY_MS),
    param("counts", false, ParamSchema::OneOf(&["true", "false"])),
    param("flagged", false, ParamSchema::OneOf(&["true", "false"])),
];

/// A map export's period, unit and coordinate system.
const GEO_QUERY: &[Param] = &[
    param("from", true, ANY_MS),
    param("to", true, ANY_MS),
    UNIT,
    param("crs", false, ParamSchema::OneOf(&["wgs84", "gcj02"])),
];

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    route("GET", "/healthz", Public, "The process is up", None, "text").to(|m| on(m, healthz)),
    route("GET", "/readyz", Public, "The database answers", None, "text").to(|m| on(m, readyz)),
    route(
        "GET",
        "/api/v1/openapi.json",
        Public,
        "This document",
        None,
        "OpenAPI",
    )
    .to(|m| on(m, openapi_json)),
    route(
        "POST",
        "/api/v1/enrol/challenge",
        Public,
        "A fresh nonce for an enrolling device to sign",
        None,
        "EnrolChallenge",
    )
    .to(|m| on(m, sync::enrol_challenge)),
    route(
        "POST",
        "/api/v1/enrol",
        Public,
        "Enrol a device with a user's credentials and a signed challenge",
        Some("EnrolRequest"),
        "EnrolResponse",
    )
    .to(|m| on(m, sync::enrol)),
    route(
        "POST",
        "/api/v1/token/refresh",
        Device,
        "A new device token; the one used stops working",
        None,
        "TokenRefreshResponse",
    )
    .to(|m| on(m, sync::token_refresh)),
    route(
        "POST",
        "/api/v1/token/revoke",
        Device,
        "Sign the device out: its token stops working",
        None,
        "none",
    )
    .to(|m| on(m, sync::token_revoke)),
    route(
        "POST",
        "/api/v1/session",
        Public,
        "Sign a user in for the office API",
        Some("SessionRequest"),
        "SessionResponse",
    )
    .to(|m| on(m, sync::session)),
    route(
        "DELETE",
        "/api/v1/session",
        User,
        "Sign out: end this session",
        None,
        "none",
    )
    .to(|m| on(m, sync::sign_out)),
    route(
        "POST",
        "/api/v1/sync/push",
        Device,
        "Push a batch of the device's events",
        Some("PushRequest"),
        "PushResponse",
    )
    .to(|m| on(m, sync::push))
    .body(Body::Push),
    route(
        "GET",
        "/api/v1/sync/pull",
        Device,
        "Pull visible events after a cursor",
        None,
        "PullResponse",
    )
    .to(|m| on(m, sync::pull))
    .query(&[param("after", false, CURSOR), param("limit", false, LIMIT)]),
    route(
        "POST",
        "/api/v1/blobs/missing",
        Device,
        "Which of these blobs the server lacks",
        Some("MissingBlobsRequest"),
        "MissingBlobsResponse",
    )
    .to(|m| on(m, blobs::missing)),
    route(
        "GET",
        "/api/v1/blobs/{hash}/upload",
        Device,
        "How much of a blob the server has",
        None,
        "UploadStatus",
    )
    .to(|m| on(m, blobs::upload_status)),
    route(
        "PUT",
        "/api/v1/blobs/{hash}/upload",
        Device,
        "Upload a chunk of a blob at ?offset=&total=",
        None,
        "UploadStatus",
    )
    .to(|m| on(m, blobs::upload))
    .body(Body::Chunk)
    .query(&[param("offset", true, CURSOR), param("total", true, CURSOR)]),
    route(
        "POST",
        "/api/v1/blobs/batch",
        Device,
        "Upload many small whole blobs: frames of [32-byte SHA-256][u32 LE length][bytes]",
        None,
        "BlobBatchResponse",
    )
    .to(|m| on(m, blobs::batch))
    .body(Body::Chunk),
    route(
        "GET",
        "/api/v1/blobs/{hash}",
        DeviceOrUser,
        "Download a blob a visible record uses",
        None,
        "bytes",
    )
    .to(|m| on(m, blobs::download)),
    route("GET", "/api/v1/office/units", Office, "Units", None, "Unit[]").to(|m| on(m, office::list_units)),
    route(
        "POST",
        "/api/v1/office/units",
        Admin,
        "Define a unit",
        Some("Unit"),
        "Event",
    )
    .to(|m| on(m, office::define_unit)),
    route(
        "GET",
        "/api/v1/office/users",
        Office,
        "Users of the caller's units",
        None,
        "User[]",
    )
    .to(|m| on(m, office::list_users)),
    route(
        "POST",
        "/api/v1/office/users",
        Admin,
        "Create a user",
        Some("NewUser"),
        "User",
    )
    .to(|m| on(m, office::create_user)),
    route(
        "GET",
        "/api/v1/office/devices",
        Office,
        "Devices of the caller's units",
        None,
        "DeviceInfo[]",
    )
    .to(|m| on(m, office::list_devices)),
    route(
        "POST",
        "/api/v1/office/users/{id}/disable",
        Admin,
        "Disable a user: their sessions and devices stop working",
        None,
        "User",
    )
    .to(|m| on(m, office::disable_user)),
    route(
        "POST",
        "/api/v1/office/users/{id}/password",
        Admin,
        "Give a user a new password, made by the server and shown once; their office sessions end",
        None,
        "PasswordReset",
    )
    .to(|m| on(m, office::reset_password)),
    route(
        "POST",
        "/api/v1/office/devices/{id}/revoke",
        Office,
        "Revoke a device's token",
        None,
        "DeviceInfo",
    )
    .to(|m| on(m, office::revoke_device)),
    route(
        "POST",
        "/api/v1/office/reaches",
        Office,
        "Define a river reach",
        Some("Reach"),
        "Event",
    )
    .to(|m| on(m, office::publish_reference::<xuncha_domain::reference::Reach>)),
    route(
        "POST",
        "/api/v1/office/sites",
        Office,
        "Define a site",
        Some("Site"),
        "Event",
    )
    .to(|m| on(m, office::publish_reference::<xuncha_domain::reference::Site>)),
    route(
        "POST",
        "/api/v1/office/checklists",
        Office,
        "Publish a checklist",
        Some("ChecklistTemplate"),
        "Event",
    )
    .to(|m| {
        on(
            m,
            office::publish_reference::<xuncha_domain::reference::ChecklistTemplate>,
        )
    }),
    route(
        "POST",
        "/api/v1/office/patrol-rules",
        Office,
        "Publish a version of a unit's patrol rules",
        Some("PatrolRules"),
        "Event",
    )
    .to(|m| on(m, office::publish_reference::<xuncha_domain::rules::PatrolRules>)),
    route(
        "GET",
        "/api/v1/office/records",
        Office,
        "List records or findings, a page at a time, filtered by kind, status, unit, person, period, and for patrols whether they count and are flagged",
        None,
        "RecordSummary[]",
    )
    .to(|m| on(m, records::list_records))
    .query(RECORDS_QUERY),
    route(
        "GET",
        "/api/v1/office/exports/records.xlsx",
        Office,
        "The records the same filters select (all pages, at most 100,000) as an XLSX ledger (台账)",
        None,
        "xlsx",
    )
    .to(|m| on(m, crate::ledger::records_xlsx))
    .query(RECORDS_QUERY),
    route(
        "GET",
        "/api/v1/office/exports/map.geojson",
        Office,
        "A period's patrol tracks, problems and sites as GeoJSON (RFC 7946, WGS-84; crs=gcj02 on request)",
        None,
        "geojson",
    )
    .to(|m| on(m, crate::geo_export::geojson))
    .query(GEO_QUERY),
    route(
        "GET",
        "/api/v1/office/exports/tracks.gpx",
        Office,
        "A period's patrol tracks as GPX 1.1, every fix with its time",
        None,
        "gpx",
    )
    .to(|m| on(m, crate::geo_export::gpx))
    .query(GEO_QUERY),
    route(
        "GET",
        "/api/v1/office/reports/problems",
        Office,
        "Problems found, assigned, rectified, verified, reopened and overdue (督办) by unit, category and period",
        None,
        "ProblemsReport",
    )
    .to(|m| on(m, crate::facts::problems_report_route))
    .query(&[
        UNIT,
        YEAR,
        MONTH,
        param("every", false, ParamSchema::OneOf(&["month", "quarter", "year"])),
    ]),
    route(
        "GET",
        "/api/v1/office/reports/quota",
        Office,
        "Each river chief's quota periods (due, done, counting, missing), with 巡河率, 河段覆盖率 and 异常巡河率",
        None,
        "QuotaReport",
    )
    .to(|m| on(m, crate::facts::quota_report_route))
    .query(&[UNIT, YEAR, MONTH]),
    route("GET", "/api/v1/office/reaches", Office, "The reaches of the caller's unit and those below", None, "Reach[]")
        .to(|m| on(m, crate::office_views::list_reaches)),
    route("GET", "/api/v1/office/sites", Office, "The sites of the caller's unit and those below", None, "Site[]")
        .to(|m| on(m, crate::office_views::list_sites)),
    route("GET", "/api/v1/office/checklists", Office, "Every checklist at its latest version", None, "ChecklistTemplate[]")
        .to(|m| on(m, crate::office_views::list_checklists)),
    route(
        "GET",
        "/api/v1/office/tracks",
        Office,
        "The tracks of the patrols that started in a period (at most a year), thinned for a map, with whether each counts",
        None,
        "Tracks",
    )
    .to(|m| on(m, crate::tracks::tracks))
    .query(&[param("from", true, ANY_MS), param("to", true, ANY_MS), UNIT]),
    route(
        "GET",
        "/api/v1/office/overview",
        Office,
        "The console's first page: patrols, inspections, documents and findings of today, this week and this month, and the phones that have gone quiet",
        None,
        "Overview",
    )
    .to(|m| on(m, crate::office_views::overview))
    .query(&[UNIT, param("stale_days", false, ParamSchema::Integer { min: 1, max: 365 })]),
    route(
        "GET",
        "/api/v1/office/patrol-rules",
        Office,
        "A unit's patrol rules, every version published (latest last); 404 while it has none",
        None,
        "RuleBook",
    )
    .to(|m| on(m, crate::office_views::patrol_rules))
    .query(&[UNIT]),
    route(
        "GET",
        "/api/v1/office/reports/year.xlsx",
        Office,
        "The year report as an XLSX workbook",
        None,
        "xlsx",
    )
    .to(|m| on(m, crate::office_views::year_xlsx))
    .query(&[UNIT, YEAR]),
    route(
        "GET",
        "/api/v1/office/reports/year",
        Office,
        "A unit's year report: patrols by chief level (counting and not, with reasons), problems, safety checks, fishing ban",
        None,
        "YearReport",
    )
    .to(|m| on(m, crate::facts::year_report_route))
    .query(&[UNIT, YEAR]),
    route(
        "GET",
        "/api/v1/office/records/{kind}/{id}",
        Office,
        "A record with its timeline and missing photos",
        None,
        "RecordDetail",
    )
    .to(|m| on(m, records::record_detail))
    .query(&[param(
        "mode",
        false,
        ParamSchema::OneOf(&["walking", "bicycle", "car", "boat"]),
    )]),
    route(
        "POST",
        "/api/v1/office/findings/{id}/assign",
        Office,
        "Assign a finding for rectification",
        Some("AssignRequest"),
        "Event",
    )
    .to(|m| on(m, decisions::decide_on::<decisions::AssignRequest>)),
    route(
        "POST",
        "/api/v1/office/findings/{id}/verify",
        Office,
        "Verify a rectified finding",
        Some("VerifyRequest"),
        "Event",
    )
    .to(|m| on(m, decisions::decide_on::<decisions::VerifyRequest>)),
    route(
        "POST",
        "/api/v1/office/findings/{id}/reopen",
        Office,
        "Reopen a finding",
        Some("ReopenRequest"),
        "Event",
    )
    .to(|m| on(m, decisions::decide_on::<decisions::ReopenRequest>)),
    route(
        "POST",
        "/api/v1/office/records/{kind}/{id}/review",
        Office,
        "Approve a patrol or inspection, or send it back with a comment that reaches the recorder's device",
        Some("ReviewRequest"),
        "Event",
    )
    .to(|m| on(m, decisions::review)),
    route(
        "GET",
        "/api/v1/office/records/{kind}/{id}/documents",
        Office,
        "The official documents a patrol or inspection has (现场检查记录, 责令限期整改指令书, 整改复查意见书, 承诺书, 巡河记录)",
        None,
        "DocRef[]",
    )
    .to(|m| on(m, crate::documents::list)),
    route(
        "GET",
        "/api/v1/office/records/{kind}/{id}/documents/{doc}",
        Office,
        "One official document of a record as PDF, with its verification QR code",
        None,
        "pdf",
    )
    .to(|m| on(m, crate::documents::pdf))
    .query(&[param("letter", false, ParamSchema::Uuid)]),
    route(
        "GET",
        "/api/v1/verify/{kind}/{id}/{hash}",
        Public,
        "Whether a document's record and newest event hash are in the record as its device signed it, and what changed since",
        None,
        "Verification",
    )
    .to(|m| on(m, crate::documents::verify_json)),
    route(
        "POST",
        "/api/v1/verify",
        Public,
        "The same check for an uploaded PDF document, by the verification keyword it carries",
        None,
        "Verification",
    )
    .to(|m| on(m, crate::documents::verify_upload))
    .body(Body::Chunk),
    route(
        "GET",
        "/verify/{kind}/{id}/{hash}",
        Public,
        "The verification as a page: the address in every document's QR code",
        None,
        "html",
    )
    .to(|m| on(m, crate::documents::verify_page)),
    route(
        "POST",
        "/api/v1/office/exports/documents",
        Office,
        "Start a ZIP of one kind of document for a unit and a period (at most 92 days, 5,000 records), made in the background",
        Some("DocumentsExport"),
        "Job",
    )
    .to(|m| on(m, crate::jobs::start_documents)),
    route(
        "POST",
        "/api/v1/office/exports/photos",
        Office,
        "Start a ZIP of a period's photos (upload copies, or originals) with metadata.csv and metadata.json, made in the background",
        Some("PhotosExport"),
        "Job",
    )
    .to(|m| on(m, crate::photo_export::start_photos)),
    route("GET", "/api/v1/office/exports/{id}", Office, "How far an export the caller started is", None, "Job")
        .to(|m| on(m, crate::jobs::status)),
    route(
        "GET",
        "/api/v1/office/exports/{id}/file",
        Office,
        "A finished export's file (409 while it is still being made)",
        None,
        "zip",
    )
    .to(|m| on(m, crate::jobs::file)),
];

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(st): State<AppState>) -> (StatusCode, &'static str) {
    match st.db.read(|s| s.ping()).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(crate::openapi::document())
}

/// The route declared for `method` and `path` (a path as declared, with `{…}` parameters).
pub fn route_of(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

/// The router: every route of `ROUTES`, each with its body limit.
pub fn router(state: AppState) -> Result<Router, Error> {
    let mut app = Router::new();
    for r in ROUTES {
        let handler = r
            .handler
            .ok_or_else(|| Error::Internal(format!("no handler for {} {}", r.method, r.path)))?;
        let method = r
            .method
            .parse::<axum::http::Method>()
            .ok()
            .and_then(|m| MethodFilter::try_from(m).ok())
            .ok_or_else(|| Error::Internal(format!("no such method {} for {}", r.method, r.path)))?;
        let limit = match r.body {
            Body::Json => state.limits.max_json_bytes,
            Body::Push => state.limits.max_push_bytes,
            Body::Chunk => state.limits.max_chunk_bytes,
        };
        app = app.route(r.path, handler(method).layer(DefaultBodyLimit::max(limit)));
    }
    Ok(app
        .fallback(crate::console::fallback)
        .layer(axum::middleware::from_fn(wire_version))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state))
}

/// One log line per request: method, path (never the query: it may carry offsets, not
/// secrets, but tokens travel in headers and are never logged), status, time taken.
async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if resp.status().is_server_error() {
        tracing::warn!(%method, %path, status, ms, "request");
    } else {
        tracing::info!(%method, %path, status, ms, "request");
    }
    resp
}

/// Refuses a client newer than this server's wire shapes, before anything is read or stored,
/// and says which version every answer speaks.
async fn wire_version(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use xuncha_domain::wire::{WIRE_VERSION, WIRE_VERSION_HEADER};
    let client = xuncha_domain::wire::client_wire_version(
        req.headers()
            .get(WIRE_VERSION_HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    let mut resp = if client > WIRE_VERSION {
        axum::response::IntoResponse::into_response(Error::ClientTooNew(client))
    } else {
        next.run(req).await
    };
    resp.headers_mut()
        .insert(WIRE_VERSION_HEADER, axum::http::HeaderValue::from(WIRE_VERSION));
    resp
}

/// Serves on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn launch_with_tcp_listener(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let state = AppState::open(&config).await?;
    serve_state(state, listener, shutdown).await
}

/// Serves an already opened state (tests and benchmarks reuse one state's database).
pub async fn serve_state(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, backend = state.db.backend_name(), "serving");
    let sweeper = tokio::spawn(sweep_now_and_then(state.clone()));
    let app = router(state)?;
    // With the peer's address, for the sign-in back-off per address.
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::Internal(format!("serve: {e}")));
    sweeper.abort();
    served
}

/// Sweeps abandoned uploads and unnamed blobs every `sweep_every_ms`, the first time one period
/// after the start. A failed sweep is logged and tried again next time.
async fn sweep_now_and_then(state: AppState) {
    let every = std::time::Duration::from_millis(state.limits.sweep_every_ms.max(1_000));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        if let Err(e) = blobs::sweep(&state, crate::now_ms()).await {
            tracing::warn!(error = %e, "the blob sweep failed; it runs again later");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
#[test]
fn every_route_has_a_handler_and_a_known_method() {
    for r in ROUTES {
        assert!(r.handler.is_some(), "{} {} has no handler", r.method, r.path);
        let m: axum::http::Method = r.method.parse().expect("an HTTP method");
        assert!(MethodFilter::try_from(m).is_ok(), "{} {}", r.method, r.path);
    }
}

//! Over 500 lines: the schema and the example of every request and response body the routes name.
//! The OpenAPI document of the whole API, built with utoipa from `app::ROUTES` — the same table
//! the router is built from, so a route cannot exist undocumented. Bodies are named by their
//! Rust types (`xuncha_domain::wire` for the sync contract); every error is `ErrorBody`.
//! The document must tell the truth about what the server answers — status codes, content
//! types, the shape of every body it spells out — because Schemathesis (scripts/schemathesis.sh)
//! holds the running server to it.

use crate::app::{Access, Body, Param, ParamSchema, ROUTES};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, ComponentsBuilder, KnownFormat, ObjectBuilder, Ref, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApiBuilder, RefOr, Required};

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

fn schema_name(body: &str) -> &str {
    body.trim_end_matches("[]")
}

fn integer(minimum: i64, maximum: Option<i64>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(minimum))
        .maximum(maximum)
}

/// The media type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn uuid_format() -> Option<SchemaFormat> {
    Some(SchemaFormat::Custom("uuid".into()))
}

fn uuid() -> ObjectBuilder {
    string().format(uuid_format())
}

/// Hex of a SHA-256 (a blob) or of a 32-byte key or nonce.
fn hex32() -> ObjectBuilder {
    string().pattern(Some("^[0-9a-f]{64}$"))
}

/// A value of type `t` that is sent as `null` when absent.
fn nullable(t: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Array(vec![t, Type::Null]))
}

fn parameter(name: &str, at: ParameterIn, required: bool, schema: ObjectBuilder) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(at)
        .required(if required { Required::True } else { Required::False })
        .schema(Some(schema.build()))
        .build()
}

/// The parameters of a route: each `{name}` of its path, as the handler parses it, and the
/// query its handler reads.
fn parameters(path: &str, query: &[Param]) -> Vec<Parameter> {
    let mut out: Vec<Parameter> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let schema = match name {
                "hash" => hex32(),
                "kind" => string().enum_values(Some(["patrol", "inspection", "finding"])),
                _ => uuid(),
            };
            parameter(name, ParameterIn::Path, true, schema)
        })
        .collect();
    out.extend(query.iter().map(|q| {
        let schema = match q.schema {
            ParamSchema::Integer { min, max } => integer(min, Some(max)),
            ParamSchema::OneOf(values) => string().enum_values(Some(values.iter().copied())),
            ParamSchema::Text { max_len } => string().max_length(Some(max_len)),
            ParamSchema::Uuid => uuid(),
        };
        parameter(q.name, ParameterIn::Query, q.required, schema)
    }));
    out
}

/// A real value of the sync contract's types, serialised by the same code that serves them, so
/// the document shows the exact JSON shape.
fn example(name: &str) -> Option<serde_json::Value> {
    use xuncha_domain::wire::*;
    use xuncha_domain::{BlobHash, ChainHead, DeviceId, DevicePublicKey, EventHash, EventId};
    let key = DevicePublicKey(
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
            .verifying_key()
            .to_bytes(),
    );
    let hash = BlobHash::of(b"photo");
    let head = Some(ChainHead {
        seq: 42,
        hash: EventHash::of(b"head"),
    });
    let value = match name {
        "EnrolRequest" => serde_json::to_value(EnrolRequest {
            device: xuncha_domain::DeviceId(uuid::Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001)),
            login: "chief-01".into(),
            password: "••••••••".into(),
            public_key: key,
            device_name: "张三的手机".into(),
            challenge: Some(hex::encode([0x5au8; 32])),
            signature: Some(hex::encode([0xa5u8; 64])),
        }),
        "EnrolChallenge" => serde_json::to_value(EnrolChallenge {
            nonce: hex::encode([0x5au8; 32]),
            expires_at: 1_767_225_900_000,
        }),
        "TokenRefreshResponse" => serde_json::to_value(TokenRefreshResponse {
            token: "xd_…".into(),
            expires_at: 1_775_001_600_000,
        }),
        "PushResponse" => serde_json::to_value(PushResponse {
            results: vec![
                EventAck {
                    id: Some(EventId::new()),
                    seq: Some(41),
                    outcome: EventOutcome::Accepted,
                },
                EventAck {
                    id: Some(EventId::new()),
                    seq: Some(42),
                    outcome: EventOutcome::Rejected {
                        code: "finding_not_rectified".into(),
                        message: "问题处于“已交办”状态，整改完成后才能验收".into(),
                        kept: true,
                    },
                },
            ],
            head,
        }),
        "PullResponse" => serde_json::to_value(PullResponse {
            events: vec![],
            cursor: 1234,
            more: false,
        }),
        "MissingBlobsRequest" => serde_json::to_value(MissingBlobsRequest { hashes: vec![hash] }),
        "MissingBlobsResponse" => serde_json::to_value(MissingBlobsResponse { missing: vec![hash] }),
        "BlobBatchResponse" => serde_json::to_value(BlobBatchResponse {
            results: vec![
                BlobBatchResult {
                    hash,
                    size: 4_096,
                    outcome: BlobBatchOutcome::Stored,
                },
                BlobBatchResult {
                    hash,
                    size: 4_096,
                    outcome: BlobBatchOutcome::NotNamed,
                },
            ],
        }),
        "UploadStatus" => serde_json::to_value(UploadStatus {
            hash,
            received: 524_288,
            complete: false,
        }),
        "ErrorBody" => serde_json::to_value(ErrorBody {
            code: "wrong_offset".into(),
            message: "服务器已收到 524288 字节，请从偏移 524288 继续".into(),
        }),
        "EnrolResponse" => serde_json::to_value(serde_json::json!({
            "device": DeviceId::new(), "token": "xd_…", "server_device": DeviceId::new(),
            "server_public_key": key, "token_expires_at": 1_775_001_600_000_i64, "user": {"id": EventId::new(), "name": "新河大队河湖长",
            "login": "chief-01", "unit": EventId::new(), "roles": [{"role": "river_chief", "level": "brigade"}]}
        })),
        _ => return None,
    };
    value.ok()
}

fn described(name: &str) -> utoipa::openapi::schema::Object {
    let from = match name {
        "EnrolRequest"
        | "EnrolResponse"
        | "EnrolChallenge"
        | "TokenRefreshResponse"
        | "PushRequest"
        | "PushResponse"
        | "PullResponse"
        | "MissingBlobsRequest"
        | "MissingBlobsResponse"
        | "BlobBatchResponse"
        | "UploadStatus"
        | "ErrorBody" => "xuncha_domain::wire",
        "Event" => "xuncha_domain::event",
        "Unit" | "User" => "xuncha_domain::people",
        "Reach" | "Site" | "ChecklistTemplate" => "xuncha_domain::reference",
        "PatrolRules" | "RuleBook" => "xuncha_domain::rules",
        "Overview" => "xuncha_server::office_views",
        "Tracks" => "xuncha_server::tracks",
        "YearReport" | "QuotaReport" | "ProblemsReport" => "xuncha_domain::figures",
        "SessionRequest" | "SessionResponse" => "xuncha_server::sync",
        "RecordSummary" | "RecordDetail" => "xuncha_server::records",
        "DocRef" => "xuncha_docs",
        "Verification" => "xuncha_server::documents",
        "DocumentsExport" | "Job" => "xuncha_server::jobs",
        "PhotosExport" => "xuncha_server::photo_export",
        "AssignRequest" | "VerifyRequest" | "ReopenRequest" | "ReviewRequest" => "xuncha_server::decisions",
        _ => "xuncha_server::office",
    };
    let object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!("`{from}::{name}` serialised with serde_json")))
        .examples(example(name));
    match name {
        "RecordDetail" => with_plausibility(object),
        _ => with_fields(name, object),
    }
    .build()
}

/// The fields of the messages, people and reference data, spelled out so a client (and
/// Schemathesis) can hold every answer to them. Events and record states stay described by
/// their type.
fn with_fields(name: &str, object: ObjectBuilder) -> ObjectBuilder {
    let any_object = || ObjectBuilder::new().schema_type(Type::Object);
    let array = |items: ObjectBuilder| ArrayBuilder::new().items(items).build();
    let number = || ObjectBuilder::new().schema_type(Type::Number);
    let position = || {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("lon", number())
            .required("lon")
            .property("lat", number())
            .required("lat")
    };
    let role = || {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "role",
                string().enum_values(Some([
                    "river_chief",
                    "safety_inspector",
                    "fishing_ban_patroller",
                    "office",
                    "admin",
                ])),
            )
            .required("role")
            .property(
                "level",
                string().enum_values(Some(["street", "brigade", "volunteer"])),
            )
            .description(Some(
                "`{\"role\": \"river_chief\", \"level\": \"brigade\"}`; `level` only for river chiefs",
            ))
    };
    let user = || Ref::from_schema_name("User").into();
    let fields: Vec<(&str, RefOr<Schema>, bool)> = match name {
        "ErrorBody" => vec![
            ("code", string().build().into(), true),
            ("message", string().build().into(), true),
        ],
        "EnrolChallenge" => vec![
            ("nonce", hex32().build().into(), true),
            ("expires_at", integer(0, None).build().into(), true),
        ],
        "EnrolRequest" => vec![
            ("device", uuid().build().into(), true),
            ("login", string().build().into(), true),
            ("password", string().build().into(), true),
            ("public_key", hex32().build().into(), true),
            ("device_name", string().build().into(), true),
            ("challenge", hex32().build().into(), false),
            (
                "signature",
                string().pattern(Some("^[0-9a-f]{128}$")).build().into(),
                false,
            ),
        ],
        "EnrolResponse" => vec![
            ("device", uuid().build().into(), true),
            ("token", string().build().into(), true),
            ("user", user(), true),
            ("server_device", uuid().build().into(), true),
            ("server_public_key", hex32().build().into(), true),
            ("token_expires_at", integer(0, None).build().into(), false),
        ],
        "TokenRefreshResponse" => vec![
            ("token", string().build().into(), true),
            ("expires_at", integer(0, None).build().into(), true),
        ],
        "SessionRequest" => vec![
            ("login", string().build().into(), true),
            ("password", string().build().into(), true),
        ],
        "SessionResponse" => vec![
            ("token", string().build().into(), true),
            ("user", user(), true),
            ("expires_at", integer(0, None).build().into(), true),
        ],
        "PushRequest" => vec![("events", array(any_object()).into(), true)],
        "PushResponse" => vec![
            ("results", array(any_object()).into(), true),
            ("head", nullable(Type::Object).build().into(), true),
        ],
        "PullResponse" => vec![
            ("events", array(any_object()).into(), true),
            ("cursor", integer(0, None).build().into(), true),
            (
                "more",
                ObjectBuilder::new().schema_type(Type::Boolean).build().into(),
                true,
            ),
        ],
        "MissingBlobsRequest" => vec![("hashes", array(hex32()).into(), true)],
        "MissingBlobsResponse" => vec![("missing", array(hex32()).into(), true)],
        "BlobBatchResponse" => vec![(
            "results",
            array(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("hash", hex32())
                    .required("hash")
                    .property("size", integer(0, None))
                    .required("size")
                    .property(
                        "outcome",
                        string().enum_values(Some([
                            "stored",
                            "held",
                            "not_named",
                            "hash_mismatch",
                            "refused",
                        ])),
                    )
                    .required("outcome")
                    .property("code", string())
                    .property("message", string())
                    .description(Some(
                        "One frame's outcome, in frame order; `code` and `message` only when `refused`",
                    )),
            )
            .into(),
            true,
        )],
        "Unit" => vec![
            ("id", uuid().build().into(), true),
            ("name", string().build().into(), true),
            (
                "kind",
                string()
                    .enum_values(Some(["subdistrict", "brigade", "community"]))
                    .build()
                    .into(),
                true,
            ),
            (
                "parent",
                nullable(Type::String).format(uuid_format()).build().into(),
                true,
            ),
            ("code", string().build().into(), true),
        ],
        "User" => vec![
            ("id", uuid().build().into(), true),
            ("name", string().build().into(), true),
            ("login", string().build().into(), true),
            ("unit", uuid().build().into(), true),
            ("roles", array(role()).into(), true),
            ("active_from", integer(0, Some(i64::MAX)).build().into(), false),
        ],
        "NewUser" => vec![
            ("login", string().build().into(), true),
            ("name", string().build().into(), true),
            ("unit", uuid().build().into(), true),
            ("roles", array(role()).into(), true),
            ("password", string().build().into(), true),
            ("active_from", integer(0, Some(i64::MAX)).build().into(), false),
        ],
        "PasswordReset" => vec![
            ("login", string().build().into(), true),
            ("password", string().min_length(Some(8)).build().into(), true),
        ],
        "DeviceInfo" => vec![
            ("id", uuid().build().into(), true),
            (
                "user",
                nullable(Type::String).format(uuid_format()).build().into(),
                true,
            ),
            ("name", string().build().into(), true),
            ("enrolled_at", integer(0, None).build().into(), true),
            (
                "revoked_at",
                nullable(Type::Integer).minimum(Some(0)).build().into(),
                true,
            ),
            (
                "head_seq",
                nullable(Type::Integer).minimum(Some(0)).build().into(),
                true,
            ),
        ],
        "AssignRequest" => vec![
            ("assignee", string().build().into(), true),
            (
                "follow_up_by",
                nullable(Type::String).format(uuid_format()).build().into(),
                false,
            ),
            ("deadline", integer(0, None).build().into(), true),
            ("note", string().build().into(), true),
        ],
        "VerifyRequest" => vec![("note", string().build().into(), true)],
        "ReopenRequest" => vec![("reason", string().build().into(), true)],
        "ReviewRequest" => vec![
            (
                "decision",
                string()
                    .enum_values(Some(["approved", "sent_back"]))
                    .build()
                    .into(),
                true,
            ),
            ("comment", string().max_length(Some(500)).build().into(), false),
        ],
        "Reach" => vec![
            ("id", uuid().build().into(), true),
            ("name", string().build().into(), true),
            ("unit", uuid().build().into(), true),
            ("line", array(position()).into(), true),
            ("length_m", number().build().into(), true),
            ("chiefs", array(uuid()).into(), false),
        ],
        "Site" => vec![
            ("id", uuid().build().into(), true),
            ("name", string().build().into(), true),
            (
                "kind",
                string()
                    .enum_values(Some([
                        "enterprise",
                        "market",
                        "restaurant",
                        "aquatic_dealer",
                        "tackle_shop",
                    ]))
                    .build()
                    .into(),
                true,
            ),
            ("address", string().build().into(), true),
            ("location", position().build().into(), true),
            ("unit", uuid().build().into(), true),
        ],
        "ChecklistTemplate" => vec![
            ("id", uuid().build().into(), true),
            (
                "version",
                integer(0, Some(i64::from(u32::MAX))).build().into(),
                true,
            ),
            ("name", string().build().into(), true),
            (
                "items",
                array(
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .property("code", string())
                        .required("code")
                        .property("text", string())
                        .required("text")
                        .property("legal_basis", string())
                        .required("legal_basis"),
                )
                .into(),
                true,
            ),
        ],
        "PatrolRules" => {
            let level = ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(
                    "level",
                    string().enum_values(Some(["street", "brigade", "volunteer"])),
                )
                .required("level")
                .property("min_duration_min", integer(0, Some(1_440)))
                .required("min_duration_min")
                .property("min_length_m", integer(0, Some(100_000)))
                .required("min_length_m")
                .property("min_coverage_pct", integer(0, Some(100)))
                .required("min_coverage_pct")
                .property("cooldown_h", integer(0, Some(744)))
                .required("cooldown_h");
            let flag = || ObjectBuilder::new().schema_type(Type::Boolean);
            let level = ["delegates_count", "drone_counts", "meetings_count"]
                .into_iter()
                .fold(level, |l, f| l.property(f, flag()).required(f));
            vec![
                ("id", uuid().build().into(), true),
                ("unit", uuid().build().into(), true),
                ("version", integer(1, Some(1_000_000)).build().into(), true),
                ("name", string().build().into(), true),
                (
                    "effective_from",
                    integer(946_684_800_000, None).build().into(),
                    true,
                ),
                ("levels", array(level).into(), true),
            ]
        }
        "UploadStatus" => vec![
            ("hash", hex32().build().into(), true),
            ("received", integer(0, None).build().into(), true),
            (
                "complete",
                ObjectBuilder::new().schema_type(Type::Boolean).build().into(),
                true,
            ),
        ],
        _ => vec![],
    };
    fields
        .into_iter()
        .fold(object, |object, (field, schema, required)| {
            let object = object.property(field, schema);
            if required { object.required(field) } else { object }
        })
}

/// The plausibility fields of a record's detail, spelled out: the office filters and words
/// flags by their codes, so the document lists every code the server may send.
fn with_plausibility(object: ObjectBuilder) -> ObjectBuilder {
    use xuncha_domain::geo::{FlagCode, TravelMode};
    let text = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
    };
    let flag = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "code",
            text("What was found").enum_values(Some(FlagCode::ALL.map(FlagCode::code))),
        )
        .required("code")
        .property(
            "scope",
            ObjectBuilder::new().schema_type(Type::Object).description(Some(
                "`{\"kind\": \"patrol\"}`, `{\"kind\": \"point\", \"index\": n}` (a fix of the track) or \
                 `{\"kind\": \"photo\", \"index\": n}`",
            )),
        )
        .required("scope")
        .property(
            "label_zh",
            text("The flag explained in Chinese, with its figures"),
        )
        .required("label_zh")
        .property("label_en", text("The same in English"))
        .required("label_en")
        .property(
            "photo",
            text("The `PhotoAttached` event of the photo a photo flag is about"),
        )
        .property(
            "finding",
            text("The finding that photo belongs to, on a patrol's detail"),
        );
    let modes = [
        TravelMode::Walking,
        TravelMode::Bicycle,
        TravelMode::Car,
        TravelMode::Boat,
    ]
    .map(|m| serde_json::to_value(m).unwrap_or_default());
    object
        .property(
            "flags",
            ArrayBuilder::new()
                .items(flag)
                .description(Some(
                    "Plausibility flags: a patrol's track and the photos of it and its findings; \
                     a finding's photos against its place and its original photos",
                ))
                .build(),
        )
        .required("flags")
        .property(
            "flagged_points",
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Indices of the patrol's fixes flagged one by one"))
                .build(),
        )
        .required("flagged_points")
        .property(
            "travel_mode",
            text("How the patrol's track was judged (`?mode=`, walking by default); null for other records")
                .enum_values(Some(modes)),
        )
}

/// The document served at `/api/v1/openapi.json`.
pub fn document() -> serde_json::Value {
    let mut paths = PathsBuilder::new();
    let mut components = ComponentsBuilder::new()
        .schema("ErrorBody", described("ErrorBody"))
        .security_scheme(
            "device_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .security_scheme(
            "session_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    for r in ROUTES {
        let json = |name: &str| {
            let schema = Ref::from_schema_name(schema_name(name));
            let content = if name.ends_with("[]") {
                ContentBuilder::new().schema(Some(ArrayBuilder::new().items(schema).build()))
            } else {
                ContentBuilder::new().schema(Some(schema))
            };
            content.build()
        };
        let success = match r.response {
            "none" => ("204", ResponseBuilder::new().description("Done; no body").build()),
            "text" => (
                "200",
                ResponseBuilder::new()
                    .description(r.response)
                    .content(
                        "text/plain",
                        ContentBuilder::new().schema(Some(string().build())).build(),
                    )
                    .build(),
            ),
            "bytes" => (
                "200",
                ResponseBuilder::new()
                    .description(r.response)
                    .content("application/octet-stream", ContentBuilder::new().build())
                    .build(),
            ),
            file @ ("xlsx" | "pdf" | "zip" | "html" | "geojson" | "gpx") => {
                let (media, what) = match file {
                    "xlsx" => (XLSX, "An XLSX workbook"),
                    "pdf" => ("application/pdf", "A PDF document"),
                    "zip" => ("application/zip", "A ZIP archive"),
                    "geojson" => ("application/geo+json", "A GeoJSON FeatureCollection"),
                    "gpx" => ("application/gpx+xml", "A GPX 1.1 file"),
                    _ => ("text/html", "An HTML page"),
                };
                (
                    "200",
                    ResponseBuilder::new()
                        .description(what)
                        .content(media, ContentBuilder::new().build())
                        .build(),
                )
            }
            "OpenAPI" => (
                "200",
                ResponseBuilder::new()
                    .description(r.response)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::Object).build()))
                            .build(),
                    )
                    .build(),
            ),
            body => (
                "200",
                ResponseBuilder::new()
                    .description(r.response)
                    .content("application/json", json(body))
                    .build(),
            ),
        };
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .operation_id(Some(format!("{} {}", r.method, r.path)))
            .tag(r.path.split('/').nth(3).unwrap_or("service"))
            .parameters(Some(parameters(r.path, r.query)))
            .response(success.0, success.1)
            .response(
                "4XX",
                ResponseBuilder::new()
                    .description("The client's fault; the message says what to fix")
                    .content("application/json", json("ErrorBody"))
                    .build(),
            );
        if r.path == "/readyz" {
            op = op.response(
                "503",
                ResponseBuilder::new()
                    .description("The database does not answer")
                    .content(
                        "text/plain",
                        ContentBuilder::new().schema(Some(string().build())).build(),
                    )
                    .build(),
            );
        }
        if !matches!(
            r.response,
            "none" | "text" | "bytes" | "xlsx" | "pdf" | "zip" | "html" | "geojson" | "gpx" | "OpenAPI"
        ) {
            components = components.schema(schema_name(r.response), described(schema_name(r.response)));
        }
        if let Some(req) = r.request {
            components = components.schema(schema_name(req), described(schema_name(req)));
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json(req))
                    .required(Some(Required::True))
                    .build(),
            ));
        } else if r.body == Body::Chunk {
            // The chunk's raw bytes, from `offset`; or the batch's frames, each
            // [32-byte SHA-256][u32 little-endian length][bytes].
            let bytes = string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/octet-stream",
                        ContentBuilder::new().schema(Some(bytes.build())).build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        op = match r.access {
            Access::Public => op,
            Access::Device => op.security(SecurityRequirement::new("device_token", Vec::<String>::new())),
            Access::DeviceOrUser => op
                .security(SecurityRequirement::new("device_token", Vec::<String>::new()))
                .security(SecurityRequirement::new("session_token", Vec::<String>::new())),
            Access::User | Access::Office | Access::Admin => {
                op.security(SecurityRequirement::new("session_token", Vec::<String>::new()))
            }
        };
        paths = paths.path(r.path, PathItem::new(method(r.method), op.build()));
    }
    let doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("xuncha-server")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("巡查: sync contract (/api/v1) and office API"))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build();
    serde_json::to_value(&doc).unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}))
}

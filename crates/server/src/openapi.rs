//! The OpenAPI document of the whole API, built with utoipa from `app::ROUTES` — the same table
//! the router is built from, so a route cannot exist undocumented. Bodies are named by their
//! Rust types (`xuncha_domain::wire` for the sync contract); every error is `ErrorBody`.

use crate::app::{Access, ROUTES};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ComponentsBuilder, ObjectBuilder, Ref, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApiBuilder};

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
        | "UploadStatus"
        | "ErrorBody" => "xuncha_domain::wire",
        "Event" => "xuncha_domain::event",
        "Unit" | "User" => "xuncha_domain::people",
        "Reach" | "Site" | "ChecklistTemplate" => "xuncha_domain::reference",
        "SessionRequest" | "SessionResponse" => "xuncha_server::sync",
        "RecordSummary" | "RecordDetail" | "AssignRequest" | "VerifyRequest" | "ReopenRequest" => {
            "xuncha_server::records"
        }
        _ => "xuncha_server::office",
    };
    let object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!("`{from}::{name}` serialised with serde_json")))
        .examples(example(name));
    match name {
        "RecordDetail" => with_plausibility(object),
        _ => object,
    }
    .build()
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
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema_name(name))))
                .build()
        };
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .operation_id(Some(format!("{} {}", r.method, r.path)))
            .tag(r.path.split('/').nth(3).unwrap_or("service"))
            .response(
                "200",
                if matches!(r.response, "text" | "bytes" | "OpenAPI") {
                    ResponseBuilder::new().description(r.response).build()
                } else {
                    ResponseBuilder::new()
                        .description(r.response)
                        .content("application/json", json(r.response))
                        .build()
                },
            )
            .response(
                "4XX",
                ResponseBuilder::new()
                    .description("The client's fault; the message says what to fix")
                    .content("application/json", json("ErrorBody"))
                    .build(),
            );
        if !matches!(r.response, "text" | "bytes" | "OpenAPI") {
            components = components.schema(schema_name(r.response), described(schema_name(r.response)));
        }
        if let Some(req) = r.request {
            components = components.schema(schema_name(req), described(schema_name(req)));
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json(req))
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

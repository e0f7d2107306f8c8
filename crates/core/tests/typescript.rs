//! The UI's TypeScript types are generated from the API's Rust types (`ts_rs::TS`, the `ts`
//! feature) into `ui/src/lib/generated/api.ts`, with the catalogue of problem categories beside
//! them: this test fails when the committed file is not what the Rust types say today, and
//! `XUNCHA_BLESS=1` rewrites it.
//!
//! Ids, hashes and times are i64/u64 in Rust but numbers and strings in JSON; they are written
//! as `number` (a millisecond time or a count never reaches 2^53).

use std::collections::BTreeMap;
use std::path::PathBuf;
use ts_rs::{Config, TS, TypeVisitor};
use xuncha_core::api::{Request, Response};
use xuncha_core::error::ErrorBody;
use xuncha_domain::catalogue::CATEGORIES;

/// Every declaration reached from the roots, by name.
struct Declarations<'a> {
    cfg: &'a Config,
    by_name: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if T::output_path().is_none() {
            // A wrapper (`Vec`, `Option`, `Box`…) or a primitive: its parameters may be ours
            // (its dependencies are its parameters' own, reached through them).
            T::visit_generics(self);
            return;
        }
        let name = T::ident(self.cfg);
        if self.by_name.contains_key(&name) {
            return;
        }
        let docs = T::docs().unwrap_or_default();
        self.by_name
            .insert(name, format!("{docs}export {}\n", T::decl(self.cfg)));
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

fn generated() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut d = Declarations {
        cfg: &cfg,
        by_name: BTreeMap::new(),
    };
    d.visit::<Request>();
    d.visit::<Response>();
    d.visit::<ErrorBody>();
    // The office console's reports (ui/src/console) read the domain's figures as they are.
    d.visit::<xuncha_domain::figures::YearReport>();
    d.visit::<xuncha_domain::figures::QuotaReport>();
    d.visit::<xuncha_domain::figures::ProblemsReport>();
    let mut out = String::from(
        "// Generated from the Rust types by crates/core/tests/typescript.rs: do not edit.\n\
         // After changing a type of the API, run\n\
         //   XUNCHA_BLESS=1 cargo nextest run -p xuncha-core --test typescript\n\n",
    );
    for decl in d.by_name.values() {
        out.push_str(decl);
        out.push('\n');
    }
    out.push_str(
        "/** A problem category of the catalogue (crates/domain/src/catalogue.rs): its code is stored in events. */\n\
         export type Category = { code: string, kind: FindingKind, zh: string, en: string };\n\n\
         export const CATEGORIES: Category[] = [\n",
    );
    for c in CATEGORIES {
        let kind = serde_json::to_value(c.kind).expect("a finding kind is a string");
        out.push_str(&format!(
            "  {{ code: {}, kind: {kind}, zh: {}, en: {} }},\n",
            serde_json::Value::from(c.code),
            serde_json::Value::from(c.name_zh),
            serde_json::Value::from(c.name_en),
        ));
    }
    out.push_str("];\n");
    out
}

#[test]
fn the_uis_generated_types_are_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/generated/api.ts");
    let want = generated();
    if std::env::var_os("XUNCHA_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("make the folder");
        std::fs::write(&path, &want).expect("write the generated types");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/lib/generated/api.ts is not what the Rust types say: a type of the API changed. \
         Run `XUNCHA_BLESS=1 cargo nextest run -p xuncha-core --test typescript` and commit the file."
    );
}

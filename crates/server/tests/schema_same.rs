//! The two backends' migrations make the same schema. Each backend has its own migration files
//! (their types differ), and the one implementation of `Storage` trusts them to name the same
//! tables, columns, keys and indexes; this migrates a fresh database of each and compares them
//! after normalising the types, failing with the lines only one side has.

use std::collections::BTreeSet;
use xuncha_testsupport::postgres;

/// A column's type as both backends mean it. SQLite has one 64-bit integer type, which stands for
/// PostgreSQL's BIGINT, SMALLINT (the single-row tables' `one`) and BOOLEAN (stored 0 or 1); a
/// PostgreSQL INTEGER is 32 bits and stays apart, since it could not hold what SQLite holds.
fn normal_type(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "text" => "text".into(),
        "integer" | "bigint" | "smallint" | "boolean" => "integer".into(),
        "blob" | "bytea" => "bytes".into(),
        other => format!("unnormalised {other}"),
    }
}

/// A schema as lines, one a fact: `column t.c type null|not null[ default]`, `primary key t (a, b)`,
/// `unique t (a)`, `index t name (a, b)`, `foreign key t (a) -> u (b)`.
type Schema = BTreeSet<String>;

/// The rows of a query about one table (or index) `name`, each read by `read`.
fn pragma<T>(
    db: &rusqlite::Connection,
    sql: &str,
    name: &str,
    read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Vec<T> {
    let mut s = db.prepare(sql).expect(sql);
    s.query_map([name], read)
        .expect(sql)
        .collect::<Result<_, _>>()
        .expect(sql)
}

fn sqlite_schema(path: &std::path::Path) -> Schema {
    let db = rusqlite::Connection::open(path).expect("open the migrated SQLite file");
    let mut out = Schema::new();
    let tables: Vec<String> = pragma(
        &db,
        "SELECT name FROM sqlite_master WHERE type = ?1 AND name NOT LIKE 'sqlite_%'",
        "table",
        |r| r.get(0),
    );
    for t in &tables {
        let columns: Vec<(String, String, bool, bool, i64)> = pragma(
            &db,
            "SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk FROM pragma_table_info(?1)",
            t,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        );
        let mut key: Vec<(i64, String)> = Vec::new();
        for (name, ty, not_null, default, pk) in columns {
            // A primary key column is not null in both; SQLite alone would take a NULL in one that
            // is not an INTEGER PRIMARY KEY, which no statement of ours writes.
            out.insert(column_line(
                t,
                &name,
                &normal_type(&ty),
                not_null || pk > 0,
                default,
            ));
            if pk > 0 {
                key.push((pk, name));
            }
        }
        key.sort();
        out.insert(format!(
            "primary key {t} ({})",
            join(key.into_iter().map(|(_, c)| c))
        ));
        let indexes: Vec<(String, bool, String)> = pragma(
            &db,
            "SELECT name, \"unique\", origin FROM pragma_index_list(?1)",
            t,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        );
        for (index, unique, origin) in indexes {
            let sql = "SELECT name FROM pragma_index_info(?1) ORDER BY seqno";
            let columns = join(pragma(&db, sql, &index, |r| r.get(0)));
            match (origin.as_str(), unique) {
                ("pk", _) => {}
                (_, true) => {
                    out.insert(format!("unique {t} ({columns})"));
                }
                (_, false) => {
                    out.insert(format!("index {t} {index} ({columns})"));
                }
            }
        }
        let keys: Vec<(String, String, String)> = pragma(
            &db,
            "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1)",
            t,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        );
        for (to_table, from, to) in keys {
            out.insert(format!("foreign key {t} ({from}) -> {to_table} ({to})"));
        }
    }
    out
}

fn postgres_schema(url: &str) -> Schema {
    let url = url.to_owned();
    // The blocking client runs its own runtime: on a plain thread, as the support module does.
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test database");
        let mut out = Schema::new();
        for r in c
            .query(
                "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, is_nullable = 'NO',
                        column_default IS NOT NULL
                 FROM information_schema.columns WHERE table_schema = 'public'",
                &[],
            )
            .expect("columns")
        {
            let (t, name, ty): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            out.insert(column_line(&t, &name, &normal_type(&ty), r.get(3), r.get(4)));
        }
        for r in c
            .query(
                "SELECT t.relname::TEXT, i.relname::TEXT, x.indisprimary, x.indisunique,
                        array_agg(a.attname::TEXT ORDER BY k.n)
                 FROM pg_index x
                 JOIN pg_class i ON i.oid = x.indexrelid
                 JOIN pg_class t ON t.oid = x.indrelid
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
                 CROSS JOIN LATERAL unnest(x.indkey::INT2[]) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                 GROUP BY 1, 2, 3, 4",
                &[],
            )
            .expect("indexes")
        {
            let (t, index, primary, unique): (String, String, bool, bool) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            let columns = join(r.get::<_, Vec<String>>(4));
            out.insert(match (primary, unique) {
                (true, _) => format!("primary key {t} ({columns})"),
                (false, true) => format!("unique {t} ({columns})"),
                (false, false) => format!("index {t} {index} ({columns})"),
            });
        }
        for r in c
            .query(
                "SELECT t.relname::TEXT, a.attname::TEXT, ft.relname::TEXT, fa.attname::TEXT
                 FROM pg_constraint k
                 JOIN pg_class t ON t.oid = k.conrelid
                 JOIN pg_class ft ON ft.oid = k.confrelid
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
                 CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS c(col, fcol)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.col
                 JOIN pg_attribute fa ON fa.attrelid = ft.oid AND fa.attnum = c.fcol
                 WHERE k.contype = 'f'",
                &[],
            )
            .expect("foreign keys")
        {
            let (t, from, to_table, to): (String, String, String, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            out.insert(format!("foreign key {t} ({from}) -> {to_table} ({to})"));
        }
        out
    })
    .join()
    .expect("reading the PostgreSQL schema")
}

fn column_line(table: &str, column: &str, ty: &str, not_null: bool, default: bool) -> String {
    format!(
        "column {table}.{column} {ty} {}{}",
        if not_null { "not null" } else { "null" },
        if default { " default" } else { "" }
    )
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

fn migrated_sqlite(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("schema.db");
    let mut c = xuncha_server::db::sqlite::connect(&path.to_string_lossy()).expect("open SQLite");
    xuncha_server::db::sqlite::migrate(&mut c).expect("migrate SQLite");
    path
}

fn migrated_postgres(url: &str) {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut c = xuncha_server::db::postgres::connect(&url).expect("connect to PostgreSQL");
        xuncha_server::db::postgres::migrate(&mut c).expect("migrate PostgreSQL");
    })
    .join()
    .expect("migrating PostgreSQL");
}

#[test]
fn both_backends_migrate_to_the_same_schema() {
    let Some(pg) = postgres() else { return };
    let sqlite = sqlite_schema(&migrated_sqlite(pg.dir.path()));
    migrated_postgres(&pg.database_url);
    let postgres = postgres_schema(&pg.database_url);
    assert!(
        sqlite.iter().any(|l| l.starts_with("column events.")),
        "the SQLite schema was read: {sqlite:#?}"
    );
    let only = |a: &Schema, b: &Schema| a.difference(b).cloned().collect::<Vec<_>>().join("\n  ");
    assert!(
        sqlite == postgres,
        "the migrations make different schemas.\nonly on SQLite:\n  {}\nonly on PostgreSQL:\n  {}",
        only(&sqlite, &postgres),
        only(&postgres, &sqlite)
    );
}

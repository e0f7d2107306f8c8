//! `xuncha-server`: serve the API, create the first admin, load the demo unit, make reports.

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use xuncha_server::app::{self, AppState, Config};
use xuncha_server::limits::Limits;

#[derive(Parser)]
#[command(name = "xuncha-server", version, about = "巡查 central server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Storage {
    /// `sqlite://path/to/file.db` (created on first start) or `postgres://user@host:port/db`.
    #[arg(long, env = "XUNCHA_DATABASE_URL", default_value = "sqlite://data/xuncha.db")]
    database_url: String,
    /// A folder (`data/blobs`, `file:///abs/dir`) or `memory://`.
    #[arg(long, env = "XUNCHA_BLOB_URL", default_value = "data/blobs")]
    blob_url: String,
    /// Most database connections this process opens.
    #[arg(long, env = "XUNCHA_POOL_SIZE", default_value_t = 8)]
    pool_size: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until Ctrl-C or SIGTERM; prints `listening on ADDR` once bound.
    Serve {
        #[arg(long, env = "XUNCHA_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        #[command(flatten)]
        storage: Storage,
        /// Sustained requests per minute allowed to one device.
        #[arg(long, env = "XUNCHA_DEVICE_RATE_PER_MINUTE", default_value_t = 1_200)]
        device_rate_per_minute: u32,
        /// Requests one device may make in a burst above that rate.
        #[arg(long, env = "XUNCHA_DEVICE_BURST", default_value_t = 300)]
        device_burst: u32,
        /// How far ahead of this server's clock a record's times may lie, in hours; beyond it
        /// an event is kept flagged as invalid and never applied.
        #[arg(long, env = "XUNCHA_CLOCK_WINDOW_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=720))]
        clock_window_hours: u32,
        /// How far back a late entry (补录 of paper records) may date what it records, in days
        /// before it was entered; beyond it the event is kept flagged as invalid.
        #[arg(long, env = "XUNCHA_LATE_ENTRY_DAYS", default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=3650))]
        late_entry_days: u32,
        /// How long an office sign-in lasts, in hours.
        #[arg(long, env = "XUNCHA_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=720))]
        session_hours: u32,
        /// How long a device token works before the device must refresh it, in days.
        #[arg(long, env = "XUNCHA_DEVICE_TOKEN_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
        device_token_days: u32,
        /// The office console's built files (ui/dist-console), served at `/`.
        #[arg(long, env = "XUNCHA_CONSOLE_DIR", default_value = "ui/dist-console")]
        console_dir: std::path::PathBuf,
        /// The official documents' CJK font: a font file or a folder of them (default: the
        /// system's Noto Sans CJK, Debian's fonts-noto-cjk).
        #[arg(long, env = "XUNCHA_FONTS")]
        fonts: Option<std::path::PathBuf>,
        /// This server's address as people reach it, printed in every document's verification
        /// QR code, e.g. https://xuncha.example.gov.cn (default: the address each request came to).
        #[arg(long, env = "XUNCHA_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Operator commands.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Load the demo subdistrict (idempotent); prints new users' passwords once.
    Demo {
        /// Also load a year of field work shaped like a real subdistrict's 2020 work report,
        /// dated in this year (idempotent too).
        #[arg(long, value_parser = clap::value_parser!(i32).range(2000..=2100))]
        year: Option<i32>,
        /// With --year: this many safety checks instead of the report's 8,175 (each is 14
        /// events, most of a year's), for a quicker demo or test.
        #[arg(long, requires = "year", value_parser = clap::value_parser!(u32).range(0..=100_000))]
        inspections: Option<u32>,
        #[command(flatten)]
        storage: Storage,
    },
    /// The office's reports, printed and optionally written as XLSX.
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
}

/// What every report is of: a unit (with the units below it), a year, where it may be written.
#[derive(Args)]
struct ReportOf {
    /// The unit's code, e.g. DEMO.
    #[arg(long)]
    unit: String,
    #[arg(long, value_parser = clap::value_parser!(i32).range(2000..=2100))]
    year: i32,
    /// Also write the report to this XLSX file.
    #[arg(long)]
    xlsx: Option<std::path::PathBuf>,
    #[command(flatten)]
    storage: Storage,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Problems found, assigned, rectified, verified, reopened and overdue (督办), with 办结率,
    /// by unit, category and period.
    Problems {
        #[command(flatten)]
        of: ReportOf,
        /// One month of the year (the whole year when absent).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=12))]
        month: Option<u8>,
        /// The periods the lines are by: month, quarter or year.
        #[arg(long, default_value = "month", value_parser = ["month", "quarter", "year"])]
        every: String,
    },
    /// Each river chief's quota periods under the patrol rules in force: due, done, counting,
    /// missing; with 巡河率, 河段覆盖率 and 异常巡河率.
    Quota {
        #[command(flatten)]
        of: ReportOf,
        /// One month of the year (the whole year when absent).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=12))]
        month: Option<u8>,
    },
    /// A unit's (and its units') figures for a year: patrols by chief level, counting and not
    /// under the patrol rules; problems; safety checks; the fishing ban.
    Year {
        #[command(flatten)]
        of: ReportOf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin; the unit (by code) is created as a subdistrict if missing. The password
    /// comes from XUNCHA_ADMIN_PASSWORD or is generated and printed once.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        unit_code: String,
        #[arg(long, default_value = "街道")]
        unit_name: String,
        #[arg(long, env = "XUNCHA_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[command(flatten)]
        storage: Storage,
    },
    /// Remove unfinished uploads untouched for 7 days and stored files no record names, 7 days
    /// after they were stored (`serve` also does this every hour).
    Sweep {
        #[command(flatten)]
        storage: Storage,
    },
}

/// The unit with `code`, or an error that lists the codes there are.
fn unit_by_code(
    s: &mut dyn xuncha_server::db::Storage,
    code: &str,
) -> Result<xuncha_domain::people::Unit, xuncha_server::error::Error> {
    let units = s.units()?;
    let codes: Vec<String> = units.iter().map(|u| u.code.clone()).collect();
    units.into_iter().find(|u| u.code == code).ok_or_else(|| {
        xuncha_server::error::Error::NotFound(format!(
            "没有代码为 {code} 的单位（已有：{}）",
            codes.join("、")
        ))
    })
}

/// Makes a report of the unit `of` names, prints it, and writes its XLSX file if asked.
async fn run_report<R: Send + 'static>(
    of: ReportOf,
    make: impl FnOnce(
        &mut dyn xuncha_server::db::Storage,
        &xuncha_domain::people::Unit,
    ) -> Result<R, xuncha_server::error::Error>
    + Send
    + 'static,
    text: fn(&R) -> String,
    xlsx: fn(&R) -> Result<Vec<u8>, xuncha_server::error::Error>,
) -> anyhow::Result<()> {
    let state = AppState::open(&config(&of.storage, Limits::default())).await?;
    let unit = of.unit;
    let report = state
        .db
        .read(move |s| {
            let found = unit_by_code(s, &unit)?;
            make(s, &found)
        })
        .await?;
    print!("{}", text(&report));
    if let Some(path) = of.xlsx {
        write_file(&path, xlsx(&report)?)?;
    }
    Ok(())
}

fn write_file(path: &std::path::Path, bytes: Vec<u8>) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("写入 {} 失败：{e}", path.display()))?;
    println!("已写入 {}", path.display());
    Ok(())
}

fn config(storage: &Storage, limits: Limits) -> Config {
    Config {
        database_url: storage.database_url.clone(),
        blob_url: storage.blob_url.clone(),
        pool_size: storage.pool_size,
        limits,
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            storage,
            device_rate_per_minute,
            device_burst,
            clock_window_hours,
            late_entry_days,
            session_hours,
            device_token_days,
            console_dir,
            fonts,
            public_url,
        } => {
            const HOUR_MS: i64 = 3_600_000;
            let limits = Limits {
                device_requests_per_minute: device_rate_per_minute,
                device_burst,
                clock_window: xuncha_domain::time::TimeWindow {
                    max_future_ms: i64::from(clock_window_hours) * HOUR_MS,
                    max_late_ms: i64::from(late_entry_days) * 24 * HOUR_MS,
                },
                session_ttl_ms: i64::from(session_hours) * HOUR_MS,
                device_token_ttl_ms: i64::from(device_token_days) * 24 * HOUR_MS,
                ..Limits::default()
            };
            let state = AppState::open(&config(&storage, limits))
                .await?
                .with_console(&console_dir)
                .with_documents(fonts, public_url);
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            let addr = listener.local_addr()?;
            // Scripts and tests read this line to learn the port when they pass :0.
            println!("listening on {addr}");
            std::io::stdout().flush()?;
            app::serve_state(state, listener, app::shutdown_signal()).await?;
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    login,
                    name,
                    unit_code,
                    unit_name,
                    password,
                    storage,
                },
        } => {
            let state = AppState::open(&config(&storage, Limits::default())).await?;
            let (user, generated) =
                xuncha_server::demo::create_admin(&state, login, name, unit_code, unit_name, password)
                    .await?;
            println!("created admin {} ({})", user.login, user.id);
            if let Some(p) = generated {
                println!("password (shown once): {p}");
            }
        }
        Command::Admin {
            command: AdminCommand::Sweep { storage },
        } => {
            let state = AppState::open(&config(&storage, Limits::default())).await?;
            let r = xuncha_server::blobs::sweep(&state, xuncha_server::now_ms()).await?;
            println!(
                "swept {} unfinished uploads ({} bytes) and {} files no record names",
                r.abandoned_uploads, r.abandoned_bytes, r.unnamed_blobs
            );
        }
        Command::Report { report } => {
            use xuncha_server::{export, facts};
            let now = xuncha_domain::UnixMs(xuncha_server::now_ms());
            match report {
                ReportCommand::Year { of } => {
                    let year = of.year;
                    run_report(
                        of,
                        move |s, u| facts::year(s, u, year, now),
                        export::year_text,
                        export::year_xlsx,
                    )
                    .await?;
                }
                ReportCommand::Quota { of, month } => {
                    let (first, last) = facts::stretch(of.year, month)?;
                    run_report(
                        of,
                        move |s, u| facts::quota(s, u, first, last),
                        export::quota_text,
                        export::quota_xlsx,
                    )
                    .await?;
                }
                ReportCommand::Problems { of, month, every } => {
                    use xuncha_domain::calendar::Period;
                    let every = match every.as_str() {
                        "quarter" => Period::Quarter,
                        "year" => Period::Year,
                        _ => Period::Month,
                    };
                    let (first, last) = facts::stretch(of.year, month)?;
                    run_report(
                        of,
                        move |s, u| facts::problems(s, u, first, last, every, now),
                        export::problems_text,
                        export::problems_xlsx,
                    )
                    .await?;
                }
            }
        }
        Command::Demo {
            year,
            inspections,
            storage,
        } => {
            let state = AppState::open(&config(&storage, Limits::default())).await?;
            let report = xuncha_server::demo::load(&state).await?;
            println!("demo loaded: {} new events", report.events_added);
            if let Some(year) = year {
                let report = xuncha_server::demo_year::REPORT_2020;
                let shape = xuncha_server::demo_year::Shape {
                    inspections: inspections.unwrap_or(report.inspections),
                    ..report
                };
                let content = xuncha_server::demo::content();
                let done = xuncha_server::demo_year::load_year(&state, &content, year, &shape).await?;
                println!(
                    "demo year {year}: {} new events from {} phones",
                    done.events, done.devices
                );
            }
            if report.created_users.is_empty() {
                println!("no new users (passwords were shown when they were created)");
            } else {
                println!("new users — passwords are shown only this once:");
                for (login, name, role, password) in &report.created_users {
                    println!("  {login:<14} {password}  {role}  {name}");
                }
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xuncha-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

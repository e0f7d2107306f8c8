//! The command line's grammar (clap). Each subcommand maps onto one request of the core API.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "xuncha",
    version,
    about = "巡查 xuncha — 外业巡查记录的命令行（河湖巡查、安全检查、禁捕巡查）",
    long_about = "巡查 xuncha — 外业巡查记录的命令行。\n\n\
        每个操作都是设备存储中的一个不可篡改事件。退出码：0 成功；2 用法错误；3 输入有误；\n\
        4 规则不允许（如未整改先验收）；5 找不到；6 设备未绑定用户；1 其他错误。"
)]
pub struct Cli {
    /// The device store's folder (default: the platform's data folder).
    #[arg(long, global = true, env = "XUNCHA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The language of messages: zh (default) or en.
    #[arg(long, global = true, env = "XUNCHA_LANG", value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,
    /// Where the device's signing key and token are kept: file (the device store, owner-only),
    /// system (the OS keystore: Secret Service, Keychain, Credential Manager) or auto (system
    /// where one answers, else file). Secrets still in the file move to the keystore.
    #[arg(long, global = true, env = "XUNCHA_KEYSTORE", value_enum, default_value_t = KeyStoreArg::File)]
    pub keystore: KeyStoreArg,
    /// Late entry (补录) of a paper record: the recording command that follows happened at
    /// this time (RFC 3339, or "YYYY-MM-DD HH:MM" in Beijing time); it keeps the time of entry
    /// beside it and is flagged as entered late.
    #[arg(long, global = true, env = "XUNCHA_HAPPENED_AT")]
    pub happened_at: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KeyStoreArg {
    File,
    System,
    Auto,
}

impl From<KeyStoreArg> for xuncha_core::secrets::KeyStore {
    fn from(k: KeyStoreArg) -> Self {
        match k {
            KeyStoreArg::File => Self::File,
            KeyStoreArg::System => Self::System,
            KeyStoreArg::Auto => Self::Auto,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for xuncha_domain::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Zh => xuncha_domain::Lang::Zh,
            LangArg::En => xuncha_domain::Lang::En,
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Overview: who I am, what is open, what waits to sync. 首页
    Home,
    /// This device's identity and binding. 设备
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Load reference data (units, users, reaches, sites, checklists) from a JSON file of
    /// signed events. 导入参考数据
    Import { file: PathBuf },
    /// River and fishing-ban patrols. 巡查
    #[command(subcommand)]
    Patrol(PatrolCmd),
    /// Safety-production inspections. 安全检查
    #[command(subcommand)]
    Inspection(InspectionCmd),
    /// Problems, hazards and violations, and their rectification. 问题
    #[command(subcommand)]
    Finding(FindingCmd),
    /// List and show records. 记录
    #[command(subcommand)]
    Records(RecordsCmd),
    /// Open findings, most urgent first. 待整改问题
    Findings {
        #[arg(long, value_enum)]
        status: Option<FindingStatusArg>,
    },
    /// Reference data on this device. 参考数据
    #[command(subcommand)]
    Reference(ReferenceCmd),
    /// The catalogue of problem categories. 问题类别
    Categories,
    /// Events not yet acknowledged by the server. 待上传
    Outbox {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Rebuild the read tables from the event log. 重建
    Rebuild,
    /// Read API requests as JSON lines on stdin; answer each with a JSON line. 脚本接口
    Api,
    /// Set up a demo unit on this device and record a sample patrol. 演示
    Demo,
    /// Take in a photo and attach it to a finding, patrol or inspection. 添加照片
    Photo(PhotoArgs),
    /// Sign this device in to a server with a user's credentials. 登录服务器
    Enrol {
        /// e.g. http://192.168.1.10:8080
        #[arg(long, env = "XUNCHA_SERVER")]
        server: String,
        #[arg(long)]
        login: String,
        /// The password (default: the XUNCHA_PASSWORD variable, or asked for).
        #[arg(long, env = "XUNCHA_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// A name for the office to know this device by.
        #[arg(long, default_value = "xuncha 命令行")]
        name: String,
    },
    /// Forget the server account; records and anything not yet uploaded stay. 退出登录
    SignOut,
    /// Upload everything this device holds (originals too with --originals), then download
    /// the office's decisions; safe to run again at any time. 同步
    Sync {
        /// Also upload the original photos (at the office, or on an unmetered network).
        #[arg(long)]
        originals: bool,
    },
    /// What is still only on this device. 同步状态
    Status,
    /// Delete blobs no record refers to (originals the server lacks are always kept). 清理
    CollectBlobs {
        #[arg(long, default_value_t = 24)]
        grace_hours: u32,
    },
    /// Development bridge: serve the built UI and `POST /api` over HTTP on loopback. 开发桥
    Bridge(crate::bridge::BridgeArgs),
}

#[derive(Args)]
pub struct PhotoArgs {
    /// The photo file (JPEG; HEIC where built with it).
    pub file: std::path::PathBuf,
    #[arg(long, group = "target")]
    pub finding: Option<String>,
    #[arg(long, group = "target")]
    pub patrol: Option<String>,
    #[arg(long, group = "target")]
    pub inspection: Option<String>,
    /// An after-rectification photo.
    #[arg(long)]
    pub after: bool,
    #[arg(long, default_value = "")]
    pub caption: String,
    /// The device's position when the photo was taken (used if the photo has no GPS).
    #[command(flatten)]
    pub pos: PosArgs,
}

#[derive(Subcommand)]
pub enum DeviceCmd {
    Info,
    /// Bind the device to a user and unit (enrolment with a server does this too).
    SetUser {
        #[arg(long)]
        user: String,
        #[arg(long)]
        unit: String,
    },
    /// Check this device's event chain: every hash, signature and link.
    Verify,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PatrolKindArg {
    River,
    FishingBan,
}

#[derive(Args)]
pub struct At {
    /// When it happened: RFC 3339, or "YYYY-MM-DD HH:MM[:SS]" in Beijing time (default: now).
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Subcommand)]
pub enum PatrolCmd {
    /// Start a patrol on a reach or in an area.
    Start {
        #[arg(long, value_enum, default_value_t = PatrolKindArg::River)]
        kind: PatrolKindArg,
        #[arg(long)]
        reach: Option<String>,
        #[arg(long)]
        area: Option<String>,
        #[command(flatten)]
        at: At,
    },
    /// Append track points from a file: a GPX file (*.gpx, all its track segments), or a JSON
    /// array of points.
    Track {
        patrol: String,
        /// The file, or - for stdin (JSON).
        file: PathBuf,
    },
    /// Figures, reach coverage and plausibility flags of the patrol's track.
    Report {
        patrol: String,
        #[arg(long, value_enum, default_value_t = ModeArg::Walking)]
        mode: ModeArg,
    },
    End {
        patrol: String,
        #[arg(long, default_value = "")]
        notes: String,
        #[command(flatten)]
        at: At,
    },
    /// A fishing-ban check of a business.
    Check {
        patrol: String,
        #[arg(long)]
        site: String,
        #[arg(long, value_enum)]
        outcome: CheckOutcomeArg,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Publicity put up or handed out.
    Tally {
        patrol: String,
        #[arg(long, default_value_t = 0)]
        banners: u32,
        #[arg(long, default_value_t = 0)]
        signs: u32,
        #[arg(long, default_value_t = 0)]
        notices: u32,
        #[arg(long, default_value_t = 0)]
        leaflets: u32,
    },
    /// Seized fishing gear.
    Seize {
        patrol: String,
        #[arg(long)]
        description: String,
        #[arg(long, default_value_t = 1)]
        quantity: u32,
        #[command(flatten)]
        pos: PosArgs,
    },
    /// A commitment letter signed by a business.
    Letter {
        patrol: String,
        #[arg(long)]
        site: String,
        #[arg(long)]
        signer: String,
        #[arg(long)]
        text: String,
        /// SHA-256 of the signature image blob.
        #[arg(long)]
        signature: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Walking,
    Bicycle,
    Car,
    Boat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CheckOutcomeArg {
    Compliant,
    ViolationFound,
    Closed,
}

#[derive(Args, Default)]
pub struct PosArgs {
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    pub lon: Option<f64>,
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    pub lat: Option<f64>,
}

#[derive(Subcommand)]
pub enum InspectionCmd {
    Start {
        #[arg(long)]
        site: String,
        #[arg(long)]
        checklist: String,
        #[command(flatten)]
        pos: PosArgs,
    },
    Answer {
        inspection: String,
        #[arg(long)]
        item: String,
        #[arg(long, value_enum)]
        answer: AnswerArg,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Draw up the numbered on-site inspection record.
    Issue {
        inspection: String,
        #[arg(long)]
        content: String,
        /// Rectification deadline (date or time, Beijing time).
        #[arg(long)]
        deadline: Option<String>,
    },
    Sign {
        inspection: String,
        #[arg(long, value_enum)]
        role: SignerArg,
        #[arg(long)]
        name: String,
        #[arg(long)]
        signature: String,
    },
    /// The inspected party refuses to sign; a witness signs.
    Refuse {
        inspection: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        witness: String,
        #[arg(long)]
        witness_signature: String,
    },
    Close {
        inspection: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AnswerArg {
    Compliant,
    NonCompliant,
    NotApplicable,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SignerArg {
    Inspector,
    InspectedParty,
    Witness,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    Minor,
    Major,
    Critical,
}

#[derive(Subcommand)]
pub enum FindingCmd {
    /// Report a problem / hazard / violation on a patrol or inspection.
    Report {
        #[arg(long, conflicts_with = "inspection", required_unless_present = "inspection")]
        patrol: Option<String>,
        #[arg(long)]
        inspection: Option<String>,
        /// A code from `xuncha categories`, e.g. dumping.
        #[arg(long)]
        category: String,
        #[arg(long)]
        description: String,
        #[arg(long, value_enum, default_value_t = SeverityArg::Minor)]
        severity: SeverityArg,
        #[command(flatten)]
        pos: PosArgs,
    },
    Amend {
        finding: String,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long, value_enum)]
        severity: Option<SeverityArg>,
        #[command(flatten)]
        pos: PosArgs,
    },
    /// Attach a photo (already in the blob store) by its SHA-256.
    Photo {
        finding: String,
        #[arg(long)]
        original: String,
        #[arg(long)]
        after: bool,
        #[arg(long, default_value = "")]
        caption: String,
        #[command(flatten)]
        pos: PosArgs,
    },
    Assign {
        finding: String,
        #[arg(long)]
        assignee: String,
        #[arg(long)]
        deadline: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    Rectify {
        finding: String,
        #[arg(long)]
        note: String,
        /// SHA-256 of an after-rectification photo (repeatable).
        #[arg(long)]
        after: Vec<String>,
    },
    Verify {
        finding: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    Reopen {
        finding: String,
        #[arg(long)]
        reason: String,
    },
    Show {
        finding: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FindingStatusArg {
    Reported,
    Assigned,
    Rectified,
    Verified,
    Reopened,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RecordKindArg {
    RiverPatrol,
    FishingBanPatrol,
    Inspection,
}

#[derive(Subcommand)]
pub enum RecordsCmd {
    List {
        #[arg(long, value_enum)]
        kind: Option<RecordKindArg>,
        #[arg(long)]
        status: Option<String>,
        /// Started on or after (date or time, Beijing time).
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// A record with its findings and its timeline.
    Show { id: String },
    /// A patrol's track points.
    Track { patrol: String },
    /// A patrol's track as GPX 1.1 on stdout, to open in any GIS.
    Gpx { patrol: String },
}

#[derive(Subcommand)]
pub enum ReferenceCmd {
    Reaches,
    Sites,
    Checklists,
}

//! A phone as the server sees it: a signing key and a chain of events made exactly as a real
//! device makes them, and the payloads the tests send most.

use ed25519_dalek::SigningKey;
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::people::User;
use xuncha_domain::*;

pub fn random_key() -> SigningKey {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    SigningKey::from_bytes(&b)
}

pub fn now() -> i64 {
    xuncha_server::now_ms()
}

/// A device's signing key and chain: makes events exactly as a phone does.
pub struct Phone {
    pub key: SigningKey,
    pub device: DeviceId,
    pub token: String,
    pub user: User,
    pub clock: HlcClock,
    pub seq: u64,
    pub prev: EventHash,
}

impl Phone {
    pub fn new(key: SigningKey, device: DeviceId, token: String, user: User) -> Phone {
        Phone {
            key,
            device,
            token,
            user,
            clock: HlcClock::new(device),
            seq: 0,
            prev: EventHash::GENESIS,
        }
    }

    /// The next event of this phone's chain.
    pub fn next(&mut self, payload: Payload) -> Event {
        self.next_at(payload, now())
    }

    /// The next event, stamped as if the phone's clock read `wall_ms`.
    pub fn next_at(&mut self, payload: Payload, wall_ms: i64) -> Event {
        self.make(payload, wall_ms, None)
    }

    /// The next event, entered now for what happened at `occurred_at` (late entry, 补录).
    pub fn late(&mut self, payload: Payload, occurred_at: i64) -> Event {
        self.make(payload, now(), Some(UnixMs(occurred_at)))
    }

    /// A walked patrol of `minutes` from `t0`, eastwards at about 1.2 m/s, a fix every 4 to 6 s
    /// with a few metres of accuracy: started, its track, ended.
    pub fn walked_patrol(&mut self, t0: i64, minutes: i64) -> Vec<Event> {
        let patrol = PatrolId::new();
        let end = t0 + minutes * 60_000;
        let mut points = Vec::new();
        let (mut t, mut lon) = (t0, 114.10);
        let mut i = 0u64;
        while t < end {
            let wobble = (i * 7919 % 13) as f64; // 0..12, no pattern a replay check would see
            points.push(TrackPoint {
                accuracy_m: Some(3.0 + wobble / 3.0),
                ..TrackPoint::at(UnixMs(t), lon, 30.65 + wobble * 1e-6)
            });
            let step_ms = 4_000 + (i * 104_729 % 2_001) as i64;
            lon += 1.2 * step_ms as f64 / 1_000.0 / 95_800.0; // m per degree of longitude at 30.65 N
            t += step_ms;
            i += 1;
        }
        points.push(TrackPoint {
            accuracy_m: Some(4.0),
            ..TrackPoint::at(UnixMs(end), lon, 30.65)
        });
        let last = end;
        let started = Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::River,
            unit: self.user.unit,
            patroller: self.user.id,
            reach: None,
            area: Some("幸福渠".into()),
            started_at: UnixMs(t0),
        });
        let track = Payload::TrackPointsAppended(TrackPointsAppended {
            patrol,
            points,
            untimed: Vec::new(),
        });
        let ended = Payload::PatrolEnded(PatrolEnded {
            patrol,
            ended_at: UnixMs(last),
            notes: String::new(),
        });
        [started, track, ended]
            .into_iter()
            .map(|p| self.next(p))
            .collect()
    }

    fn make(&mut self, payload: Payload, wall_ms: i64, occurred_at: Option<UnixMs>) -> Event {
        self.seq += 1;
        let e = EventDraft {
            id: EventId::new(),
            device: self.device,
            seq: self.seq,
            hlc: self.clock.tick(UnixMs(wall_ms)),
            author: Some(self.user.id),
            occurred_at,
            prev_hash: self.prev,
            payload,
        }
        .sign(&self.key);
        self.prev = e.hash;
        e
    }

    /// A patrol started, then a finding reported on it: two events.
    pub fn patrol_with_finding(&mut self) -> (PatrolId, FindingId, Vec<Event>) {
        let patrol = PatrolId::new();
        let finding = FindingId::new();
        let t = UnixMs(now());
        let a = self.next(Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::River,
            unit: self.user.unit,
            patroller: self.user.id,
            reach: None,
            area: Some("幸福渠北段".into()),
            started_at: t,
        }));
        let b = self.next(finding_reported(finding, patrol, t));
        (patrol, finding, vec![a, b])
    }
}

pub fn finding_reported(finding: FindingId, patrol: PatrolId, t: UnixMs) -> Payload {
    Payload::FindingReported(dumping_reported(finding, patrol, t))
}

/// Building rubble dumped on a bank, reported on `patrol` at `t` with a place: the finding the
/// tests report unless they say otherwise (by struct update).
pub fn dumping_reported(finding: FindingId, patrol: PatrolId, t: UnixMs) -> FindingReported {
    FindingReported {
        location: Some(Position::new(114.101, 30.651)),
        ..FindingReported::new(
            finding,
            RecordRef::Patrol(patrol),
            FindingKind::Problem,
            "dumping",
            "河岸堆放建筑垃圾",
            Severity::Minor,
            t,
        )
    }
}

pub fn photo_of(finding: FindingId, original: BlobHash) -> Payload {
    Payload::PhotoAttached(PhotoAttached {
        target: PhotoTarget::Finding(finding),
        role: PhotoRole::Evidence,
        original,
        upload: None,
        thumbnail: None,
        taken_at: Some(UnixMs(now())),
        position: Some(Position::new(114.101, 30.651)),
        position_source: PositionSource::DeviceFix,
        caption: "现场".into(),
    })
}

pub fn track(patrol: PatrolId, n: usize) -> Payload {
    let t0 = now() - 3_600_000;
    Payload::TrackPointsAppended(TrackPointsAppended {
        patrol,
        points: (0..n)
            .map(|i| TrackPoint {
                accuracy_m: Some(5.0),
                ..TrackPoint::at(UnixMs(t0 + i as i64 * 5_000), 114.10 + i as f64 * 1e-5, 30.65)
            })
            .collect(),
        untimed: Vec::new(),
    })
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    getrandom::fill(&mut v).unwrap();
    v
}

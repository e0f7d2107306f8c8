//! China's civil calendar, for patrol rules and quotas: days, weeks, 旬 (ten-day thirds of a
//! month), months, quarters and years, all in China Standard Time. Rules speak of calendar days
//! where the work is done: a patrol at 07:30 in Shanghai on 1 March is a March patrol, although
//! it is still 28 February in UTC. China has kept UTC+8 all year since 1991 (Asia/Shanghai has
//! no daylight saving), so one fixed offset is exact for every record this system can hold
//! (`time::EARLIEST` is 2000).
//!
//! The date arithmetic is the proleptic Gregorian day count of Howard Hinnant's
//! `days_from_civil`/`civil_from_days`; the tests check it against chrono.

use crate::time::UnixMs;
use crate::words::Lang;
use serde::{Deserialize, Serialize};
use std::fmt;

/// China Standard Time is UTC+8.
pub const CHINA_OFFSET_MS: i64 = 8 * UnixMs::HOUR;

/// A calendar day in China.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Day {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Day {
    /// The day, if it exists in the calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Day> {
        ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)).then_some(Day {
            year,
            month,
            day,
        })
    }

    /// The day in China at the instant `t`.
    pub fn of(t: UnixMs) -> Day {
        Day::from_days((t.0 + CHINA_OFFSET_MS).div_euclid(UnixMs::DAY))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` days after 1970-01-01.
    pub fn from_days(days: i64) -> Day {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Day { year, month, day }
    }

    pub fn plus_days(self, n: i64) -> Day {
        Day::from_days(self.days() + n)
    }

    /// 1 for Monday … 7 for Sunday (1970-01-01 was a Thursday).
    pub fn weekday(self) -> u8 {
        ((self.days() + 3).rem_euclid(7) + 1) as u8
    }

    /// Midnight at the start of the day, China time.
    pub fn start(self) -> UnixMs {
        UnixMs(self.days() * UnixMs::DAY - CHINA_OFFSET_MS)
    }

    /// The quarter, 1 to 4.
    pub fn quarter(self) -> u8 {
        (self.month - 1) / 3 + 1
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The calendar periods rules count patrols in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Monday to Sunday.
    Week,
    /// 旬: the 1st–10th, 11th–20th, and 21st to the month's end.
    TenDays,
    Month,
    Quarter,
    Year,
}

impl Period {
    pub const ALL: [Period; 5] = [
        Period::Week,
        Period::TenDays,
        Period::Month,
        Period::Quarter,
        Period::Year,
    ];

    /// "每周", "每旬"…: how a rule's frequency is said.
    pub fn every(self, lang: Lang) -> &'static str {
        match self {
            Period::Week => lang.pick("每周", "a week"),
            Period::TenDays => lang.pick("每旬", "every ten days"),
            Period::Month => lang.pick("每月", "a month"),
            Period::Quarter => lang.pick("每季度", "a quarter"),
            Period::Year => lang.pick("每年", "a year"),
        }
    }

    /// The period of this kind that holds `day`.
    pub fn containing(self, day: Day) -> Span {
        let month_start = Day { day: 1, ..day };
        let month_end = Day {
            day: days_in_month(day.year, day.month),
            ..day
        };
        let (first, last) = match self {
            Period::Week => {
                let first = day.plus_days(1 - i64::from(day.weekday()));
                (first, first.plus_days(6))
            }
            Period::TenDays => match day.day {
                1..=10 => (month_start, Day { day: 10, ..day }),
                11..=20 => (Day { day: 11, ..day }, Day { day: 20, ..day }),
                _ => (Day { day: 21, ..day }, month_end),
            },
            Period::Month => (month_start, month_end),
            Period::Quarter => {
                let first_month = (day.quarter() - 1) * 3 + 1;
                let last_month = first_month + 2;
                (
                    Day {
                        year: day.year,
                        month: first_month,
                        day: 1,
                    },
                    Day {
                        year: day.year,
                        month: last_month,
                        day: days_in_month(day.year, last_month),
                    },
                )
            }
            Period::Year => (
                Day {
                    year: day.year,
                    month: 1,
                    day: 1,
                },
                Day {
                    year: day.year,
                    month: 12,
                    day: 31,
                },
            ),
        };
        Span {
            period: self,
            first,
            last,
        }
    }

    /// Every period of this kind that has a day in `first..=last`, in order.
    pub fn spans(self, first: Day, last: Day) -> Vec<Span> {
        let mut out = Vec::new();
        let mut span = self.containing(first);
        while span.first <= last {
            out.push(span);
            span = span.next();
        }
        out
    }
}

/// One period on the calendar: its first and last day, both included.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub period: Period,
    pub first: Day,
    pub last: Day,
}

impl Span {
    /// The instant the period starts (midnight China time of its first day).
    pub fn start(&self) -> UnixMs {
        self.first.start()
    }

    /// The instant just after it: the start of the next period.
    pub fn end(&self) -> UnixMs {
        self.last.plus_days(1).start()
    }

    pub fn contains(&self, t: UnixMs) -> bool {
        self.start() <= t && t < self.end()
    }

    pub fn next(&self) -> Span {
        self.period.containing(self.last.plus_days(1))
    }

    /// Its months, in order (a week may lie in two).
    pub fn months(&self) -> impl Iterator<Item = u8> {
        let (first, last) = (self.first, self.last);
        let count = (i64::from(last.year) * 12 + i64::from(last.month))
            - (i64::from(first.year) * 12 + i64::from(first.month));
        (0..=count).map(move |k| ((i64::from(first.month) - 1 + k).rem_euclid(12) + 1) as u8)
    }

    /// "2020年3月上旬", "2020年第1季度", "2020-03-02 至 2020-03-08"…
    pub fn label(&self, lang: Lang) -> String {
        let Span { first, last, .. } = *self;
        match (self.period, lang) {
            (Period::Year, Lang::Zh) => format!("{}年", first.year),
            (Period::Year, Lang::En) => format!("{}", first.year),
            (Period::Quarter, Lang::Zh) => format!("{}年第{}季度", first.year, first.quarter()),
            (Period::Quarter, Lang::En) => format!("{} Q{}", first.year, first.quarter()),
            (Period::Month, Lang::Zh) => format!("{}年{}月", first.year, first.month),
            (Period::Month, Lang::En) => format!("{}-{:02}", first.year, first.month),
            (Period::TenDays, _) => {
                let third = match first.day {
                    1 => lang.pick("上旬", "1st third"),
                    11 => lang.pick("中旬", "2nd third"),
                    _ => lang.pick("下旬", "3rd third"),
                };
                match lang {
                    Lang::Zh => format!("{}年{}月{third}", first.year, first.month),
                    Lang::En => format!("{}-{:02} {third}", first.year, first.month),
                }
            }
            (Period::Week, _) => format!("{first} {} {last}", lang.pick("至", "to")),
        }
    }
}

/// The months of the year a rule applies in, both included; `from > to` wraps over the new
/// year (November to February).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Season {
    pub from_month: u8,
    pub to_month: u8,
}

impl Season {
    pub fn holds_month(&self, month: u8) -> bool {
        if self.from_month <= self.to_month {
            (self.from_month..=self.to_month).contains(&month)
        } else {
            month >= self.from_month || month <= self.to_month
        }
    }

    pub fn holds(&self, t: UnixMs) -> bool {
        self.holds_month(Day::of(t).month)
    }

    /// A period is due in the season when any of its days is.
    pub fn overlaps(&self, span: &Span) -> bool {
        span.months().any(|m| self.holds_month(m))
    }

    /// "3月至12月" / "March to December".
    pub fn label(&self, lang: Lang) -> String {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let en = |m: u8| EN.get(usize::from(m).wrapping_sub(1)).copied().unwrap_or("?");
        match lang {
            Lang::Zh => format!("{}月至{}月", self.from_month, self.to_month),
            Lang::En => format!("{} to {}", en(self.from_month), en(self.to_month)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_morning_in_shanghai_is_still_yesterday_in_utc() {
        // 2020-02-29T23:30:00Z is 07:30 on 1 March in China.
        let t = UnixMs(1_583_019_000_000);
        assert_eq!(Day::of(t), Day::new(2020, 3, 1).unwrap());
        assert_eq!(
            Day::new(2020, 3, 1).unwrap().start(),
            UnixMs(1_583_020_800_000 - CHINA_OFFSET_MS)
        );
    }

    #[test]
    fn periods_have_the_calendar_edges() {
        let d = Day::new(2020, 2, 29).unwrap();
        let ten = Period::TenDays.containing(d);
        assert_eq!((ten.first.day, ten.last.day), (21, 29));
        let q = Period::Quarter.containing(d);
        assert_eq!(
            (q.first, q.last),
            (Day::new(2020, 1, 1).unwrap(), Day::new(2020, 3, 31).unwrap())
        );
        let w = Period::Week.containing(d);
        assert_eq!(w.first, Day::new(2020, 2, 24).unwrap());
        assert_eq!(w.first.weekday(), 1);
        assert_eq!(w.label(Lang::Zh), "2020-02-24 至 2020-03-01");
        assert_eq!(w.months().collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(ten.label(Lang::Zh), "2020年2月下旬");
    }

    #[test]
    fn a_season_over_the_new_year_wraps() {
        let winter = Season {
            from_month: 11,
            to_month: 2,
        };
        assert!(winter.holds_month(12) && winter.holds_month(1) && !winter.holds_month(3));
    }
}

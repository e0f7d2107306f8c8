//! The two languages xuncha speaks to people, and how a message is said in either. Chinese
//! first: `Display` of every error that reaches a person says it in Chinese; `Say::say` with
//! `Lang::En` gives the English. A message is one sentence that names the problem in the
//! user's terms (which point, which file, which field as a person calls it) and, where it
//! helps, what to do — never an internal field path or a library's own English.

use serde::{Deserialize, Serialize};

/// The language a person reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// "zh", "zh-CN", "en", "en-US"… (case-insensitive); `None` for anything else.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Lang::Zh)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Picks the Chinese or the English text.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Something said to a person, in either language.
pub trait Say {
    fn say(&self, lang: Lang) -> String;
}

/// "第 3 个" / "3rd": a person's 1-based count of a 0-based index.
pub fn ordinal(index: usize, lang: Lang) -> String {
    let n = index + 1;
    match lang {
        Lang::Zh => format!("第 {n} 个"),
        Lang::En => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_count_from_one() {
        assert_eq!(ordinal(0, Lang::Zh), "第 1 个");
        assert_eq!(ordinal(0, Lang::En), "1st");
        assert_eq!(ordinal(10, Lang::En), "11th");
        assert_eq!(ordinal(21, Lang::En), "22nd");
    }

    #[test]
    fn languages_are_read_from_common_tags() {
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
    }
}

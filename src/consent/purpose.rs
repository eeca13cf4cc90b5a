//! `policies/purposes.toml`: the purposes personal data is processed for, their legal
//! basis and texts, validated at start like roles.toml (file, line, what is wrong). A
//! purpose's version is the SHA-256 of its texts, so a decision names the very words shown.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::authz::PolicyError;
use crate::authz::error::{Source, read_policy_file};
use crate::crypto;

const FILE_NAME: &str = "purposes.toml";

/// Every purpose and category speaks each of these languages.
pub const LANGUAGES: [&str; 2] = ["en", "sv"];

/// GDPR Art. 6(1): why processing under a purpose is lawful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegitimateInterest,
    LegalObligation,
}

impl LegalBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            LegalBasis::Consent => "consent",
            LegalBasis::Contract => "contract",
            LegalBasis::LegitimateInterest => "legitimate_interest",
            LegalBasis::LegalObligation => "legal_obligation",
        }
    }
}

/// How a purpose's text differs from the one served before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// People would decide differently on it: everyone is asked again.
    #[default]
    Material,
    /// Wording only: decisions made on the text before still stand.
    Editorial,
}

/// A purpose's title and text in one language.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeText {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Purpose {
    pub id: String,
    pub legal_basis: LegalBasis,
    pub data_categories: Vec<String>,
    pub recipients: Vec<String>,
    pub retention_days: u32,
    pub change: Change,
    /// Keyed by language tag; every one of [`LANGUAGES`] is present.
    pub texts: BTreeMap<String, PurposeText>,
    /// The English text, shown where a language has none.
    english: PurposeText,
    /// The texts as canonical JSON, whose SHA-256 is the version.
    pub texts_json: String,
    pub version: String,
}

impl Purpose {
    /// Whether people are asked to decide (only purposes resting on consent).
    pub fn is_asked(&self) -> bool {
        self.legal_basis == LegalBasis::Consent
    }

    /// The text in `language`, English when there is none.
    pub fn text(&self, language: &str) -> &PurposeText {
        self.texts.get(language).unwrap_or(&self.english)
    }
}

/// A validated purposes file: only [`Purposes::parse`] and [`Purposes::load`] build one.
#[derive(Debug, Clone, Default)]
pub struct Purposes {
    purposes: BTreeMap<String, Purpose>,
    categories: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PurposesFile {
    #[serde(default)]
    category: BTreeMap<Spanned<String>, BTreeMap<String, String>>,
    #[serde(default)]
    purpose: BTreeMap<Spanned<String>, PurposeEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PurposeEntry {
    legal_basis: LegalBasis,
    data_categories: Vec<Spanned<String>>,
    #[serde(default)]
    recipients: Vec<String>,
    retention_days: Spanned<u32>,
    #[serde(default)]
    change: Change,
    text: BTreeMap<String, PurposeText>,
}

impl Purposes {
    /// Loads and validates `<dir>/purposes.toml`.
    pub fn load(dir: &Path) -> Result<Purposes, PolicyError> {
        let (origin, text) = read_policy_file(dir, FILE_NAME)?;
        Self::parse(&origin, &text)
    }

    pub fn parse(origin: &str, text: &str) -> Result<Purposes, PolicyError> {
        let source = Source { origin, text };
        let file: PurposesFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let mut categories = BTreeMap::new();
        for (name, descriptions) in file.category {
            source.check_name(&name, "category", '-')?;
            if let Some(missing) = LANGUAGES.iter().find(|l| !descriptions.contains_key(**l)) {
                let message = format!("category `{}` has no `{missing}` text", name.get_ref());
                return Err(source.error(name.span().start, message));
            }
            categories.insert(name.into_inner(), descriptions);
        }
        let mut purposes = BTreeMap::new();
        for (name, entry) in file.purpose {
            let purpose = checked_purpose(&source, &categories, name, entry)?;
            purposes.insert(purpose.id.clone(), purpose);
        }
        Ok(Purposes {
            purposes,
            categories,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Purpose> {
        self.purposes.get(id)
    }

    /// Every purpose, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &Purpose> {
        self.purposes.values()
    }

    /// The description of a data category in `language`.
    pub fn category(&self, id: &str, language: &str) -> Option<&str> {
        let descriptions = self.categories.get(id)?;
        descriptions
            .get(language)
            .or_else(|| descriptions.get("en"))
            .map(String::as_str)
    }
}

fn checked_purpose(
    source: &Source<'_>,
    categories: &BTreeMap<String, BTreeMap<String, String>>,
    name: Spanned<String>,
    entry: PurposeEntry,
) -> Result<Purpose, PolicyError> {
    source.check_name(&name, "purpose", '-')?;
    let at = name.span().start;
    let id = name.into_inner();
    if let Some(missing) = LANGUAGES.iter().find(|l| !entry.text.contains_key(**l)) {
        return Err(source.error(at, format!("purpose `{id}` has no `{missing}` text")));
    }
    let Some(english) = entry.text.get("en").cloned() else {
        return Err(source.error(at, format!("purpose `{id}` has no `en` text")));
    };
    if let Some(extra) = entry.text.keys().find(|l| !LANGUAGES.contains(&l.as_str())) {
        let message = format!("purpose `{id}` has a text in `{extra}`, which is not sv or en");
        return Err(source.error(at, message));
    }
    if let Some((language, _)) = entry
        .text
        .iter()
        .find(|(_, t)| t.title.trim().is_empty() || t.text.trim().is_empty())
    {
        let message = format!("purpose `{id}` has an empty title or text in `{language}`");
        return Err(source.error(at, message));
    }
    if entry.data_categories.is_empty() {
        return Err(source.error(at, format!("purpose `{id}` names no data category")));
    }
    for category in &entry.data_categories {
        if !categories.contains_key(category.get_ref()) {
            let message = format!(
                "purpose `{id}` names undeclared data category `{}`",
                category.get_ref()
            );
            return Err(source.error(category.span().start, message));
        }
    }
    if *entry.retention_days.get_ref() == 0 {
        let message = format!("purpose `{id}` must keep data at least one day");
        return Err(source.error(entry.retention_days.span().start, message));
    }
    // serde_json writes a BTreeMap in key order and a struct in field order: canonical.
    let texts_json = serde_json::to_string(&entry.text).unwrap_or_default();
    Ok(Purpose {
        version: crypto::digest_hex(&texts_json),
        id,
        legal_basis: entry.legal_basis,
        data_categories: entry
            .data_categories
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        recipients: entry.recipients,
        retention_days: entry.retention_days.into_inner(),
        change: entry.change,
        texts: entry.text,
        english,
        texts_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATEGORY: &str = "[category.usage]\nen = \"Use\"\nsv = \"Användning\"\n";

    fn purpose(body: &str) -> String {
        format!(
            "{CATEGORY}[purpose.stats]\nlegal_basis = \"consent\"\n\
             data_categories = [\"usage\"]\nretention_days = 30\n{body}\
             [purpose.stats.text.en]\ntitle = \"Stats\"\ntext = \"We count.\"\n\
             [purpose.stats.text.sv]\ntitle = \"Statistik\"\ntext = \"Vi räknar.\"\n"
        )
    }

    fn error_of(text: &str) -> String {
        Purposes::parse("purposes.toml", text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_shipped_purposes_are_valid_and_include_the_four_the_portal_needs() {
        let purposes = Purposes::load(Path::new("policies")).unwrap();
        for id in ["portal-analytics", "satisfaction-surveys", "targeted-news"] {
            assert_eq!(purposes.get(id).unwrap().legal_basis, LegalBasis::Consent);
        }
        assert!(
            purposes
                .iter()
                .any(|p| p.legal_basis == LegalBasis::Contract)
        );
    }

    #[test]
    fn a_purpose_version_is_the_digest_of_its_texts_only() {
        let one = Purposes::parse("p", &purpose("")).unwrap();
        let editorial = Purposes::parse("p", &purpose("change = \"editorial\"\n")).unwrap();
        let (a, b) = (one.get("stats").unwrap(), editorial.get("stats").unwrap());
        assert_eq!(a.version, b.version);
        assert_eq!(a.version, crypto::digest_hex(&a.texts_json));
        let reworded = purpose("").replace("We count.", "We count logins.");
        let c = Purposes::parse("p", &reworded).unwrap();
        assert_ne!(a.version, c.get("stats").unwrap().version);
    }

    #[test]
    fn a_missing_language_is_named_with_its_line() {
        let text = purpose("").replace("[purpose.stats.text.sv]", "[purpose.stats.text.de]");
        assert_eq!(
            error_of(&text),
            "purposes.toml:4: purpose `stats` has no `sv` text"
        );
    }

    #[test]
    fn an_undeclared_category_is_named_with_its_line() {
        let text = purpose("").replace("[\"usage\"]", "[\"usage\", \"health\"]");
        assert_eq!(
            error_of(&text),
            "purposes.toml:6: purpose `stats` names undeclared data category `health`"
        );
    }

    #[test]
    fn an_unknown_legal_basis_is_refused() {
        let text = purpose("").replace("\"consent\"", "\"vibes\"");
        assert!(error_of(&text).starts_with("purposes.toml:5: unknown variant `vibes`"));
    }
}

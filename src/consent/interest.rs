//! `policies/interests.toml`: the news topics people may choose, and the purpose they
//! serve. Validated at start (file, line, what is wrong), like the other policies.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::purpose::{LANGUAGES, Purposes};
use crate::authz::PolicyError;
use crate::authz::error::{Source, read_policy_file};

const FILE_NAME: &str = "interests.toml";

/// The topics and the purpose they serve; only [`Interests::load`] and
/// [`Interests::parse`] build one.
#[derive(Debug, Clone)]
pub struct Interests {
    purpose: String,
    /// Topic id → name per language; every one of [`LANGUAGES`] is present.
    topics: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InterestsFile {
    purpose: Spanned<String>,
    #[serde(default)]
    topic: BTreeMap<Spanned<String>, BTreeMap<String, String>>,
}

impl Interests {
    /// Loads `<dir>/interests.toml`, checking its purpose against the purposes.
    pub fn load(dir: &Path, purposes: &Purposes) -> Result<Interests, PolicyError> {
        let (origin, text) = read_policy_file(dir, FILE_NAME)?;
        Self::parse(&origin, &text, purposes)
    }

    pub fn parse(origin: &str, text: &str, purposes: &Purposes) -> Result<Interests, PolicyError> {
        let source = Source { origin, text };
        let file: InterestsFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let asked = purposes
            .get(file.purpose.get_ref())
            .is_some_and(|p| p.is_asked());
        if !asked {
            let message = format!(
                "`{}` is not a purpose resting on consent in purposes.toml",
                file.purpose.get_ref()
            );
            return Err(source.error(file.purpose.span().start, message));
        }
        let mut topics = BTreeMap::new();
        for (name, names) in file.topic {
            source.check_name(&name, "topic", '-')?;
            if let Some(missing) = LANGUAGES.iter().find(|l| !names.contains_key(**l)) {
                let message = format!("topic `{}` has no `{missing}` name", name.get_ref());
                return Err(source.error(name.span().start, message));
            }
            topics.insert(name.into_inner(), names);
        }
        Ok(Interests {
            purpose: file.purpose.into_inner(),
            topics,
        })
    }

    /// The purpose the topics serve: without it granted, no topic is kept or used.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    pub fn is_topic(&self, id: &str) -> bool {
        self.topics.contains_key(id)
    }

    /// (id, name in `language`) of every topic, sorted by id.
    pub fn topics<'a>(&'a self, language: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.topics.iter().map(move |(id, names)| {
            let name = names.get(language).or_else(|| names.get("en"));
            (id.as_str(), name.map_or(id.as_str(), String::as_str))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purposes() -> Purposes {
        Purposes::load(Path::new("policies")).unwrap()
    }

    #[test]
    fn the_shipped_topics_are_valid_and_serve_targeted_news() {
        let interests = Interests::load(Path::new("policies"), &purposes()).unwrap();
        assert_eq!(interests.purpose(), "targeted-news");
        assert!(interests.is_topic("deliveries"));
        let names: Vec<_> = interests.topics("sv").map(|(_, name)| name).collect();
        assert!(names.contains(&"Leveranser och logistik"));
    }

    #[test]
    fn topics_must_serve_a_purpose_resting_on_consent() {
        let text = "purpose = \"portal-account\"\n";
        let error = Interests::parse("interests.toml", text, &purposes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "interests.toml:1: `portal-account` is not a purpose resting on consent in purposes.toml"
        );
    }

    #[test]
    fn a_topic_without_a_swedish_name_is_named_with_its_line() {
        let text = "purpose = \"targeted-news\"\n\n[topic.events]\nen = \"Events\"\n";
        let error = Interests::parse("interests.toml", text, &purposes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "interests.toml:3: topic `events` has no `sv` name"
        );
    }
}

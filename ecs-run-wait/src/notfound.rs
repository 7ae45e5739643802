//! "Not found" messages: where the tool looked (region, and the account when an ARN in an
//! answer names it) and the close names that do exist, from ListClusters, ListServices or
//! ListTaskDefinitionFamilies. The listings are best effort: a listing that fails (no
//! permission, throttling) gives no suggestion, never another error.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::TaskDefinitionFamilyStatus;

/// Pages read at most from a listing (100 names each).
const MAX_PAGES: usize = 5;
/// Suggestions shown at most.
const MAX_SUGGESTIONS: usize = 3;

/// Where a name was looked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub region: Option<String>,
    pub account: Option<String>,
}

impl Place {
    /// `in region R, account A`, as far as they are known (empty when nothing is).
    pub fn text(&self) -> String {
        match (&self.region, &self.account) {
            (Some(r), Some(a)) => format!("in region {r}, account {a}"),
            (Some(r), None) => format!("in region {r}"),
            (None, Some(a)) => format!("in account {a}"),
            (None, None) => String::new(),
        }
    }

    /// Take the account (and the region, if unknown) from an ARN, if it has them.
    pub fn learn(&mut self, arn: &str) {
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 6 || parts[0] != "arn" {
            return;
        }
        if self.account.is_none() && !parts[4].is_empty() {
            self.account = Some(parts[4].to_owned());
        }
        if self.region.is_none() && !parts[3].is_empty() {
            self.region = Some(parts[3].to_owned());
        }
    }
}

/// The last path segment of an ARN (`.../cluster/prod` -> `prod`), or the name itself.
pub fn short_name(name: &str) -> &str {
    if name.starts_with("arn:") {
        name.rsplit('/').next().unwrap_or(name)
    } else {
        name
    }
}

/// The candidates closest to `name`, best first, at most three: those at a small edit
/// distance or sharing a long prefix, case-insensitively.
pub fn suggest(name: &str, candidates: &[String]) -> Vec<String> {
    let wanted = name.to_lowercase();
    let mut scored: Vec<(f64, &String)> = candidates
        .iter()
        .filter(|c| c.as_str() != name)
        .map(|c| {
            let lower = c.to_lowercase();
            let score = strsim::jaro_winkler(&wanted, &lower)
                .max(strsim::normalized_damerau_levenshtein(&wanted, &lower));
            let contains =
                wanted.len() >= 3 && (lower.contains(&wanted) || wanted.contains(&lower));
            (if contains { score.max(0.85) } else { score }, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, c)| c.clone())
        .collect()
}

/// `; did you mean a or b?`, or nothing.
pub fn did_you_mean(name: &str, candidates: &[String]) -> String {
    match suggest(name, candidates).as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

/// The cluster names of the account and region (ARNs taught to `place`).
pub async fn clusters(ecs: &Client, place: &mut Place) -> Vec<String> {
    let mut names = Vec::new();
    let mut pages = ecs.list_clusters().into_paginator().send();
    for _ in 0..MAX_PAGES {
        let Some(Ok(page)) = pages.next().await else {
            break;
        };
        for arn in page.cluster_arns() {
            place.learn(arn);
            names.push(short_name(arn).to_owned());
        }
    }
    names
}

/// The service names of `cluster` (ARNs taught to `place`).
pub async fn services(ecs: &Client, cluster: &str, place: &mut Place) -> Vec<String> {
    let mut names = Vec::new();
    let mut pages = ecs.list_services().cluster(cluster).into_paginator().send();
    for _ in 0..MAX_PAGES {
        let Some(Ok(page)) = pages.next().await else {
            break;
        };
        for arn in page.service_arns() {
            place.learn(arn);
            names.push(short_name(arn).to_owned());
        }
    }
    names
}

/// The ACTIVE task definition families; the account comes from one task definition ARN.
pub async fn families(ecs: &Client, place: &mut Place) -> Vec<String> {
    let mut names = Vec::new();
    let mut pages = ecs
        .list_task_definition_families()
        .status(TaskDefinitionFamilyStatus::Active)
        .into_paginator()
        .send();
    for _ in 0..MAX_PAGES {
        let Some(Ok(page)) = pages.next().await else {
            break;
        };
        names.extend(page.families().iter().cloned());
    }
    if place.account.is_none()
        && let Ok(out) = ecs.list_task_definitions().max_results(1).send().await
        && let Some(arn) = out.task_definition_arns().first()
    {
        place.learn(arn);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn close_names_first() {
        let names = list(&["ci", "prod", "prod-eu", "staging", "production"]);
        assert_eq!(suggest("prdo", &names)[0], "prod");
        assert_eq!(suggest("Prod-EU", &names)[0], "prod-eu");
        assert_eq!(suggest("stagign", &names), ["staging"]);
        assert!(suggest("zzz", &names).is_empty());
        assert!(suggest("prod", &list(&["prod"])).is_empty(), "not itself");
        assert_eq!(
            did_you_mean("migrat", &list(&["migrate"])),
            "; did you mean migrate?"
        );
        assert_eq!(did_you_mean("x", &[]), "");
    }

    #[test]
    fn place() {
        let mut p = Place {
            region: Some("us-east-2".into()),
            account: None,
        };
        assert_eq!(p.text(), "in region us-east-2");
        p.learn("not an arn");
        p.learn("arn:aws:ecs:eu-west-1:123456789012:cluster/ci");
        assert_eq!(p.text(), "in region us-east-2, account 123456789012");
        assert_eq!(short_name("arn:aws:ecs:r:1:service/ci/web"), "web");
        assert_eq!(short_name("web"), "web");
    }
}

//! What a key can do: a policy reduced to a small normalised set of regions, each an effect,
//! actions, resources and conditions, and emitted back as an equivalent policy.

use std::fmt;

use super::{Verdict, compare};
use crate::{Action, Condition, Effect, Policy, Resource, Statement};

/// One region of a [`Summary`]: the requests one (normalised) statement matches.
///
/// ```
/// use cos_policy::{Effect, preset::Preset};
/// use cos_policy::analysis::summarize;
///
/// let p = Preset::download_only("ap-guangzhou", "examplebucket-1250000000", "doc/").build()?;
/// let summary = summarize(&p);
/// let region = &summary.regions()[0];
/// assert_eq!(region.effect(), Effect::Allow);
/// assert!(region.actions().iter().any(|a| a.to_string() == "name/cos:GetObject"));
/// assert!(region.conditions().is_empty());
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    effect: Effect,
    actions: Vec<Action>,
    resources: Vec<Resource>,
    conditions: Vec<Condition>,
}

impl Region {
    fn from_statement(s: &Statement) -> Self {
        Self {
            effect: s.effect(),
            actions: s.actions().to_vec(),
            resources: s.resources().to_vec(),
            conditions: s.conditions().to_vec(),
        }
    }

    fn to_statement(&self) -> Statement {
        let mut s = Statement::new(self.effect)
            .with_actions(self.actions.iter().cloned())
            .with_resources(self.resources.iter().cloned());
        for c in &self.conditions {
            s = s.with_condition(c.clone());
        }
        s
    }

    /// Allow or deny.
    ///
    /// ```
    /// # use cos_policy::{Effect, Policy, analysis::summarize};
    /// let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
    /// assert_eq!(summarize(&p).regions()[0].effect(), Effect::Allow);
    /// ```
    #[must_use]
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The actions, sorted, none covered by another.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::summarize};
    /// let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":["cos:GetObject","cos:Get*"],"resource":"*"}]}"#).unwrap();
    /// assert_eq!(summarize(&p).regions()[0].actions().len(), 1);
    /// ```
    #[must_use]
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The resources, sorted, none covered by another.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::summarize};
    /// let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":["*","qcs::cos:ap-beijing:uid/1250000000:b-1250000000/*"]}]}"#).unwrap();
    /// assert_eq!(summarize(&p).regions()[0].resources(), [cos_policy::Resource::Any]);
    /// ```
    #[must_use]
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The conditions, all of which must hold.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::summarize};
    /// let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*","condition":{"ip_equal":{"qcs:ip":"10.0.0.0/8"}}}]}"#).unwrap();
    /// assert_eq!(summarize(&p).regions()[0].conditions().len(), 1);
    /// ```
    #[must_use]
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
}

fn short_resource(r: &Resource) -> String {
    match r {
        Resource::Any => "every resource".to_owned(),
        Resource::Cos(c) => {
            let region = if c.region().is_empty() {
                "every region"
            } else {
                c.region()
            };
            format!("{} ({region})", c.path())
        }
        Resource::Ci(c) => format!("ci {} ({})", c.path(), c.region()),
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let actions: Vec<String> = self
            .actions
            .iter()
            .map(|a| match a {
                Action::Any => "every action".to_owned(),
                Action::Api { service, name } if service == "cos" => name.clone(),
                other => other.to_string(),
            })
            .collect();
        let resources: Vec<String> = self.resources.iter().map(short_resource).collect();
        write!(
            f,
            "{} {} on {}",
            self.effect,
            actions.join(", "),
            resources.join(", ")
        )?;
        for (i, c) in self.conditions.iter().enumerate() {
            let values: Vec<String> = c.values().iter().map(ToString::to_string).collect();
            write!(
                f,
                "{} {} {} [{}]",
                if i == 0 { " if" } else { " and" },
                c.key(),
                c.operator(),
                values.join(", ")
            )?;
        }
        Ok(())
    }
}

/// The result of [`summarize`]: the regions, and the same regions as a policy.
///
/// ```
/// use cos_policy::preset::Preset;
/// use cos_policy::analysis::{compare, summarize, Verdict};
///
/// let p = Preset::upload_only("ap-guangzhou", "examplebucket-1250000000", "users/alice/")
///     .content_type("image/*")
///     .build()?;
/// let summary = summarize(&p);
/// assert_eq!(compare(&p, summary.policy()).verdict(), Verdict::Equal);
/// assert!(summary.to_string().contains("users/alice/*"));
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    regions: Vec<Region>,
    policy: Policy,
}

impl Summary {
    /// The regions: allow regions first, then the deny regions carved out of them.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::summarize};
    /// assert!(summarize(&Policy::new()).regions().is_empty());
    /// ```
    #[must_use]
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The regions as a policy, equivalent to the summarised one.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::summarize};
    /// assert!(summarize(&Policy::new()).policy().statements().is_empty());
    /// ```
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.regions.iter().any(|r| r.effect == Effect::Allow) {
            return writeln!(f, "allows nothing");
        }
        for region in &self.regions {
            let lead = if region.effect == Effect::Deny {
                "  except: "
            } else {
                "- "
            };
            writeln!(f, "{lead}{region}")?;
        }
        Ok(())
    }
}

fn policy_of(regions: &[Region]) -> Policy {
    regions
        .iter()
        .fold(Policy::new(), |p, r| p.with_statement(r.to_statement()))
}

fn equal(a: &Policy, b: &Policy) -> bool {
    let c = compare(a, b);
    c.verdict() == Verdict::Equal && c.is_exact()
}

/// The requests a region matches, as an allow-only policy (so deny regions compare too).
fn as_allow(region: &Region) -> Policy {
    let mut allow = region.clone();
    allow.effect = Effect::Allow;
    policy_of(std::slice::from_ref(&allow))
}

/// Drops action and resource entries another entry of the same region covers, and sorts.
fn normalise(region: &mut Region) {
    region.actions.sort_by_key(ToString::to_string);
    region.actions.dedup();
    region.resources.sort_by_key(ToString::to_string);
    region.resources.dedup();
    let mut i = 0;
    while i < region.actions.len() {
        let mut without = region.clone();
        without.actions.remove(i);
        if !without.actions.is_empty() && equal(&as_allow(region), &as_allow(&without)) {
            *region = without;
        } else {
            i += 1;
        }
    }
    let mut i = 0;
    while i < region.resources.len() {
        let mut without = region.clone();
        without.resources.remove(i);
        if !without.resources.is_empty() && equal(&as_allow(region), &as_allow(&without)) {
            *region = without;
        } else {
            i += 1;
        }
    }
}

/// Merges regions of one effect that differ only in actions (or only in resources).
fn merge(regions: &mut Vec<Region>) {
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..regions.len() {
            for j in i + 1..regions.len() {
                let (Some(a), Some(b)) = (regions.get(i), regions.get(j)) else {
                    continue;
                };
                if a.effect != b.effect || a.conditions != b.conditions {
                    continue;
                }
                let same_resources = a.resources == b.resources;
                let same_actions = a.actions == b.actions;
                if !same_resources && !same_actions {
                    continue;
                }
                let b = regions.remove(j);
                if let Some(a) = regions.get_mut(i) {
                    if same_resources {
                        a.actions.extend(b.actions);
                    } else {
                        a.resources.extend(b.resources);
                    }
                    normalise(a);
                }
                merged = true;
                break 'outer;
            }
        }
    }
}

/// Summarises `policy`: drops statements that change nothing (allows covered by other
/// allows, denies that never meet an allow), merges statements that differ only in their
/// actions or only in their resources, drops covered action and resource entries, and
/// orders the result. Every step that drops something is checked by [`compare`], so the
/// summary's policy allows exactly what `policy` allows (when the comparison is exact).
///
/// ```
/// use cos_policy::Policy;
/// use cos_policy::analysis::{compare, summarize, Verdict};
///
/// let p = Policy::from_json(r#"{"version":"2.0","statement":[
///   {"effect":"allow","action":"cos:GetObject","resource":"qcs::cos:ap-beijing:uid/1250000000:b-1250000000/doc/*"},
///   {"effect":"allow","action":"cos:HeadObject","resource":"qcs::cos:ap-beijing:uid/1250000000:b-1250000000/doc/*"},
///   {"effect":"allow","action":"cos:GetObject","resource":"qcs::cos:ap-beijing:uid/1250000000:b-1250000000/doc/a.txt"},
///   {"effect":"deny","action":"cos:DeleteObject","resource":"*"}]}"#)?;
/// let summary = summarize(&p);
/// assert_eq!(summary.regions().len(), 1);
/// assert_eq!(summary.to_string(), "- allow GetObject, HeadObject on b-1250000000/doc/* (ap-beijing)\n");
/// assert_eq!(compare(&p, summary.policy()).verdict(), Verdict::Equal);
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[must_use]
pub fn summarize(policy: &Policy) -> Summary {
    let mut regions: Vec<Region> = policy
        .statements()
        .iter()
        .map(Region::from_statement)
        .collect();
    for region in &mut regions {
        normalise(region);
    }
    // Drop whole regions that change nothing, denies first (they often never meet an allow).
    for effect in [Effect::Deny, Effect::Allow] {
        let mut i = 0;
        while i < regions.len() {
            if regions.get(i).is_some_and(|r| r.effect == effect) {
                let mut without = regions.clone();
                without.remove(i);
                if equal(&policy_of(&regions), &policy_of(&without)) {
                    regions = without;
                    continue;
                }
            }
            i += 1;
        }
    }
    merge(&mut regions);
    regions.sort_by_key(|r| {
        (
            r.effect == Effect::Deny,
            r.actions
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            r.resources
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        )
    });
    let policy = policy_of(&regions);
    Summary { regions, policy }
}

//! What a key can do: a policy reduced to a small normalised set of regions, each an effect,
//! actions, resources and conditions, and emitted back as an equivalent policy.

use std::fmt;

use super::{Verdict, compare};
use crate::{Action, Condition, Effect, Policy, Resource, Statement};

/// A statement being summarised.
#[derive(Debug, Clone, PartialEq)]
struct Region {
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
        Resource::Cam(_) => format!("cam {r}"),
    }
}

/// One statement as a line: effect, actions, resources, conditions.
fn describe(statement: &Statement, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let actions: Vec<String> = statement
        .actions()
        .iter()
        .map(|a| match a {
            Action::Any => "every action".to_owned(),
            Action::Api { service, name } if service == "cos" => name.clone(),
            other => other.to_string(),
        })
        .collect();
    let resources: Vec<String> = statement.resources().iter().map(short_resource).collect();
    write!(
        f,
        "{} {} on {}",
        statement.effect(),
        actions.join(", "),
        resources.join(", ")
    )?;
    for (i, c) in statement.conditions().iter().enumerate() {
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

/// The result of [`summarize`]: the regions — normalised statements, allows first, then the
/// denies carved out of them — as a policy equivalent to the summarised one; its `Display`
/// writes one line per region.
///
/// ```
/// use cos_policy::preset::Preset;
/// use cos_policy::analysis::{compare, summarize, Verdict};
///
/// let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
/// let p = Preset::upload_only(&bucket, "users/alice/")
///     .content_type("image/*")
///     .build()?;
/// let summary = summarize(&p);
/// assert_eq!(compare(&p, summary.policy()).verdict(), Verdict::Equal);
/// assert!(summary.to_string().contains("users/alice/*"));
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    policy: Policy,
}

impl Summary {
    /// The regions, as statements.
    ///
    /// ```
    /// # use cos_policy::{Effect, Policy, analysis::summarize};
    /// let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":["cos:GetObject","cos:Get*"],"resource":"*"}]}"#).unwrap();
    /// let summary = summarize(&p);
    /// assert_eq!(summary.regions().len(), 1);
    /// assert_eq!(summary.regions()[0].effect(), Effect::Allow);
    /// assert_eq!(summary.regions()[0].actions().len(), 1); // `GetObject` is covered by `Get*`
    /// ```
    #[must_use]
    pub fn regions(&self) -> &[Statement] {
        self.policy.statements()
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
        if !self.regions().iter().any(|r| r.effect() == Effect::Allow) {
            return writeln!(f, "allows nothing");
        }
        for region in self.regions() {
            f.write_str(if region.effect() == Effect::Deny {
                "  except: "
            } else {
                "- "
            })?;
            describe(region, f)?;
            writeln!(f)?;
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
    drop_covered(region, |r| &mut r.actions);
    drop_covered(region, |r| &mut r.resources);
}

/// Removes each entry of the list `entries` selects whose removal leaves the region's requests
/// unchanged.
fn drop_covered<T>(region: &mut Region, entries: fn(&mut Region) -> &mut Vec<T>) {
    let mut i = 0;
    while i < entries(region).len() {
        let mut without = region.clone();
        entries(&mut without).remove(i);
        if !entries(&mut without).is_empty() && equal(&as_allow(region), &as_allow(&without)) {
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
    Summary {
        policy: policy_of(&regions),
    }
}

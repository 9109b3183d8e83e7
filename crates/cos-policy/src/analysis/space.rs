//! The request space of two policies, cut into finitely many classes per dimension.
//!
//! A request is an action, a resource and a context. Two requests that every action entry,
//! every resource entry and every condition of both policies treat alike get the same
//! decision from both, so it is enough to look at one request per class:
//!
//! * **actions**: the catalogued COS actions first (so examples are real actions), then, when
//!   every action string counts, one `service:name` per class of the services' and names'
//!   patterns ([`strings::classes`]);
//! * **resources**: `*`, then per APPID named in the policies (and one fresh APPID) one
//!   `qcs::cos:<region>:uid/<appid>:<path>` per class of regions and of paths, where paths
//!   follow the request grammar of a COS resource ([`Shape::CosPath`]);
//! * **context**: per condition key, one value per class of the values the key's conditions
//!   treat alike (string patterns, the number, date and address lines cut at every constant,
//!   `true`/`false`, a value of no type), then the key's options — absent, or any non-empty
//!   set of those values (multi-valued keys, `for_any_value:` / `for_all_value:`) — kept when
//!   their outcome vector over the key's conditions is new. Outcomes are computed by the
//!   evaluator's own condition code, so they are `evaluate`'s by construction.

use rustc_hash::FxHashSet as HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Inexact;
use super::strings::{self, Pattern, Shape};
use crate::evaluate::{Outcome, condition_outcome};
use crate::{
    Action, Condition, ConditionValue, ContextValue, Effect, OperatorKind, Policy, Request,
    Resource, ValueType, catalogue,
};

/// Which action strings count as requests.
///
/// ```
/// use cos_policy::analysis::ActionScope;
/// assert_eq!(ActionScope::default(), ActionScope::AnyString);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionScope {
    /// Every action string `evaluate` accepts (catalogued actions are still preferred as
    /// examples): the exact semantics of [`evaluate`](crate::evaluate).
    #[default]
    AnyString,
    /// Only the catalogued COS actions ([`catalogue::all`]): what COS can ever authorise.
    CosCatalogue,
}

/// A set of statements, one bit per statement of the two policies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Mask(Vec<u64>);

impl Mask {
    fn empty(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64).max(1)])
    }

    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    pub(crate) fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub(crate) fn and(&self, other: &Self) -> Self {
        Self(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }
}

/// A statement of either policy.
#[derive(Debug)]
pub(crate) struct StatementInfo {
    /// 0 for the first policy, 1 for the second.
    pub(crate) policy: usize,
    pub(crate) effect: Effect,
    /// `(key index, position among the key's conditions)` of each condition.
    pub(crate) conditions: Vec<(usize, usize)>,
}

/// The options of one condition key.
#[derive(Debug)]
pub(crate) struct KeySpace {
    pub(crate) key: String,
    /// Global statement index of each condition on this key.
    pub(crate) statements: Vec<usize>,
    /// Distinct outcome vectors (aligned with `statements`), with a context value for each.
    pub(crate) options: Vec<KeyOption>,
}

/// One way a request can present a key.
#[derive(Debug)]
pub(crate) struct KeyOption {
    /// `None`: the key is absent.
    pub(crate) value: Option<ContextValue>,
    pub(crate) outcomes: Vec<Tri>,
}

/// A condition's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tri {
    True,
    False,
    Unevaluable,
}

/// The classes of every dimension.
#[derive(Debug)]
pub(crate) struct Space {
    pub(crate) statements: Vec<StatementInfo>,
    pub(crate) actions: Vec<(String, Mask)>,
    pub(crate) resources: Vec<(String, Mask)>,
    pub(crate) keys: Vec<KeySpace>,
    pub(crate) inexact: Vec<Inexact>,
}

impl Space {
    pub(crate) fn new(policies: [&Policy; 2], scope: ActionScope) -> Self {
        let statements: Vec<(usize, &crate::Statement)> = policies
            .iter()
            .enumerate()
            .flat_map(|(p, policy)| policy.statements().iter().map(move |s| (p, s)))
            .collect();
        let mut inexact = Vec::new();
        let actions = action_classes(&statements, scope, &mut inexact);
        let resources = resource_classes(&statements, &mut inexact);
        let (keys, infos) = key_spaces(&statements, &mut inexact);
        Self {
            statements: infos,
            actions,
            resources,
            keys,
            inexact,
        }
    }
}

fn mask_of(
    statements: &[(usize, &crate::Statement)],
    mut hit: impl FnMut(&crate::Statement) -> bool,
) -> Mask {
    let mut mask = Mask::empty(statements.len());
    for (i, (_, s)) in statements.iter().enumerate() {
        if hit(s) {
            mask.set(i);
        }
    }
    mask
}

fn action_classes(
    statements: &[(usize, &crate::Statement)],
    scope: ActionScope,
    inexact: &mut Vec<Inexact>,
) -> Vec<(String, Mask)> {
    let mut seen = HashSet::default();
    let mut out = Vec::new();
    // Each distinct action entry is matched once per catalogued action.
    let mut entries: Vec<&Action> = Vec::new();
    let uses: Vec<Vec<usize>> = statements
        .iter()
        .map(|(_, s)| {
            s.actions()
                .iter()
                .map(|a| match entries.iter().position(|e| *e == a) {
                    Some(i) => i,
                    None => {
                        entries.push(a);
                        entries.len() - 1
                    }
                })
                .collect()
        })
        .collect();
    for info in catalogue::all() {
        let hits: Vec<bool> = entries
            .iter()
            .map(|a| a.matches("cos", info.name))
            .collect();
        let mut mask = Mask::empty(statements.len());
        for (i, used) in uses.iter().enumerate() {
            if used.iter().any(|&e| hits.get(e).copied().unwrap_or(false)) {
                mask.set(i);
            }
        }
        if seen.insert(mask.clone()) {
            out.push((info.qualified(), mask));
        }
    }
    if scope == ActionScope::CosCatalogue {
        return out;
    }
    let mut services = Vec::new();
    let mut names = Vec::new();
    for (_, s) in statements {
        for action in s.actions() {
            if let Action::Api { service, name } = action {
                services.push(service.clone());
                names.push(name.clone());
            }
        }
    }
    dedup(&mut services);
    dedup(&mut names);
    let service_patterns: Vec<Pattern> = services.iter().map(|s| Pattern::glob(s)).collect();
    let name_patterns: Vec<Pattern> = names.iter().map(|s| Pattern::glob(s)).collect();
    let (Ok(service_classes), Ok(name_classes)) = (
        strings::classes(&service_patterns, &Shape::NoColon),
        strings::classes(&name_patterns, &Shape::Any),
    ) else {
        inexact.push(Inexact::TooComplex {
            what: "action patterns".to_owned(),
        });
        return out;
    };
    for sc in &service_classes {
        for nc in &name_classes {
            let mask = mask_of(statements, |s| {
                s.actions().iter().any(|a| match a {
                    Action::Any => true,
                    Action::Api { service, name } => {
                        index_hit(&services, service, &sc.matches)
                            && index_hit(&names, name, &nc.matches)
                    }
                })
            });
            if seen.insert(mask.clone()) {
                out.push((format!("name/{}:{}", sc.example, nc.example), mask));
            }
        }
    }
    out
}

fn dedup(items: &mut Vec<String>) {
    items.sort();
    items.dedup();
}

fn index_hit(sorted: &[String], item: &str, matches: &[bool]) -> bool {
    sorted
        .binary_search_by(|s| s.as_str().cmp(item))
        .ok()
        .and_then(|i| matches.get(i).copied())
        .unwrap_or(false)
}

fn resource_classes(
    statements: &[(usize, &crate::Statement)],
    inexact: &mut Vec<Inexact>,
) -> Vec<(String, Mask)> {
    let mut seen = HashSet::default();
    let mut out = Vec::new();
    let any = mask_of(statements, |s| s.resources().contains(&Resource::Any));
    seen.insert(any.clone());
    out.push(("*".to_owned(), any));
    let entries: Vec<&Resource> = statements
        .iter()
        .flat_map(|(_, s)| s.resources().iter())
        .collect();
    let (mut regions, mut appids, mut ci) = (Vec::new(), Vec::new(), false);
    for r in &entries {
        match r {
            Resource::Any => {}
            Resource::Cos(c) => {
                if !c.region().is_empty() {
                    regions.push(c.region().to_owned());
                }
                appids.push(c.appid().to_owned());
            }
            Resource::Ci(c) => {
                ci = true;
                if !c.region().is_empty() {
                    regions.push(c.region().to_owned());
                }
                appids.push(c.appid().to_owned());
            }
            Resource::Cam(c) => {
                let note = Inexact::UnmodelledResource {
                    resource: Resource::Cam(c.clone()).to_string(),
                };
                if !inexact.contains(&note) {
                    inexact.push(note);
                }
            }
        }
    }
    if appids.is_empty() {
        return out;
    }
    dedup(&mut regions);
    dedup(&mut appids);
    let fresh = fresh_appid(&appids);
    let region_patterns: Vec<Pattern> = regions.iter().map(|r| Pattern::glob(r)).collect();
    let Ok(region_classes) = strings::classes(&region_patterns, &Shape::Region) else {
        inexact.push(Inexact::TooComplex {
            what: "resource regions".to_owned(),
        });
        return out;
    };
    for appid in appids.iter().chain(std::iter::once(&fresh)) {
        for (service, shape) in [
            ("cos", Shape::CosPath(appid.clone())),
            ("ci", Shape::CiPath(appid.clone())),
        ] {
            if service == "ci" && !ci {
                continue;
            }
            let mut paths: Vec<String> = entries
                .iter()
                .filter_map(|r| match r {
                    Resource::Cos(c) if service == "cos" && c.appid() == appid => {
                        Some(c.path().to_owned())
                    }
                    Resource::Ci(c) if service == "ci" && c.appid() == appid => {
                        Some(c.path().to_owned())
                    }
                    _ => None,
                })
                .collect();
            dedup(&mut paths);
            let path_patterns: Vec<Pattern> = paths.iter().map(|p| Pattern::glob(p)).collect();
            let Ok(path_classes) = strings::classes(&path_patterns, &shape) else {
                inexact.push(Inexact::TooComplex {
                    what: format!("resource paths of APPID {appid}"),
                });
                continue;
            };
            for rc in &region_classes {
                for pc in &path_classes {
                    let covers = |region: &str, entry_appid: &str, path: &str| {
                        entry_appid == appid
                            && (region.is_empty() || index_hit(&regions, region, &rc.matches))
                            && index_hit(&paths, path, &pc.matches)
                    };
                    let mask = mask_of(statements, |s| {
                        s.resources().iter().any(|r| match r {
                            Resource::Any => true,
                            Resource::Cos(c) if service == "cos" => {
                                covers(c.region(), c.appid(), c.path())
                            }
                            Resource::Ci(c) if service == "ci" => {
                                covers(c.region(), c.appid(), c.path())
                            }
                            _ => false,
                        })
                    });
                    if seen.contains(&mask) {
                        continue;
                    }
                    let text = format!("qcs::{service}:{}:uid/{appid}:{}", rc.example, pc.example);
                    // Paths follow the request grammar by construction; the parse is a guard.
                    if text.parse::<Resource>().is_ok() {
                        seen.insert(mask.clone());
                        out.push((text, mask));
                    }
                }
            }
        }
    }
    out
}

fn fresh_appid(appids: &[String]) -> String {
    (1_000_000_000u64..)
        .map(|n| n.to_string())
        .find(|candidate| !appids.contains(candidate))
        .unwrap_or_default()
}

type KeyGroups<'a> = Vec<(String, Vec<(usize, &'a Condition)>)>;

fn key_spaces(
    statements: &[(usize, &crate::Statement)],
    inexact: &mut Vec<Inexact>,
) -> (Vec<KeySpace>, Vec<StatementInfo>) {
    let mut groups: KeyGroups<'_> = Vec::new();
    let mut infos = Vec::new();
    for (index, (policy, statement)) in statements.iter().enumerate() {
        let mut refs = Vec::new();
        for condition in statement.conditions() {
            let k = match groups.iter().position(|(key, _)| key == condition.key()) {
                Some(k) => k,
                None => {
                    groups.push((condition.key().to_owned(), Vec::new()));
                    groups.len() - 1
                }
            };
            if let Some((_, conds)) = groups.get_mut(k) {
                refs.push((k, conds.len()));
                conds.push((index, condition));
            }
        }
        infos.push(StatementInfo {
            policy: *policy,
            effect: statement.effect(),
            conditions: refs,
        });
    }
    let keys = groups
        .into_iter()
        .map(|(key, conds)| key_space(key, &conds, inexact))
        .collect();
    (keys, infos)
}

fn tri(outcome: &Outcome) -> Tri {
    match outcome {
        Outcome::True => Tri::True,
        Outcome::False => Tri::False,
        Outcome::Unevaluable(_) => Tri::Unevaluable,
    }
}

fn outcomes(key: &str, conds: &[(usize, &Condition)], value: Option<&ContextValue>) -> Vec<Tri> {
    let mut request = Request::new("", "");
    if let Some(value) = value {
        request = request.with_context(key, value.clone());
    }
    conds
        .iter()
        .map(|(_, c)| tri(&condition_outcome(c, &request)))
        .collect()
}

/// The most distinct value-set signatures explored for one key.
const MAX_SIGNATURES: usize = 1 << 16;

fn signature_bit(t: Tri) -> u8 {
    match t {
        Tri::True => 1,
        Tri::False => 2,
        Tri::Unevaluable => 4,
    }
}

fn key_space(key: String, conds: &[(usize, &Condition)], inexact: &mut Vec<Inexact>) -> KeySpace {
    let examples = value_examples(&key, conds, inexact);
    // Value classes: distinct single-value outcome vectors.
    let mut classes: Vec<(String, Vec<Tri>)> = Vec::new();
    for example in examples {
        let v = outcomes(&key, conds, Some(&ContextValue::One(example.clone())));
        if !classes.iter().any(|(_, seen)| *seen == v) {
            classes.push((example, v));
        }
    }
    let mut options: Vec<KeyOption> = Vec::new();
    let mut seen: HashSet<Vec<Tri>> = HashSet::default();
    let absent = outcomes(&key, conds, None);
    seen.insert(absent.clone());
    options.push(KeyOption {
        value: None,
        outcomes: absent,
    });
    // The outcome of a set of values depends only on which single-value outcomes occur in it
    // (per condition: true, false, unevaluable), so only the distinct unions of the classes'
    // signatures matter. They are built class by class: every union found so far, with and
    // without the next class — as many as there are distinct unions, not 2^classes.
    let mut unions: Vec<(Vec<u8>, Vec<usize>)> = Vec::new();
    let mut known: HashSet<Vec<u8>> = HashSet::default();
    for (i, (_, v)) in classes.iter().enumerate() {
        let single: Vec<u8> = v.iter().map(|t| signature_bit(*t)).collect();
        let mut grown = vec![(single.clone(), vec![i])];
        for (signature, members) in &unions {
            let union: Vec<u8> = signature.iter().zip(&single).map(|(a, b)| a | b).collect();
            let mut with = members.clone();
            with.push(i);
            grown.push((union, with));
        }
        for (signature, members) in grown {
            if known.len() >= MAX_SIGNATURES {
                inexact.push(Inexact::TooComplex {
                    what: format!("combinations of values of `{key}`"),
                });
                break;
            }
            if known.insert(signature.clone()) {
                unions.push((signature, members));
            }
        }
    }
    unions.sort_by_key(|(_, members)| members.len());
    for (_, members) in unions {
        let mut values: Vec<String> = members
            .iter()
            .filter_map(|&i| classes.get(i).map(|(example, _)| example.clone()))
            .collect();
        let value = if values.len() == 1 {
            ContextValue::One(values.pop().unwrap_or_default())
        } else {
            ContextValue::Many(values)
        };
        let v = outcomes(&key, conds, Some(&value));
        if seen.insert(v.clone()) {
            options.push(KeyOption {
                value: Some(value),
                outcomes: v,
            });
        }
    }
    KeySpace {
        key,
        statements: conds.iter().map(|(s, _)| *s).collect(),
        options,
    }
}

/// Values that together hit every class of values the key's conditions distinguish.
fn value_examples(
    key: &str,
    conds: &[(usize, &Condition)],
    inexact: &mut Vec<Inexact>,
) -> Vec<String> {
    let mut out = vec!["x".to_owned()];
    let mut families = HashSet::default();
    let mut patterns = Vec::new();
    let (mut numbers, mut dates, mut nets) = (Vec::new(), Vec::new(), Vec::new());
    for (_, condition) in conds {
        let kind = condition.operator().kind;
        let ty = kind.value_type();
        if ty != ValueType::Null {
            families.insert(match ty {
                ValueType::Binary => ValueType::String,
                ValueType::Bool => ValueType::Bool,
                other => other,
            });
        }
        for value in condition.values() {
            match value {
                ConditionValue::String(s) => patterns.push(match kind {
                    OperatorKind::StringLike | OperatorKind::StringNotLike => Pattern::glob(s),
                    OperatorKind::StringEqualIgnoreCase
                    | OperatorKind::StringNotEqualIgnoreCase => {
                        if !s.is_ascii() {
                            inexact.push(Inexact::NonAsciiIgnoreCase {
                                key: key.to_owned(),
                                value: s.clone(),
                            });
                        }
                        Pattern::literal_ignore_case(s)
                    }
                    _ => Pattern::literal(s),
                }),
                ConditionValue::Number(n) => numbers.push(*n),
                ConditionValue::Date(d) => dates.push(d.unix_seconds()),
                ConditionValue::Ip(net) => nets.push(*net),
                ConditionValue::Bool(_) => {}
            }
        }
    }
    if families.len() > 1 {
        inexact.push(Inexact::MixedKeyTypes {
            key: key.to_owned(),
        });
    }
    if !patterns.is_empty() {
        match strings::classes(&patterns, &Shape::Any) {
            Ok(classes) => out.extend(classes.into_iter().map(|c| c.example)),
            Err(_) => inexact.push(Inexact::TooComplex {
                what: format!("string values of `{key}`"),
            }),
        }
    }
    if families.contains(&ValueType::Numeric) {
        out.extend(number_examples(numbers).iter().map(|n| format!("{n}")));
    }
    if families.contains(&ValueType::Date) {
        dates.sort_unstable();
        dates.dedup();
        for d in dates {
            for t in [d.saturating_sub(1), d, d.saturating_add(1)] {
                out.push(crate::Timestamp::from_unix_seconds(t).to_string());
            }
        }
    }
    if families.contains(&ValueType::Ip) {
        out.extend(ip_examples(&nets).iter().map(ToString::to_string));
    }
    if families.contains(&ValueType::Bool) {
        out.extend(["true".to_owned(), "false".to_owned()]);
    }
    let mut unique = HashSet::default();
    out.retain(|v| unique.insert(v.clone()));
    out
}

/// One number in every piece the constants cut the line into (the constants themselves, the
/// open intervals between them, below the least, above the greatest), readable when possible.
fn number_examples(mut constants: Vec<f64>) -> Vec<f64> {
    constants.sort_by(f64::total_cmp);
    constants.dedup();
    let mut out = Vec::new();
    if let Some(&least) = constants.first() {
        let below = least - 1.0;
        out.push(if below < least {
            below
        } else {
            least.next_down()
        });
    } else {
        out.push(0.0);
    }
    for (i, &c) in constants.iter().enumerate() {
        out.push(c);
        let next = constants.get(i + 1).copied().unwrap_or(f64::INFINITY);
        let above = c + 1.0;
        let pick = if above > c && above < next {
            above
        } else {
            c.next_up()
        };
        if pick < next {
            out.push(pick);
        }
    }
    out.retain(|n| n.is_finite());
    out
}

/// One address in every piece the networks cut the IPv4 and IPv6 lines into (IPv4-mapped
/// IPv6 addresses are IPv4 addresses to the evaluator).
fn ip_examples(nets: &[crate::IpNet]) -> Vec<IpAddr> {
    let mut v4: Vec<u32> = vec![0, u32::MAX];
    let mut v6: Vec<u128> = vec![0, u128::MAX, 0xfffe_ffff_ffff, 0x1_0000_0000_0000];
    for net in nets {
        match net.addr().to_canonical() {
            IpAddr::V4(addr) => {
                let len = if net.addr().is_ipv6() {
                    net.prefix_len().saturating_sub(96)
                } else {
                    net.prefix_len()
                };
                let mask = if len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(len.min(32)))
                };
                let lo = u32::from(addr) & mask;
                let hi = lo | !mask;
                v4.extend([lo, hi, lo.saturating_sub(1), hi.saturating_add(1)]);
            }
            IpAddr::V6(addr) => {
                let len = net.prefix_len();
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(len.min(128)))
                };
                let lo = u128::from(addr) & mask;
                let hi = lo | !mask;
                v6.extend([lo, hi, lo.saturating_sub(1), hi.saturating_add(1)]);
            }
        }
    }
    v4.sort_unstable();
    v4.dedup();
    v6.sort_unstable();
    v6.dedup();
    v4.into_iter()
        .map(|a| IpAddr::V4(Ipv4Addr::from(a)))
        .chain(v6.into_iter().map(|a| IpAddr::V6(Ipv6Addr::from(a))))
        .collect()
}

//! The search over the classes of a [`Space`]: every (action, resource) class pair, deduplicated
//! by the statements it reaches, then every combination of the relevant keys' options.

use rustc_hash::FxHashSet as HashSet;

use super::Inexact;
use super::space::{Mask, Space, Tri};
use crate::{ContextValue, Effect, Request};

/// The most condition combinations explored for one set of reachable statements.
const LEAF_LIMIT: usize = 1 << 20;

/// A request found by the search, with the decisions it predicts.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) request: Request,
    pub(crate) allowed: [bool; 2],
}

/// Looks for requests whose (first allowed, second allowed) pair is each of `targets`;
/// returns one request per target, or `None` where the space holds none.
pub(crate) fn find(
    space: &Space,
    targets: &[[bool; 2]],
    inexact: &mut Vec<Inexact>,
) -> Vec<Option<Found>> {
    let mut found: Vec<Option<Found>> = vec![None; targets.len()];
    let mut seen: HashSet<Mask> = HashSet::default();
    for (action, action_mask) in &space.actions {
        for (resource, resource_mask) in &space.resources {
            let mask = action_mask.and(resource_mask);
            if !seen.insert(mask.clone()) {
                continue;
            }
            search_context(space, &mask, targets, &mut found, inexact, |chosen| {
                let mut request = Request::new(action.clone(), resource.clone());
                for (k, &option) in chosen.iter().enumerate() {
                    if let Some(value) = space
                        .keys
                        .get(k)
                        .and_then(|ks| ks.options.get(option))
                        .and_then(|o| o.value.clone())
                    {
                        request = request.with_context(
                            space.keys.get(k).map_or("", |ks| ks.key.as_str()),
                            value,
                        );
                    }
                }
                request
            });
            if found.iter().all(Option::is_some) {
                return found;
            }
        }
    }
    found
}

fn search_context(
    space: &Space,
    mask: &Mask,
    targets: &[[bool; 2]],
    found: &mut [Option<Found>],
    inexact: &mut Vec<Inexact>,
    build: impl Fn(&[usize]) -> Request,
) {
    let active: Vec<usize> = (0..space.statements.len())
        .filter(|&i| mask.get(i))
        .collect();
    // Per relevant key: the options that differ on the active statements' conditions.
    let mut axes: Vec<(usize, Vec<usize>)> = Vec::new();
    for (k, ks) in space.keys.iter().enumerate() {
        let relevant: Vec<usize> = ks
            .statements
            .iter()
            .enumerate()
            .filter(|(_, s)| mask.get(**s))
            .map(|(pos, _)| pos)
            .collect();
        if relevant.is_empty() {
            continue;
        }
        let mut distinct: HashSet<Vec<Tri>> = HashSet::default();
        let options: Vec<usize> = ks
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                distinct.insert(
                    relevant
                        .iter()
                        .map(|&p| o.outcomes.get(p).copied().unwrap_or(Tri::False))
                        .collect(),
                )
            })
            .map(|(i, _)| i)
            .collect();
        if options.len() > 1 {
            axes.push((k, options));
        }
    }
    let leaves = axes
        .iter()
        .try_fold(1usize, |acc, (_, o)| acc.checked_mul(o.len()));
    if leaves.is_none_or(|n| n > LEAF_LIMIT) {
        inexact.push(Inexact::TooComplex {
            what: "combinations of condition values".to_owned(),
        });
        return;
    }
    let mut walk = Walk {
        space,
        active: &active,
        axes: &axes,
        targets,
        found,
        chosen: vec![0usize; space.keys.len()],
        assigned: vec![true; space.keys.len()],
        build: &build,
    };
    for (k, _) in &axes {
        if let Some(a) = walk.assigned.get_mut(*k) {
            *a = false;
        }
    }
    walk.descend(0);
}

/// A depth-first walk over the relevant keys' options that stops descending as soon as both
/// policies' decisions are settled by the keys chosen so far.
struct Walk<'a, B: Fn(&[usize]) -> Request> {
    space: &'a Space,
    active: &'a [usize],
    axes: &'a [(usize, Vec<usize>)],
    targets: &'a [[bool; 2]],
    found: &'a mut [Option<Found>],
    chosen: Vec<usize>,
    assigned: Vec<bool>,
    build: &'a B,
}

/// Whether a statement matches, given the keys chosen so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    Yes,
    No,
    Maybe,
}

impl<B: Fn(&[usize]) -> Request> Walk<'_, B> {
    fn status(&self, info: &super::space::StatementInfo) -> Match {
        let mut open = false;
        let mut unevaluable = false;
        for &(k, pos) in &info.conditions {
            if !self.assigned.get(k).copied().unwrap_or(true) {
                open = true;
                continue;
            }
            let option = self.chosen.get(k).copied().unwrap_or(0);
            let outcome = self
                .space
                .keys
                .get(k)
                .and_then(|ks| ks.options.get(option))
                .and_then(|o| o.outcomes.get(pos))
                .copied()
                .unwrap_or(Tri::False);
            match outcome {
                Tri::True => {}
                Tri::False => return Match::No,
                Tri::Unevaluable => unevaluable = true,
            }
        }
        if unevaluable && info.effect == Effect::Allow {
            Match::No
        } else if open {
            Match::Maybe
        } else {
            Match::Yes
        }
    }

    /// Each policy's decision if the chosen keys settle it.
    fn decisions(&self) -> [Option<bool>; 2] {
        let mut allow = [Match::No; 2];
        let mut deny = [Match::No; 2];
        for &i in self.active {
            let Some(info) = self.space.statements.get(i) else {
                continue;
            };
            let status = self.status(info);
            let slot = match info.effect {
                Effect::Allow => allow.get_mut(info.policy),
                Effect::Deny => deny.get_mut(info.policy),
            };
            if let Some(slot) = slot
                && (status == Match::Yes || (status == Match::Maybe && *slot == Match::No))
            {
                *slot = status;
            }
        }
        [0, 1].map(|p| {
            let (a, d) = (allow.get(p).copied(), deny.get(p).copied());
            match (a, d) {
                (_, Some(Match::Yes)) | (Some(Match::No), _) => Some(false),
                (Some(Match::Yes), Some(Match::No)) => Some(true),
                _ => None,
            }
        })
    }

    fn descend(&mut self, depth: usize) {
        let decided = self.decisions();
        let open = |known: Option<bool>, wanted: bool| known.is_none_or(|k| k == wanted);
        let reachable = self
            .targets
            .iter()
            .zip(self.found.iter())
            .any(|(t, f)| f.is_none() && open(decided[0], t[0]) && open(decided[1], t[1]));
        if !reachable {
            return;
        }
        if let [Some(a), Some(b)] = decided {
            let allowed = [a, b];
            for (target, slot) in self.targets.iter().zip(self.found.iter_mut()) {
                if slot.is_none() && *target == allowed {
                    // Keys not chosen yet keep their first (absent) option.
                    *slot = Some(Found {
                        request: (self.build)(&self.chosen),
                        allowed,
                    });
                }
            }
            return;
        }
        let Some((k, options)) = self.axes.get(depth) else {
            return;
        };
        let k = *k;
        if let Some(a) = self.assigned.get_mut(k) {
            *a = true;
        }
        for &option in options {
            if let Some(slot) = self.chosen.get_mut(k) {
                *slot = option;
            }
            self.descend(depth + 1);
            if self.found.iter().all(Option::is_some) {
                break;
            }
        }
        if let Some(a) = self.assigned.get_mut(k) {
            *a = false;
        }
        if let Some(slot) = self.chosen.get_mut(k) {
            *slot = 0;
        }
    }
}

/// The context value as written in a witness.
pub(crate) fn describe_value(value: &ContextValue) -> String {
    match value {
        ContextValue::One(v) => format!("{v:?}"),
        ContextValue::Many(vs) => format!("{vs:?}"),
    }
}

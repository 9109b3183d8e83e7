//! The search over the classes of a [`Space`]: every (action, resource) class pair, deduplicated
//! by the statements it reaches, then every combination of the relevant keys' options.

use std::collections::HashSet;

use super::Inexact;
use super::space::{Mask, Space, Tri, statement_matches};
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
    let mut seen: HashSet<Mask> = HashSet::new();
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
        let mut distinct: HashSet<Vec<Tri>> = HashSet::new();
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
    let mut chosen = vec![0usize; space.keys.len()];
    let mut counters = vec![0usize; axes.len()];
    loop {
        for ((k, options), &c) in axes.iter().zip(&counters) {
            if let (Some(slot), Some(&o)) = (chosen.get_mut(*k), options.get(c)) {
                *slot = o;
            }
        }
        let mut allow = [false; 2];
        let mut deny = [false; 2];
        for &i in &active {
            let Some(info) = space.statements.get(i) else {
                continue;
            };
            if statement_matches(info, &chosen, &space.keys) {
                let hits = match info.effect {
                    Effect::Allow => &mut allow,
                    Effect::Deny => &mut deny,
                };
                if let Some(hit) = hits.get_mut(info.policy) {
                    *hit = true;
                }
            }
        }
        let allowed = [allow[0] && !deny[0], allow[1] && !deny[1]];
        for (target, slot) in targets.iter().zip(found.iter_mut()) {
            if slot.is_none() && *target == allowed {
                *slot = Some(Found {
                    request: build(&chosen),
                    allowed,
                });
            }
        }
        if found.iter().all(Option::is_some) {
            return;
        }
        // Next combination (odometer).
        let mut axis = 0;
        loop {
            let Some((counter, (_, options))) = counters.get_mut(axis).zip(axes.get(axis)) else {
                return;
            };
            *counter += 1;
            if *counter < options.len() {
                break;
            }
            *counter = 0;
            axis += 1;
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

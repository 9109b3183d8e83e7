//! Temporary keys issued by the STS side, bound to their token, policies and expiry, and
//! persisted in the data directory (`state/credentials.json`).

use crate::storage::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

/// A temporary key.
pub(crate) struct TempKey {
    /// `TmpSecretId`.
    pub(crate) secret_id: String,
    secret_key: String,
    token: String,
    /// Every policy must allow a request (role policy ∩ session policy).
    pub(crate) policy: cos_policy::Policy,
    /// Extra policies intersected with `policy` (the role's own policy for AssumeRole).
    pub(crate) extra_policies: Vec<cos_policy::Policy>,
    /// Unix seconds after which the key is expired.
    pub(crate) expired_time: u64,
    /// CAM principal (ARN) of the holder.
    pub(crate) principal: String,
    /// `UserId` reported by GetCallerIdentity.
    pub(crate) user_id: String,
    /// The CAM identity the key acts for, as a trust policy names it: the holder's
    /// `qcs::cam::uin/<owner>:uin/<uin>` for federation and session keys, the role's
    /// `qcs::cam::uin/<owner>:roleName/<name>` for role keys.
    pub(crate) holder: String,
    record: Record,
}

impl fmt::Debug for TempKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempKey")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &"<redacted>")
            .field("expired_time", &self.expired_time)
            .field("principal", &self.principal)
            .finish()
    }
}

impl TempKey {
    /// The secret key (never logged).
    pub(crate) fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The session token (never logged).
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Whether `presented` is this key's token (constant time in the token length).
    pub(crate) fn token_matches(&self, presented: &str) -> bool {
        let (a, b) = (presented.as_bytes(), self.token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// Whether every attached policy allows the request.
    pub(crate) fn policies(&self) -> impl Iterator<Item = &cos_policy::Policy> {
        std::iter::once(&self.policy).chain(self.extra_policies.iter())
    }
}

/// What is persisted for one key.
#[derive(Clone, Serialize, Deserialize)]
struct Record {
    secret_id: String,
    secret_key: String,
    token: String,
    policies: Vec<String>,
    expired_time: u64,
    principal: String,
    user_id: String,
    /// Absent in records written before trust policies were enforced: then the principal.
    #[serde(default)]
    holder: String,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

fn from_record(record: Record) -> Result<TempKey, String> {
    let mut policies = record
        .policies
        .iter()
        .map(|p| cos_policy::Policy::from_json(p).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    if policies.is_empty() {
        return Err("a temporary key without a policy".into());
    }
    let policy = policies.remove(0);
    Ok(TempKey {
        secret_id: record.secret_id.clone(),
        secret_key: record.secret_key.clone(),
        token: record.token.clone(),
        policy,
        extra_policies: policies,
        expired_time: record.expired_time,
        principal: record.principal.clone(),
        user_id: record.user_id.clone(),
        holder: if record.holder.is_empty() {
            record.principal.clone()
        } else {
            record.holder.clone()
        },
        record,
    })
}

/// What to issue.
pub(crate) struct Issue {
    /// Policy documents (JSON), all of which must allow.
    pub(crate) policies: Vec<String>,
    /// Expiry, Unix seconds.
    pub(crate) expired_time: u64,
    /// Holder's ARN.
    pub(crate) principal: String,
    /// Holder's user id.
    pub(crate) user_id: String,
    /// The CAM identity the key acts for (see [`TempKey::holder`]).
    pub(crate) holder: String,
}

/// All temporary keys by secret id.
pub(crate) struct CredentialStore {
    keys: RwLock<HashMap<String, Arc<TempKey>>>,
}

const DOCUMENT: &str = "credentials";

impl CredentialStore {
    /// Loads the keys persisted in `store` (none for memory storage).
    pub(crate) fn load(store: &Store) -> Result<Self, String> {
        let mut keys = HashMap::new();
        if let Some(bytes) = store.load_document(DOCUMENT).map_err(|e| e.to_string())? {
            let records: Vec<Record> = serde_json::from_slice(&bytes)
                .map_err(|e| format!("state/credentials.json: {e}"))?;
            for record in records {
                let key = from_record(record)?;
                keys.insert(key.secret_id.clone(), Arc::new(key));
            }
        }
        Ok(Self {
            keys: RwLock::new(keys),
        })
    }

    /// Looks a key up.
    pub(crate) fn get(&self, secret_id: &str) -> Option<Arc<TempKey>> {
        self.keys.read().ok()?.get(secret_id).cloned()
    }

    /// Forgets every issued key (the admin API's reset) and persists the empty set.
    pub(crate) fn clear(&self, store: &Store) -> Result<(), String> {
        self.keys
            .write()
            .map_err(|_| "credential lock poisoned".to_string())?
            .clear();
        store
            .save_document(DOCUMENT, b"[]")
            .map_err(|e| e.to_string())
    }

    /// Issues a new key and persists the set (dropping keys expired over a day ago).
    pub(crate) fn issue(
        &self,
        store: &Store,
        issue: Issue,
        now: u64,
    ) -> Result<Arc<TempKey>, String> {
        let record = Record {
            secret_id: format!("AKID{}", crate::ids::random_alnum(32)),
            secret_key: crate::ids::random_alnum(32),
            token: crate::ids::random_alnum(96),
            policies: issue.policies,
            expired_time: issue.expired_time,
            principal: issue.principal,
            user_id: issue.user_id,
            holder: issue.holder,
        };
        let key = Arc::new(from_record(record)?);
        let mut keys = self
            .keys
            .write()
            .map_err(|_| "credential lock poisoned".to_string())?;
        keys.retain(|_, k| k.expired_time.saturating_add(86_400) > now);
        keys.insert(key.secret_id.clone(), key.clone());
        // In memory mode nothing reads the document back: rendering every live key on each
        // call made STS calls O(keys issued) (the top cost of a cold-user load).
        if store.keeps_documents() {
            let records: Vec<&Record> = keys.values().map(|k| &k.record).collect();
            let json = serde_json::to_vec(&records).map_err(|e| e.to_string())?;
            store
                .save_document(DOCUMENT, &json)
                .map_err(|e| e.to_string())?;
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_debug_output() {
        let store = Store::in_memory(&[]);
        let credentials = CredentialStore::load(&store).unwrap();
        let policy = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["*"]}]}"#;
        let key = credentials
            .issue(
                &store,
                Issue {
                    policies: vec![policy.into()],
                    expired_time: 10,
                    principal: "p".into(),
                    user_id: "u".into(),
                    holder: "h".into(),
                },
                0,
            )
            .unwrap();
        let shown = format!("{key:?} {key:#?} {:?}", key.record);
        assert!(shown.contains(&key.secret_id));
        assert!(!shown.contains(key.secret_key()));
        assert!(!shown.contains(key.token()));
        assert!(key.token_matches(key.token()));
        assert!(!key.token_matches("x"));
        assert!(credentials.get(&key.secret_id).is_some());
    }

    #[test]
    fn keys_without_policies_or_bad_policies_are_refused() {
        let store = Store::in_memory(&[]);
        let credentials = CredentialStore::load(&store).unwrap();
        let issue = |policies: Vec<String>| Issue {
            policies,
            expired_time: 10,
            principal: "p".into(),
            user_id: "u".into(),
            holder: "h".into(),
        };
        assert!(credentials.issue(&store, issue(vec![]), 0).is_err());
        assert!(
            credentials
                .issue(&store, issue(vec!["not json".into()]), 0)
                .is_err()
        );
    }
}

//! Who may call: the root account, CAM sub-accounts and the temporary keys issued by STS.

mod temporary;

pub(crate) use temporary::{CredentialStore, Issue, TempKey};

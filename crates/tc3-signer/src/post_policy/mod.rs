//! COS POST-object (browser form upload) policy: build and sign the policy document, produce
//! the form fields, and verify a submitted form on the server (spec section 2).
//!
//! ```
//! use std::time::Duration;
//! use tc3_signer::{Credential, cos::KeyTime};
//! use tc3_signer::post_policy::{verify_post, PolicyDocument, PostForm, Upload};
//!
//! // Backend: sign a policy for a browser.
//! let credential = Credential::new("AKIDEXAMPLE", "secret").with_token("session");
//! let now = 1_700_000_000;
//! let signed = PolicyDocument::new(now + 600)
//!     .bucket("examplebucket-1250000000")
//!     .key_starts_with("avatars/")
//!     .content_length_range(1, 5 << 20)
//!     .sign(&credential, KeyTime::starting_at(now, Duration::from_secs(600)))?;
//! let fields = signed.form_fields(&[("key", "avatars/${filename}")])?;
//! // …the browser posts `fields`, then the `file` part, last.
//!
//! // Server: check the submitted form.
//! let received: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
//! let form = PostForm::parse(&received)?;
//! assert_eq!(form.secret_id(), "AKIDEXAMPLE");
//! let upload = Upload::new("examplebucket-1250000000", 2048).with_filename("me.png");
//! let accepted = verify_post(&form, "secret", &upload, now + 5, Duration::from_secs(60))?;
//! assert_eq!(accepted.key(), "avatars/me.png");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod condition;
mod document;
mod iso8601;
mod json;
mod sign;
mod verify;

pub use condition::Condition;
pub use document::PolicyDocument;
pub use sign::{SignedPostPolicy, sign_policy};
pub use verify::{AcceptedUpload, PostForm, Upload, verify_post};

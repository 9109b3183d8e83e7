//! Presigned GET/PUT URLs and POST-object (browser form) fields, signed with the provider's
//! current credential and the corrected clock.

use std::fmt;
use std::time::Duration;

use tc3_signer::SignableRequest;
use tc3_signer::cos::{KeyTime, Signer};
use tc3_signer::post_policy::PolicyDocument;

use crate::client::Client;
use crate::{Error, key};

/// The form a browser posts to upload an object: the URL, then these fields in order, then
/// the `file` field last. `Debug` hides the field values (they carry the token and
/// signature).
///
/// ```
/// # use cos_client::PostObjectForm;
/// fn show(form: &PostObjectForm) {
///     for (name, _value) in form.fields() { println!("{name}"); }
///     println!("POST {}", form.url());
/// }
/// ```
#[derive(Clone)]
pub struct PostObjectForm {
    url: String,
    fields: Vec<(String, String)>,
}

impl PostObjectForm {
    /// Where to post: `scheme://host/`.
    ///
    /// ```
    /// # fn f(form: cos_client::PostObjectForm) { assert!(form.url().ends_with('/')); }
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The form fields, in the order they must be sent, before `file`.
    ///
    /// ```
    /// # fn f(form: cos_client::PostObjectForm) { assert!(form.fields().iter().any(|(n, _)| n == "policy")); }
    /// ```
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }
}

impl fmt::Debug for PostObjectForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.fields.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("PostObjectForm")
            .field("url", &self.url)
            .field("fields", &names)
            .finish()
    }
}

impl Client {
    /// A presigned GET URL valid for `expires_in` (token included for temporary keys).
    ///
    /// # Errors
    /// [`Error::Credentials`], [`Error::InvalidInput`] for a bad key, [`Error::Sign`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use cos_client::StaticProvider;
    /// let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?))
    ///     .credentials(StaticProvider::new(tc3_signer::Credential::new("AKID", "key").with_token("tok")))
    ///     .build()?;
    /// let url = client.presign_get("a b.txt", Duration::from_secs(600)).await?;
    /// assert!(url.starts_with("https://b-1250000000.cos.ap-beijing.myqcloud.com/a%20b.txt?q-sign-algorithm=sha1&"));
    /// assert!(url.contains("x-cos-security-token=tok"));
    /// # Ok::<(), cos_client::Error>(()) }).unwrap();
    /// ```
    pub async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, Error> {
        self.presign("GET", key, expires_in).await
    }

    /// A presigned PUT URL valid for `expires_in`.
    ///
    /// # Errors
    /// As [`Client::presign_get`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use cos_client::StaticProvider;
    /// let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?))
    ///     .credentials(StaticProvider::new(tc3_signer::Credential::new("AKID", "key")))
    ///     .build()?;
    /// let url = client.presign_put("upload.bin", Duration::from_secs(60)).await?;
    /// assert!(url.contains("q-ak=AKID"));
    /// # Ok::<(), cos_client::Error>(()) }).unwrap();
    /// ```
    pub async fn presign_put(&self, key: &str, expires_in: Duration) -> Result<String, Error> {
        self.presign("PUT", key, expires_in).await
    }

    async fn presign(
        &self,
        method: &str,
        object_key: &str,
        expires_in: Duration,
    ) -> Result<String, Error> {
        key::validate(object_key)?;
        let provided = self.inner.credentials.provide_credentials().await?;
        let target = &self.inner.target;
        let path = if target.is_path_style() {
            format!("/{}/{}", self.bucket(), object_key)
        } else {
            format!("/{object_key}")
        };
        let request = SignableRequest::new(method, &path)
            .with_scheme(target.scheme())
            .with_host(target.host());
        let key_time = KeyTime::starting_at(self.now(), expires_in);
        let url = Signer::new(provided.credential()).presign(&request, key_time)?;
        Ok(url.url().to_owned())
    }

    /// Signs a POST-object `policy` for a browser upload, with `fields` (`key`, `acl`,
    /// `Content-Type`, `x-cos-meta-*`, …) first. The bucket condition is added.
    ///
    /// # Errors
    /// [`Error::Credentials`], [`Error::Sign`] (for example a reserved field name).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::{Duration, SystemTime, UNIX_EPOCH};
    /// use cos_client::StaticProvider;
    /// use tc3_signer::post_policy::PolicyDocument;
    /// let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?))
    ///     .credentials(StaticProvider::new(tc3_signer::Credential::new("AKID", "key").with_token("tok")))
    ///     .build()?;
    /// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    /// let policy = PolicyDocument::new(now + 600).key_starts_with("avatars/");
    /// let form = client.post_object_form(&policy, &[("key", "avatars/${filename}")], Duration::from_secs(600)).await?;
    /// let names: Vec<&str> = form.fields().iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["key", "x-cos-security-token", "policy", "q-sign-algorithm", "q-ak", "q-key-time", "q-signature"]);
    /// assert!(!format!("{form:?}").contains("tok\""));
    /// # Ok::<(), cos_client::Error>(()) }).unwrap();
    /// ```
    pub async fn post_object_form(
        &self,
        policy: &PolicyDocument,
        fields: &[(&str, &str)],
        expires_in: Duration,
    ) -> Result<PostObjectForm, Error> {
        let provided = self.inner.credentials.provide_credentials().await?;
        let key_time = KeyTime::starting_at(self.now(), expires_in);
        let policy = policy.clone().bucket(self.bucket().to_owned());
        let signed = policy.sign(provided.credential(), key_time)?;
        let fields = signed.form_fields(fields)?;
        let target = &self.inner.target;
        let url = format!("{}{}", target.url_prefix(), target.object_path(""));
        Ok(PostObjectForm { url, fields })
    }
}

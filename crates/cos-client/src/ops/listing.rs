//! GET Bucket (List Objects v1), one page at a time or as a pager.

use http::Method;

use crate::client::{Client, Op};
use crate::model::{ListObjectsPage, ObjectSummary};
use crate::options::ListOptions;
use crate::{Error, xml};

impl Client {
    /// One page of GET Bucket (List Objects v1), keys URL-encoded on the wire and decoded.
    ///
    /// # Errors
    /// A COS or transport error, or a malformed listing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # for key in ["a/1", "a/2", "b/1"] { client.put_object(key, "x".into(), &Default::default()).await?; }
    /// let page = client.list_objects(&cos_client::ListOptions::default().prefix("a/")).await?;
    /// let keys: Vec<_> = page.objects.iter().map(|o| o.key.as_str()).collect();
    /// assert_eq!(keys, ["a/1", "a/2"]);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn list_objects(&self, options: &ListOptions) -> Result<ListObjectsPage, Error> {
        let mut op = Op::new("ListObjects", Method::GET, None).query("encoding-type", "url");
        if let Some(prefix) = options.prefix.as_ref().filter(|p| !p.is_empty()) {
            op = op.query("prefix", prefix.clone());
        }
        if let Some(delimiter) = options.delimiter.as_ref().filter(|d| !d.is_empty()) {
            op = op.query("delimiter", delimiter.clone());
        }
        if let Some(marker) = options.marker.as_ref().filter(|m| !m.is_empty()) {
            op = op.query("marker", marker.clone());
        }
        if let Some(max) = options.max_keys {
            op = op.query("max-keys", max.to_string());
        }
        let answer = self.send(&op).await?;
        xml::parse_list_objects(&answer.body)
    }

    /// A paginated listing: each [`ObjectLister::next_page`] fetches the next page.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # for i in 0..3 { client.put_object(&format!("logs/{i}"), "x".into(), &Default::default()).await?; }
    /// let options = cos_client::ListOptions::default().prefix("logs/").max_keys(2);
    /// let mut pages = client.list_objects_pages(options);
    /// let mut count = 0;
    /// while let Some(page) = pages.next_page().await {
    ///     count += page?.objects.len();
    /// }
    /// assert_eq!(count, 3);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub fn list_objects_pages(&self, options: ListOptions) -> ObjectLister {
        ObjectLister {
            client: self.clone(),
            options,
            done: false,
        }
    }
}

impl Client {
    /// Every object of a listing as a stream, fetching the next page when the previous one
    /// is consumed (one request in flight, one page in memory). Common prefixes are not
    /// items: use [`ObjectLister::into_stream`] for whole pages.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # for i in 0..5 { client.put_object(&format!("logs/{i}"), "x".into(), &Default::default()).await?; }
    /// use futures_util::TryStreamExt;
    /// let options = cos_client::ListOptions::default().prefix("logs/").max_keys(2);
    /// let keys: Vec<String> = client.list_objects_stream(options).map_ok(|o| o.key).try_collect().await?;
    /// assert_eq!(keys, ["logs/0", "logs/1", "logs/2", "logs/3", "logs/4"]);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub fn list_objects_stream(
        &self,
        options: ListOptions,
    ) -> impl futures_util::Stream<Item = Result<ObjectSummary, Error>> + Send + 'static {
        use futures_util::{StreamExt as _, TryStreamExt as _};
        self.list_objects_pages(options)
            .into_stream()
            .map_ok(|page| futures_util::stream::iter(page.objects.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

/// Pages of a listing; see [`Client::list_objects_pages`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
/// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
/// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
/// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
/// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
/// # client.put_object("a.txt", "x".into(), &Default::default()).await?;
/// let mut pages = client.list_objects_pages(Default::default());
/// let first = pages.next_page().await.transpose()?;
/// assert_eq!(first.map(|p| p.objects.len()), Some(1));
/// assert!(pages.next_page().await.is_none());
/// # emulator.shutdown().await; Ok(()) }
/// ```
#[derive(Debug)]
pub struct ObjectLister {
    client: Client,
    options: ListOptions,
    done: bool,
}

impl ObjectLister {
    /// The next page, or `None` after the last one (or after an error).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let mut pages = client.list_objects_pages(Default::default());
    /// while let Some(page) = pages.next_page().await {
    ///     assert!(page?.objects.is_empty());
    /// }
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn next_page(&mut self) -> Option<Result<ListObjectsPage, Error>> {
        self.fetch().await
    }

    /// The remaining pages as a stream (ends after the last page or after an error).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # for key in ["a/1", "a/2", "b"] { client.put_object(key, "x".into(), &Default::default()).await?; }
    /// use futures_util::TryStreamExt;
    /// let options = cos_client::ListOptions::default().delimiter("/").max_keys(1);
    /// let pages: Vec<_> = client.list_objects_pages(options).into_stream().try_collect().await?;
    /// assert_eq!(pages.len(), 2);
    /// assert_eq!(pages[0].common_prefixes, ["a/"]);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub fn into_stream(
        self,
    ) -> impl futures_util::Stream<Item = Result<ListObjectsPage, Error>> + Send + 'static {
        // Fused: polling again after the end answers `None` instead of panicking.
        futures_util::StreamExt::fuse(futures_util::stream::unfold(
            self,
            |mut lister| async move { lister.fetch().await.map(|page| (page, lister)) },
        ))
    }

    async fn fetch(&mut self) -> Option<Result<ListObjectsPage, Error>> {
        if self.done {
            return None;
        }
        let page = match self.client.list_objects(&self.options).await {
            Ok(page) => page,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        match (&page.next_marker, page.is_truncated) {
            (Some(marker), true) if self.options.marker.as_ref() != Some(marker) => {
                self.options.marker = Some(marker.clone());
            }
            _ => self.done = true,
        }
        Some(Ok(page))
    }
}

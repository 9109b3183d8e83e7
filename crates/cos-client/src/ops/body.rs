//! Request bodies streamed from files and readers, and whole-file CRCs.

use std::path::Path;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use crate::Error;
use crate::crc64::Crc64;
use crate::transport::{ChannelBody, RequestBody};

/// The CRC-64 of a whole file, read in 1 MiB blocks.
pub(crate) async fn crc_of_file(path: &Path) -> Result<u64, Error> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut crc = Crc64::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buffer)
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let Some(chunk) = buffer.get(..n) else { break };
        if chunk.is_empty() {
            break;
        }
        crc.update(chunk);
    }
    Ok(crc.finish())
}

/// A body that streams exactly `len` bytes of `reader`, recording their CRC-64 at the end.
pub(super) fn stream_reader<R>(
    mut reader: R,
    len: u64,
    crc_out: std::sync::Arc<std::sync::Mutex<Option<u64>>>,
) -> RequestBody
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
{
    use http_body_util::BodyExt as _;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let mut crc = Crc64::new();
        let mut remaining = len;
        while remaining > 0 {
            let size = usize::try_from(remaining.min(256 * 1024)).unwrap_or(256 * 1024);
            let mut chunk = vec![0u8; size];
            if let Err(e) = reader.read_exact(&mut chunk).await {
                let _ = tx.send(Err(e)).await;
                return;
            }
            crc.update(&chunk);
            remaining -= size as u64;
            if remaining == 0
                && let Ok(mut slot) = crc_out.lock()
            {
                // Recorded before the last bytes leave, so before COS can answer.
                *slot = Some(crc.finish());
            }
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
        }
        if len == 0
            && let Ok(mut slot) = crc_out.lock()
        {
            *slot = Some(0);
        }
    });
    ChannelBody::new(rx, len).boxed()
}

/// A body that streams `len` bytes of the file at `path` in 256 KiB chunks.
pub(super) fn stream_file(path: std::path::PathBuf, len: u64) -> RequestBody {
    use http_body_util::BodyExt as _;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        let mut remaining = len;
        while remaining > 0 {
            let size = usize::try_from(remaining.min(256 * 1024)).unwrap_or(256 * 1024);
            let mut chunk = vec![0u8; size];
            if let Err(e) = file.read_exact(&mut chunk).await {
                let _ = tx.send(Err(e)).await;
                return;
            }
            remaining -= size as u64;
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
        }
    });
    ChannelBody::new(rx, len).boxed()
}

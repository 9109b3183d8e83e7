//! Request bodies streamed from files and readers, with the CRC-64 of what they sent.

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use crate::crc64::Crc64;
use crate::transport::{ChannelBody, RequestBody};

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

/// Chunk size of [`stream_file`].
const FILE_CHUNK: u64 = 1024 * 1024;

/// A body that streams `len` bytes of the file at `path` in 1 MiB chunks read by one
/// blocking task (no zero-filling, no second buffer), recording their CRC-64 in `crc_out`
/// before the last chunk leaves (so before COS can answer). Called again for each attempt.
pub(super) fn stream_file(
    path: std::path::PathBuf,
    len: u64,
    crc_out: std::sync::Arc<std::sync::Mutex<Option<u64>>>,
) -> RequestBody {
    use http_body_util::BodyExt as _;
    use std::io::Read as _;
    if let Ok(mut slot) = crc_out.lock() {
        *slot = None;
    }
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut crc = Crc64::new();
        let mut remaining = len;
        loop {
            let size = remaining.min(FILE_CHUNK);
            let mut chunk = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            match (&mut file).take(size).read_to_end(&mut chunk) {
                Ok(n) if n as u64 == size => {}
                Ok(_) => {
                    let short = std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file became shorter while it was sent",
                    );
                    let _ = tx.blocking_send(Err(short));
                    return;
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
            crc.update(&chunk);
            remaining -= size;
            if remaining == 0
                && let Ok(mut slot) = crc_out.lock()
            {
                *slot = Some(crc.finish());
            }
            if size == 0 || tx.blocking_send(Ok(Bytes::from(chunk))).is_err() || remaining == 0 {
                return;
            }
        }
    });
    ChannelBody::new(rx, len).boxed()
}

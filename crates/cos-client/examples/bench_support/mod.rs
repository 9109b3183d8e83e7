//! What the transfer benchmark examples share: the emulator they run as a child process
//! (its root key and bucket) and the pseudo-random source file.

use std::io::Write;
use std::path::Path;

pub(crate) const BUCKET: &str = "examplebucket-1250000000";
pub(crate) const REGION: &str = "ap-guangzhou";
pub(crate) const ID: &str = "AKIDBENCHMARKROOT";
pub(crate) const KEY: &str = "benchmark-root-secret";

/// Runs the emulator in memory (ETags `md5` or `crc64`, COS listener shaped like `link`
/// unless it is `none`), prints its COS address and serves until stdin closes.
pub(crate) fn serve(etag: &str, link: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut builder = cos_emulator::Emulator::builder()
            .region(REGION)
            .bucket(BUCKET)
            .root_key(ID, KEY)
            .in_memory()
            .etag_mode(cos_emulator::EtagMode::from_name(etag).expect("md5 or crc64"));
        if link != "none" {
            builder = builder.link(link.parse().unwrap());
        }
        let emulator = builder.start().await.unwrap();
        println!("{}", emulator.cos_addr());
        std::io::stdout().flush().unwrap();
        // Serve until the parent closes our stdin.
        let mut line = String::new();
        let _ = tokio::task::spawn_blocking(move || std::io::stdin().read_line(&mut line)).await;
        emulator.shutdown().await;
    });
}

/// Writes `mib` MiB of xorshift bytes (incompressible, the same every run) to `path`.
pub(crate) fn write_source(path: &Path, mib: u64) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        file.write_all(&block).unwrap();
    }
}

//! Fuzzes the emulator's request handling two ways: the parsing/routing functions directly,
//! and whole raw HTTP requests sent to a running in-memory emulator, which must answer (or
//! close the connection) within a deadline and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

struct Server {
    runtime: tokio::runtime::Runtime,
    cos: SocketAddr,
    sts: SocketAddr,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let emulator = runtime.block_on(async {
            cos_emulator::Emulator::builder()
                .bucket("examplebucket-1250000000")
                .bucket("other-1250000000")
                .allow_anonymous(true)
                .max_object_size(1 << 20)
                .start()
                .await
                .unwrap()
        });
        let (cos, sts) = (emulator.cos_addr(), emulator.sts_addr());
        // Keep it running for the whole fuzzing session.
        std::mem::forget(emulator);
        Server { runtime, cos, sts }
    })
}

fuzz_target!(|data: &[u8]| {
    cos_emulator::fuzzing::parse_request(data);
    let server = server();
    let target = if data.first().is_some_and(|b| b & 1 == 1) { server.sts } else { server.cos };
    server.runtime.block_on(async {
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(target).await.unwrap();
            let _ = stream.write_all(data).await;
            let _ = stream.shutdown().await;
            let mut response = Vec::new();
            let _ = stream.read_to_end(&mut response).await;
            response
        };
        let response = tokio::time::timeout(Duration::from_secs(40), exchange)
            .await
            .expect("the emulator hung on a request");
        assert!(response.is_empty() || response.starts_with(b"HTTP/1."), "not an HTTP response");
    });
});

//! The signer embedded in reqwest: build an `http::Request`, sign it in place, send it.
//!
//! This is the "embed only the signer" promise: `tc3-signer` brings no HTTP client and no
//! async runtime; the program keeps its own (here reqwest on tokio, rustls with *ring*).
//!
//! ```text
//! COS_SECRET_ID=… COS_SECRET_KEY=… [COS_SESSION_TOKEN=…] \
//!   cargo run -p tc3-signer --example reqwest -- https://<bucket>.cos.<region>.myqcloud.com/<key>
//! ```
//!
//! Without a URL it signs an example GET with example keys and prints it instead of sending
//! (so `cargo run --example reqwest` works offline). The example is compiled by
//! `cargo clippy --all-targets` and `cargo test`, so CI keeps it building.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tc3_signer::Credential;
use tc3_signer::cos::{KeyTime, Signer};

const EXAMPLE_URL: &str =
    "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/photos/a%20b.jpg";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let url = std::env::args().nth(1);
    let credential = match (
        std::env::var("COS_SECRET_ID"),
        std::env::var("COS_SECRET_KEY"),
    ) {
        (Ok(id), Ok(key)) => match std::env::var("COS_SESSION_TOKEN") {
            Ok(token) => Credential::new(id, key).with_token(token),
            Err(_) => Credential::new(id, key),
        },
        _ => Credential::new("AKIDEXAMPLE", "example-secret-key").with_token("example-token"),
    };

    let mut request = http::Request::get(url.as_deref().unwrap_or(EXAMPLE_URL))
        .header("Range", "bytes=0-1023")
        .body(Vec::<u8>::new())?;
    // The program reads the clock; the signer only takes the time as an argument.
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let signed = Signer::new(&credential).sign_http_in_place(
        &mut request,
        KeyTime::starting_at(now, Duration::from_secs(900)),
    )?;
    println!("http string: {:?}", signed.http_string());
    println!("string to sign: {:?}", signed.string_to_sign());

    let Some(_) = url else {
        println!("{} {}", request.method(), request.uri());
        for (name, value) in request.headers() {
            // The signer marks Authorization and the token sensitive: never print them.
            let shown = if value.is_sensitive() {
                "<redacted>"
            } else {
                value.to_str()?
            };
            println!("{name}: {shown}");
        }
        return Ok(());
    };

    // reqwest without default features and with `rustls-no-provider`: choose *ring*.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().build()?;
    let response = client.execute(reqwest::Request::try_from(request)?).await?;
    println!("{}", response.status());
    println!("{}", response.text().await?);
    Ok(())
}

//! HTTP mechanics shared by the COS and STS listeners: the accept loop, request and
//! response bodies with their deadlines, and COS's response-header spellings.

pub(crate) mod body;
pub(crate) mod header_case;
pub(crate) mod host;
mod server;

pub(crate) use server::serve;

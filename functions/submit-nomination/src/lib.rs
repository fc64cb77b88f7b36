//! The public side of intake: the form, `POST /nominations`, the nominator's
//! verification link and the privacy notice.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};

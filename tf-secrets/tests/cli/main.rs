//! tf-secrets as a user runs it: the compiled binary, real stdin/stdout, exit codes, stdout
//! and stderr checked apart. GitHub is a local fake API that holds a real key pair and
//! decrypts what the tool sends (fake_github.rs); gh is a stand-in script on PATH.

mod common;
mod conventions;
mod depth;
mod docs;
mod fake_github;
mod fixtures;
mod formats;
mod github;
mod io_limits;
mod leaks;
mod own_words;
mod property;
mod redirects;
mod selection;
mod signals;
mod step_summary;
pub mod via_gh;

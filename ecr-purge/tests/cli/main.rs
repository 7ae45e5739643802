//! The ecr-purge binary as a user runs it: real stdin/stdout/stderr and exit codes, AWS
//! calls to the local emulator (moto). What the emulator cannot produce (pagination, the
//! 100-id cap, index references, old push times, throttling) is covered with aws-smithy-mocks
//! in src/mock_tests.rs.

mod args;
mod common;
mod conventions;
mod faults;
mod prune;
mod purge;
mod signals;
mod step_summary;
mod terminal;

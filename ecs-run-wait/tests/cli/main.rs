//! ecs-run-wait as a user runs it: the compiled binary against the local AWS emulator
//! (moto, with emulator/ext_ecs.py giving tasks exit codes, stop codes and reasons).

mod conventions;
mod errors;
mod faults;
mod fixture;
mod io;
mod lifecycle;
mod log_volume;
mod logs;
mod network;
mod results;
mod signals;
mod step_summary;
mod usage;

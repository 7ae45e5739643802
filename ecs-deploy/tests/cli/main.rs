//! ecs-deploy as a user runs it: the compiled binary against the local AWS emulator (moto,
//! with emulator/ext_ecs_deploy.py rolling services out).

mod arguments;
mod credentials;
mod docs;
mod faults;
mod fixture;
mod github;
mod input_limits;
mod rerun;
mod rollback;
mod rollback_command;
mod rollout;
mod signals;
mod terminal;
mod until;
mod usage;
mod verify;

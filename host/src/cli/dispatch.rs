//! Hands a parsed built-in command its arguments, the services and the output.

use std::io::Write;

use crate::{
    args::Command,
    commands::{
        checkpoint, create, delete, doctor, events, exec, features, generate, kill, list, pause,
        plugins, ps, restore, resume, run, spec, stand_in, start, state, update, version,
    },
    error::Result,
    services::Services,
};

/// Runs a built-in command; returns the exit code.
pub fn dispatch(svc: &Services, command: Command, out: &mut dyn Write) -> Result<i32> {
    match command {
        Command::Create(args) => create::run(svc, &args),
        Command::Start(args) => start::run(svc, &args),
        Command::State(args) => state::run(svc, &args, out),
        Command::Kill(args) => kill::run(svc, &args),
        Command::Delete(args) => delete::run(svc, &args),
        Command::Run(args) => run::run(svc, &args),
        Command::List(args) => list::run(svc, &args, out),
        Command::Exec(args) => exec::run(svc, &args, out),
        Command::Ps(args) => ps::run(svc, &args, out),
        Command::Pause(args) => pause::run(svc, &args),
        Command::Resume(args) => resume::run(svc, &args),
        Command::Update(args) => update::run(svc, &args),
        Command::Events(args) => events::run(svc, &args, out),
        Command::Spec(args) => spec::run(&args),
        Command::Features => features::run(svc, out),
        Command::Checkpoint(args) => checkpoint::run(svc, &args, out),
        Command::Restore(args) => restore::run(svc, &args, out),
        Command::Plugins(args) => plugins::run(svc, &args, out),
        Command::Doctor(args) => doctor::run(svc, &args, out),
        Command::Generate(what) => {
            let (command, _) = super::full_command(&svc.registry);
            generate::run(command, &what, out)
        }
        Command::Version => version::run(out),
        Command::StandIn(args) => stand_in::run(svc, &args),
    }
}

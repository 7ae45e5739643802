//! Shell completions and man pages generated from a tool's clap model at run time (nothing
//! generated is committed): `tool --generate complete-bash > tool.bash`,
//! `tool --generate man > tool.1`.

use clap::ValueEnum;

/// What `--generate` writes to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Generate {
    CompleteBash,
    CompleteZsh,
    CompleteFish,
    CompleteElvish,
    CompletePowershell,
    Man,
}

/// The hidden `--generate WHAT` flag: flatten into a tool's arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GenerateArgs {
    /// Write a shell completion script or the man page to stdout.
    #[arg(long, value_name = "WHAT", hide = true)]
    pub generate: Option<Generate>,
}

impl GenerateArgs {
    /// Write what `--generate` asks for, if it was given; true when it was.
    pub fn handle<C: clap::CommandFactory>(&self) -> anyhow::Result<bool> {
        match self.generate {
            Some(what) => generate(what, C::command()).map(|()| true),
            None => Ok(false),
        }
    }
}

/// Write the completion script or man page for `cmd` to stdout.
pub fn generate(what: Generate, mut cmd: clap::Command) -> anyhow::Result<()> {
    use clap_complete::Shell;
    let name = cmd.get_name().to_owned();
    let mut buf = Vec::new();
    match what {
        Generate::Man => clap_mangen::Man::new(cmd).render(&mut buf)?,
        shell => {
            let shell = match shell {
                Generate::CompleteBash => Shell::Bash,
                Generate::CompleteZsh => Shell::Zsh,
                Generate::CompleteFish => Shell::Fish,
                Generate::CompleteElvish => Shell::Elvish,
                _ => Shell::PowerShell,
            };
            clap_complete::generate(shell, &mut cmd, name, &mut buf);
        }
    }
    crate::output::print(&buf)
}

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
        Generate::Man => buf = man(cmd)?.into_bytes(),
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

/// The man page: clap_mangen's title, NAME, SYNOPSIS, DESCRIPTION and OPTIONS, then the
/// sections of the `after_help` text (`EXAMPLES`, `EXIT STATUS`: each heading a line of its
/// own in capitals) as real sections, their bodies verbatim (no filling, no hyphenation),
/// instead of clap_mangen's single "EXTRA" section; hyphenation is off for the whole page
/// so that no flag is broken mid-word.
pub fn man(cmd: clap::Command) -> anyhow::Result<String> {
    let after = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    let cmd = cmd
        .after_help(None::<&'static str>)
        .after_long_help(None::<&'static str>);
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    let page = String::from_utf8(buf)?;
    let mut out = String::with_capacity(page.len() + after.len() * 2);
    let mut sections_written = false;
    for line in page.lines() {
        if !sections_written && line.starts_with(".SH VERSION") {
            out.push_str(&after_help_sections(&after));
            sections_written = true;
        }
        out.push_str(line);
        out.push('\n');
        if line.starts_with(".TH ") {
            out.push_str(".nh\n.ad l\n");
        }
    }
    if !sections_written {
        out.push_str(&after_help_sections(&after));
    }
    Ok(out)
}

/// A heading of the `after_help` text: a line of capitals and spaces, not indented.
fn is_heading(line: &str) -> bool {
    !line.is_empty()
        && line.trim_end() == line
        && line.starts_with(|c: char| c.is_ascii_uppercase())
        && line.chars().all(|c| c.is_ascii_uppercase() || c == ' ')
}

/// The `after_help` text as roff sections: `.SH HEADING` and the body verbatim between
/// `.nf` and `.fi`. Text before the first heading goes into a NOTES section.
fn after_help_sections(text: &str) -> String {
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if is_heading(line) {
            sections.push((line, Vec::new()));
        } else {
            if sections.is_empty() {
                sections.push(("NOTES", Vec::new()));
            }
            if let Some((_, body)) = sections.last_mut() {
                body.push(line);
            }
        }
    }
    let mut out = String::new();
    for (heading, mut body) in sections {
        while body.last().is_some_and(|l| l.trim().is_empty()) {
            body.pop();
        }
        while body.first().is_some_and(|l| l.trim().is_empty()) {
            body.remove(0);
        }
        out.push_str(".SH ");
        out.push_str(heading);
        out.push_str("\n.nf\n");
        for line in body {
            out.push_str(&roff_line(line));
            out.push('\n');
        }
        out.push_str(".fi\n");
    }
    out
}

/// One line of literal text for roff: backslashes, hyphens and apostrophes escaped, a
/// leading `.` kept from being read as a request.
fn roff_line(line: &str) -> String {
    let escaped = line
        .replace('\\', "\\e")
        .replace('-', "\\-")
        .replace('\'', "\\*(Aq");
    if escaped.starts_with('.') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_becomes_sections() {
        let cmd = clap::Command::new("t")
            .version("1.0")
            .arg(clap::Arg::new("older-than").long("older-than"))
            .after_help(
                "EXAMPLES\n  t --older-than 14d 'pr-*' \\\n      .x\n\nEXIT STATUS\n  0  done\n  2  usage",
            );
        let page = man(cmd).unwrap();
        assert!(!page.contains("EXTRA"), "{page}");
        assert!(page.contains(".TH t 1  \"t 1.0\" \n.nh\n"), "{page}");
        assert!(
            page.contains(
                ".SH EXAMPLES\n.nf\n  t \\-\\-older\\-than 14d \\*(Aqpr\\-*\\*(Aq \\e\n      .x\n.fi\n"
            ),
            "{page}"
        );
        assert!(
            page.contains(".SH EXIT STATUS\n.nf\n  0  done\n  2  usage\n.fi\n.SH VERSION"),
            "{page}"
        );
        assert_eq!(roff_line(".x"), "\\&.x");
    }
}

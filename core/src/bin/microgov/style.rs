//! Colour on a terminal, plain text on a pipe; `NO_COLOR` respected.

use crate::args::ColorChoice;
use std::io::IsTerminal;

/// Whether to wrap text in ANSI colour codes.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

fn wanted(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            // https://no-color.org: set and not empty disables colour.
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            terminal && !no_color && !dumb
        }
    }
}

impl Style {
    /// For what goes to standard output.
    pub fn stdout(choice: ColorChoice) -> Style {
        Style { on: wanted(choice, std::io::stdout().is_terminal()) }
    }

    /// For what goes to standard error.
    pub fn stderr(choice: ColorChoice) -> Style {
        Style { on: wanted(choice, std::io::stderr().is_terminal()) }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn red_bold(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    /// An outcome word in its colour, padded to `width` before colouring.
    pub fn outcome(&self, outcome: &str, width: usize) -> String {
        let padded = format!("{outcome:<width$}");
        match outcome {
            "allow" | "ALLOW" | "PASS" | "ok" => self.green(&padded),
            "review" | "REVIEW" => self.yellow(&padded),
            "deny" | "DENY" | "FAIL" => self.red_bold(&padded),
            "invalid" | "INVALID" | "ERROR" | "error" => self.red(&padded),
            _ => padded,
        }
    }

    /// A tier in its colour.
    pub fn tier(&self, tier: &str, width: usize) -> String {
        let padded = format!("{tier:<width$}");
        match tier {
            "high" => self.red(&padded),
            "medium" => self.yellow(&padded),
            "low" => self.green(&padded),
            _ => padded,
        }
    }
}

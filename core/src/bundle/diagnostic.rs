//! The one formatter of Rego errors: regorus reports a parse, compile or evaluation error as
//! a banner (`--> file:line:col`, a gutter, the source line, a caret, `error: message`);
//! microgov shows it everywhere (command line, Python, Node) as `file:line:col: message`,
//! then the source line and a caret under the column.

/// A Rego error taken apart: where, what, and the source line it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// Reads regorus's error text; text without a banner is the message as it is.
    pub fn parse(text: &str) -> Diagnostic {
        let text = text.trim();
        let mut d = Diagnostic { file: None, line: None, column: None, message: String::new(), source_line: None };
        let mut rest: Vec<&str> = Vec::new();
        for l in text.lines() {
            let t = l.trim_start();
            if let Some(at) = t.strip_prefix("--> ").filter(|_| d.file.is_none()) {
                // `file:line:col`, the file itself possibly holding colons.
                let mut parts = at.trim().rsplitn(3, ':');
                let (col, line, file) = (parts.next(), parts.next(), parts.next());
                if let (Some(c), Some(l), Some(f)) = (col, line, file) {
                    if let (Ok(c), Ok(l)) = (c.parse::<usize>(), l.parse::<usize>()) {
                        d.file = Some(f.to_string());
                        d.line = (l > 0).then_some(l);
                        d.column = (c > 0).then_some(c);
                        continue;
                    }
                }
            }
            // The gutter: `  |`, `6 | source`, `  |   ^`.
            if let Some((gutter, after)) = l.split_once('|') {
                let g = gutter.trim();
                if g.is_empty() || (d.line.is_some_and(|n| g == n.to_string()) && d.source_line.is_none()) {
                    if !g.is_empty() {
                        d.source_line = Some(after.strip_prefix(' ').unwrap_or(after).to_string());
                    }
                    continue;
                }
            }
            rest.push(t);
        }
        let message = rest.into_iter().filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ");
        d.message = message.strip_prefix("error: ").unwrap_or(&message).to_string();
        d
    }

    /// `file:line:col: message`, without the excerpt.
    pub fn headline(&self) -> String {
        let mut at = self.file.clone().unwrap_or_default();
        for n in [self.line, self.column].into_iter().flatten() {
            at.push_str(&format!(":{n}"));
        }
        if at.is_empty() {
            self.message.clone()
        } else {
            format!("{at}: {}", self.message)
        }
    }

    /// The source line and a caret under the column (tabs kept so the caret lines up), or
    /// `None` when the line is not known.
    pub fn excerpt(&self) -> Option<String> {
        let (n, src) = (self.line?, self.source_line.as_deref()?);
        let number = n.to_string();
        let pad = " ".repeat(number.len());
        let col = self.column.unwrap_or(1).saturating_sub(1);
        let lead: String = src.chars().take(col).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        Some(format!("  {number} | {src}\n  {pad} | {lead}^"))
    }

    /// The headline, then the excerpt on the next lines.
    pub fn render(&self) -> String {
        match self.excerpt() {
            Some(e) => format!("{}\n{e}", self.headline()),
            None => self.headline(),
        }
    }
}

/// A regorus error text as microgov shows it (see [`Diagnostic`]).
pub(crate) fn render_regorus(text: &str) -> String {
    Diagnostic::parse(text).render()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANNER: &str = "\n--> p2/bad/b.rego:6:3\n  |\n6 | \tx := \n  | \t ^\nerror: expecting expression";

    #[test]
    fn a_regorus_banner_becomes_file_line_col_message_source_and_caret() {
        let d = Diagnostic::parse(BANNER);
        assert_eq!(d.file.as_deref(), Some("p2/bad/b.rego"));
        assert_eq!((d.line, d.column), (Some(6), Some(3)));
        assert_eq!(d.message, "expecting expression");
        assert_eq!(d.render(), "p2/bad/b.rego:6:3: expecting expression\n  6 | \tx := \n    | \t ^");
    }

    #[test]
    fn text_without_a_banner_is_kept_as_it_is() {
        assert_eq!(render_regorus("\npolicy too long\n"), "policy too long");
    }
}

//! The scanner behind [`SourceMap`](super::SourceMap): a tolerant reader of
//! YAML (block and flow) and JSON structure that records where each key and
//! item starts and never fails, stopping at what it cannot follow.

#[derive(Debug, Clone)]
pub(super) struct Node {
    /// Byte offset where the value starts.
    pub(super) at: usize,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// Keys in document order, each with the byte offset of the key.
    Map(Vec<(String, usize, Node)>),
    Seq(Vec<Node>),
    Scalar,
}

/// Deepest nesting followed; deeper values are left out of the map.
const MAX_DEPTH: usize = 128;

pub(super) struct Parser<'a> {
    pub(super) s: &'a [u8],
    pub(super) i: usize,
    pub(super) line_starts: Vec<usize>,
    pub(super) depth: usize,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0)
}

impl Parser<'_> {
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn eof(&self) -> bool {
        self.i >= self.s.len()
    }

    fn line_of(&self, i: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= i)
    }

    /// Byte column of `i` in its line (indentation is ASCII spaces).
    fn col(&self, i: usize) -> usize {
        let line = self.line_of(i).max(1);
        i - self.line_starts.get(line - 1).copied().unwrap_or(0)
    }

    fn at_line_start(&self, i: usize) -> bool {
        self.col(i) == 0
    }

    fn skip_line(&mut self) {
        while !self.eof() && self.at(self.i) != b'\n' {
            self.i += 1;
        }
    }

    fn skip_inline_ws(&mut self) {
        while matches!(self.at(self.i), b' ' | b'\t' | b'\r') && !self.eof() {
            self.i += 1;
        }
    }

    /// Skips whitespace, line breaks, comments, directives and document markers.
    fn skip_ws(&mut self) {
        loop {
            if self.eof() {
                return;
            }
            let b = self.at(self.i);
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                self.i += 1;
            } else if b == 0xEF && self.i == 0 && self.s.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.i += 3;
            } else if (b == b'#' && (self.i == 0 || is_blank(self.at(self.i - 1))))
                || (b == b'%' && self.at_line_start(self.i))
            {
                // A comment, or a directive (`%YAML 1.2`).
                self.skip_line();
            } else if self.at_line_start(self.i)
                && (self.s[self.i..].starts_with(b"---") || self.s[self.i..].starts_with(b"..."))
                && is_blank(self.at(self.i + 3))
            {
                self.i += 3;
            } else {
                return;
            }
        }
    }

    fn is_dash(&self, i: usize) -> bool {
        self.at(i) == b'-' && is_blank(self.at(i + 1))
    }

    /// Whether a block mapping key (`key:` followed by a blank) starts at `i`.
    fn is_key(&self, i: usize) -> bool {
        let mut j = i;
        match self.at(j) {
            q @ (b'"' | b'\'') => {
                j = self.quoted_end(j, q);
                while matches!(self.at(j), b' ' | b'\t') {
                    j += 1;
                }
                self.at(j) == b':' && is_blank(self.at(j + 1))
            }
            b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'#' | b'%' | b'@' | b'`' | 0 => false,
            b'-' if self.is_dash(j) => false,
            _ => {
                while j < self.s.len() {
                    match self.at(j) {
                        b'\n' => return false,
                        b':' if is_blank(self.at(j + 1)) => return true,
                        b'#' if j > i && is_blank(self.at(j - 1)) => return false,
                        _ => j += 1,
                    }
                }
                false
            }
        }
    }

    /// The offset just past a quoted scalar that opens at `i`.
    fn quoted_end(&self, i: usize, q: u8) -> usize {
        let mut j = i + 1;
        while j < self.s.len() {
            let b = self.at(j);
            if q == b'"' && b == b'\\' {
                j += 2;
            } else if b == q {
                if q == b'\'' && self.at(j + 1) == b'\'' {
                    j += 2;
                } else {
                    return j + 1;
                }
            } else {
                j += 1;
            }
        }
        self.s.len()
    }

    fn quoted(&mut self) -> String {
        let q = self.at(self.i);
        let end = self.quoted_end(self.i, q);
        let inner = self.s.get(self.i + 1..end.saturating_sub(1).max(self.i + 1)).unwrap_or_default();
        self.i = end;
        let raw = String::from_utf8_lossy(inner);
        if q == b'\'' {
            return raw.replace("''", "'");
        }
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        out.push(c);
                    }
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    /// A block-context key up to and including its `:`.
    fn block_key(&mut self) -> String {
        let key = if matches!(self.at(self.i), b'"' | b'\'') {
            self.quoted()
        } else {
            let start = self.i;
            while !self.eof() {
                let b = self.at(self.i);
                if b == b'\n' || (b == b':' && is_blank(self.at(self.i + 1))) {
                    break;
                }
                self.i += 1;
            }
            String::from_utf8_lossy(&self.s[start..self.i]).trim_end().to_string()
        };
        self.skip_inline_ws();
        if self.at(self.i) == b':' {
            self.i += 1;
        }
        key
    }

    /// A value (if any) that belongs to a parent indented by `parent`: on
    /// the current line, or on later lines indented deeper. `seq_at_parent`
    /// admits a block sequence at the parent's own indentation (`key:\n- a`).
    pub(super) fn node(&mut self, parent: isize, seq_at_parent: bool) -> Option<Node> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        let start_line = self.line_of(self.i);
        self.skip_ws();
        if self.eof() {
            return None;
        }
        let at = self.i;
        let col = self.col(at);
        let icol = isize::try_from(col).unwrap_or(isize::MAX);
        if self.line_of(at) != start_line && icol <= parent && !(seq_at_parent && icol == parent && self.is_dash(at)) {
            return None;
        }
        self.depth += 1;
        let node = match self.at(at) {
            b'-' if self.is_dash(at) => self.block_seq(col),
            b'[' | b'{' => self.flow(),
            b'|' | b'>' => {
                self.skip_line();
                loop {
                    let line_start = self.i + 1;
                    if line_start >= self.s.len() {
                        self.i = self.s.len();
                        break;
                    }
                    let mut j = line_start;
                    while matches!(self.at(j), b' ' | b'\t') {
                        j += 1;
                    }
                    let blank = matches!(self.at(j), b'\n' | b'\r' | 0);
                    let indent = isize::try_from(j - line_start).unwrap_or(isize::MAX);
                    if blank || indent > parent {
                        self.i = line_start;
                        self.skip_line();
                    } else {
                        break;
                    }
                }
                Node { at, kind: Kind::Scalar }
            }
            b'&' | b'!' => {
                while !is_blank(self.at(self.i)) && !self.eof() {
                    self.i += 1;
                }
                self.skip_inline_ws();
                match self.node(parent, seq_at_parent) {
                    Some(n) => n,
                    None => Node { at, kind: Kind::Scalar },
                }
            }
            _ if self.is_key(at) => self.block_map(col),
            b'"' | b'\'' => {
                self.quoted();
                self.skip_inline_ws();
                Node { at, kind: Kind::Scalar }
            }
            _ => {
                while !self.eof()
                    && self.at(self.i) != b'\n'
                    && !(self.at(self.i) == b'#' && is_blank(self.at(self.i.wrapping_sub(1))))
                {
                    self.i += 1;
                }
                Node { at, kind: Kind::Scalar }
            }
        };
        self.depth -= 1;
        Some(node)
    }

    fn block_map(&mut self, indent: usize) -> Node {
        let at = self.i;
        let mut entries = Vec::new();
        let iindent = isize::try_from(indent).unwrap_or(isize::MAX);
        loop {
            let key_at = self.i;
            let key = self.block_key();
            let value = self.node(iindent, true).unwrap_or(Node { at: key_at, kind: Kind::Scalar });
            entries.push((key, key_at, value));
            self.skip_ws();
            // Lines indented deeper than the keys continue a multi-line
            // scalar this reader does not follow: pass over them.
            while !self.eof() && self.col(self.i) > indent && self.line_of(self.i) != self.line_of(key_at) {
                self.skip_line();
                self.skip_ws();
            }
            if self.eof()
                || self.col(self.i) != indent
                || self.is_dash(self.i)
                || !self.is_key(self.i)
                || self.line_of(self.i) == self.line_of(key_at)
            {
                break;
            }
        }
        Node { at, kind: Kind::Map(entries) }
    }

    fn block_seq(&mut self, indent: usize) -> Node {
        let at = self.i;
        let mut items = Vec::new();
        let iindent = isize::try_from(indent).unwrap_or(isize::MAX);
        loop {
            let dash = self.i;
            self.i += 1;
            let item = self.node(iindent, false).unwrap_or(Node { at: dash, kind: Kind::Scalar });
            items.push(item);
            self.skip_ws();
            if self.eof()
                || self.col(self.i) != indent
                || !self.is_dash(self.i)
                || self.line_of(self.i) == self.line_of(dash)
            {
                break;
            }
        }
        Node { at, kind: Kind::Seq(items) }
    }

    /// A flow collection (`{...}` or `[...]`), which may span lines.
    fn flow(&mut self) -> Node {
        let at = self.i;
        let open = self.at(self.i);
        let close = if open == b'{' { b'}' } else { b']' };
        self.i += 1;
        let mut entries = Vec::new();
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.eof() {
                break;
            }
            match self.at(self.i) {
                b if b == close => {
                    self.i += 1;
                    break;
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                b'}' | b']' => {
                    // A mismatched bracket: stop here rather than run on.
                    self.i += 1;
                    break;
                }
                _ => {}
            }
            let before = self.i;
            if open == b'{' {
                let key_at = self.i;
                let key = self.flow_scalar(true);
                self.skip_ws();
                let value = if self.at(self.i) == b':' {
                    self.i += 1;
                    self.flow_value()
                } else {
                    Node { at: key_at, kind: Kind::Scalar }
                };
                entries.push((key, key_at, value));
            } else {
                items.push(self.flow_value());
            }
            if self.i == before {
                self.i += 1;
            }
        }
        Node { at, kind: if open == b'{' { Kind::Map(entries) } else { Kind::Seq(items) } }
    }

    fn flow_value(&mut self) -> Node {
        self.skip_ws();
        while matches!(self.at(self.i), b'&' | b'!') {
            while !is_blank(self.at(self.i)) && !matches!(self.at(self.i), b',' | b'}' | b']') && !self.eof() {
                self.i += 1;
            }
            self.skip_ws();
        }
        let at = self.i;
        if matches!(self.at(self.i), b'{' | b'[') && self.depth <= MAX_DEPTH {
            self.depth += 1;
            let n = self.flow();
            self.depth -= 1;
            return n;
        }
        self.flow_scalar(false);
        Node { at, kind: Kind::Scalar }
    }

    /// A scalar inside a flow collection; as a key it ends at `:`.
    fn flow_scalar(&mut self, key: bool) -> String {
        if matches!(self.at(self.i), b'"' | b'\'') {
            return self.quoted();
        }
        let start = self.i;
        while !self.eof() {
            let b = self.at(self.i);
            let ends_key = key
                && b == b':'
                && (is_blank(self.at(self.i + 1)) || matches!(self.at(self.i + 1), b',' | b'}' | b']'));
            if matches!(b, b',' | b'}' | b']' | b'\n')
                || ends_key
                || (b == b'#' && is_blank(self.at(self.i.wrapping_sub(1))))
            {
                break;
            }
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).trim().to_string()
    }
}

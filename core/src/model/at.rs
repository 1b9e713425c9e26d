//! Where a value sits in a document while it is read: the parser (`tree`) and
//! the validating walker (`walk`) both follow it, so it lives below both.

use crate::pointer;

/// Where a value sits, as a chain of parents: the JSON pointer is written
/// out only for a problem, not for each of a document's hundreds of values.
#[derive(Clone, Copy)]
pub(crate) enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    /// The RFC 6901 pointer of this place (`""` for the root).
    pub(crate) fn pointer(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            At::Root => {}
            At::Key(parent, key) => {
                parent.write(out);
                pointer::push_token(out, key);
            }
            At::Index(parent, i) => {
                parent.write(out);
                pointer::push_index(out, *i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::At;

    #[test]
    fn a_place_is_written_as_an_escaped_pointer() {
        let spec = At::Key(&At::Root, "spec");
        let item = At::Index(&spec, 2);
        assert_eq!(At::Key(&item, "a/b~c").pointer(), "/spec/2/a~1b~0c");
        assert_eq!(At::Root.pointer(), "");
    }
}

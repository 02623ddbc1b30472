//! Shell quoting: Python's `shlex.quote`, byte for byte.

use super::Error;

/// Whether `b` may appear unquoted: Python's `[\w@%+=:,./-]` under `re.ASCII`.
fn is_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b)
}

/// Quotes `s` as one word for `/bin/sh`, exactly as Python's `shlex.quote` does.
///
/// - The empty string becomes `''`.
/// - A string of only ASCII letters, digits and `@%+=:,./_-` is returned unchanged.
/// - Anything else is wrapped in single quotes, each `'` inside becoming `'"'"'`.
///
/// Unlike Python, a NUL byte is an error ([`Error::NulByte`]): no shell word can hold
/// one, so quoting it could only produce a command that means something else.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::process::quote;
///
/// assert_eq!(quote("").unwrap(), "''");
/// assert_eq!(quote("sample.txt").unwrap(), "sample.txt");
/// assert_eq!(quote("it's; echo PWNED").unwrap(), r#"'it'"'"'s; echo PWNED'"#);
/// assert!(quote("a\0b").is_err());
/// ```
pub fn quote(s: &str) -> Result<String, Error> {
    let quoted = quote_bytes(s.as_bytes())?;
    // Only ASCII quote characters were added to valid UTF-8.
    Ok(String::from_utf8(quoted).expect("quoting keeps UTF-8"))
}

/// [`quote`] for bytes (Unix file names need not be UTF-8); bytes outside ASCII are
/// never safe, so they are always quoted.
///
/// # Examples
///
#[doc = crate::example!()]
/// assert_eq!(parkq::process::quote_bytes(b"caf\xe9").unwrap(), b"'caf\xe9'");
/// ```
pub fn quote_bytes(s: &[u8]) -> Result<Vec<u8>, Error> {
    if s.contains(&0) {
        return Err(Error::NulByte {
            what: format!("{:?}", String::from_utf8_lossy(s)),
        });
    }
    if s.is_empty() {
        return Ok(b"''".to_vec());
    }
    if s.iter().all(|&b| is_safe(b)) {
        return Ok(s.to_vec());
    }
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'\'');
    for &b in s {
        if b == b'\'' {
            out.extend_from_slice(b"'\"'\"'");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    Ok(out)
}

/// Python's `repr` of a `str`, for error messages that quote CPython's.
///
/// Exact for ASCII; beyond it, control and non-space whitespace characters are escaped,
/// which is where Python's notion of "printable" lies for common text.
pub(crate) fn py_repr(s: &str) -> String {
    let delim = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(delim);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == delim => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(delim);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        assert_eq!(py_repr("xx"), "'xx'");
        assert_eq!(py_repr(""), "''");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("'\""), "'\\'\"'");
        assert_eq!(py_repr("a\nb\\"), "'a\\nb\\\\'");
        assert_eq!(py_repr("\x01\x7f"), "'\\x01\\x7f'");
        assert_eq!(py_repr("é"), "'é'");
    }
}

//! XML documents: parsing request bodies and writing response bodies.

use quick_xml::escape::escape;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// Collects the text of every `<child>` inside each `<item>` of a flat request document such
/// as `<Delete><Object><Key>..</Key></Object></Delete>`. Returns one map per item, plus the
/// top-level fields (children of the root that are not items). `None` when malformed.
pub(crate) struct Parsed {
    /// The name of the root element.
    pub(crate) root: String,
    /// Text of the root's simple children.
    pub(crate) fields: Vec<(String, String)>,
    /// One list of `(child, text)` per item element.
    pub(crate) items: Vec<Vec<(String, String)>>,
}

/// Appends the character data of a `Text`, `GeneralRef` or `CData` event to `text`; `None`
/// when it is malformed.
fn push_text(event: &Event<'_>, text: &mut String) -> Option<()> {
    match event {
        Event::Text(t) => {
            let decoded = t.decode().ok()?;
            text.push_str(&quick_xml::escape::unescape(&decoded).ok()?);
        }
        Event::GeneralRef(r) => {
            let name = r.decode().ok()?;
            let resolved = match name.as_ref() {
                "quot" => '"',
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "apos" => '\'',
                other => {
                    let code = other.strip_prefix('#')?;
                    let n = match code.strip_prefix('x') {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => code.parse().ok()?,
                    };
                    char::from_u32(n)?
                }
            };
            text.push(resolved);
        }
        Event::CData(c) => text.push_str(std::str::from_utf8(c).ok()?),
        _ => {}
    }
    Some(())
}

/// Parses a two-level document whose repeated element is `item`.
pub(crate) fn parse_items(xml: &[u8], item: &str, max_items: usize) -> Option<Parsed> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut root = None;
    let mut fields = Vec::new();
    let mut items: Vec<Vec<(String, String)>> = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => {
                let name = String::from_utf8(e.local_name().as_ref().to_vec()).ok()?;
                if stack.len() > 3 {
                    return None;
                }
                if stack.is_empty() {
                    if root.is_some() {
                        return None;
                    }
                    root = Some(name.clone());
                } else if stack.len() == 1 && name == item {
                    if items.len() >= max_items {
                        return None;
                    }
                    items.push(Vec::new());
                }
                stack.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.local_name().as_ref().to_vec()).ok()?;
                match stack.len() {
                    0 => {
                        root.get_or_insert(name);
                    }
                    1 if name == item => {
                        if items.len() >= max_items {
                            return None;
                        }
                        items.push(Vec::new());
                    }
                    1 => fields.push((name, String::new())),
                    2 if stack.get(1).is_some_and(|s| s == item) => {
                        items.last_mut()?.push((name, String::new()));
                    }
                    _ => {}
                }
            }
            e @ (Event::Text(_) | Event::GeneralRef(_) | Event::CData(_)) => {
                push_text(&e, &mut text)?;
            }
            Event::End(_) => {
                let name = stack.pop()?;
                match stack.len() {
                    1 if name != item => fields.push((name, std::mem::take(&mut text))),
                    2 if stack.get(1).is_some_and(|s| s == item) => {
                        items.last_mut()?.push((name, std::mem::take(&mut text)));
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return None;
    }
    Some(Parsed {
        root: root?,
        fields,
        items,
    })
}

/// The `(local name, text)` leaves of one group element ([`parse_groups`]).
pub(crate) type Group = Vec<(String, String)>;

/// A request document read as groups: the root's name, and for every element named `group`
/// (at any depth, not nested in another) the `(local name, text)` of each leaf element inside
/// it, in document order (repeated leaves kept). For documents deeper than [`parse_items`]
/// reads, such as `<Tagging><TagSet><Tag>` or `<AccessControlPolicy>…<Grant>`. `None` when
/// malformed, deeper than 8 levels, or with more than `max_groups` groups.
pub(crate) fn parse_groups(
    xml: &[u8],
    group: &str,
    max_groups: usize,
) -> Option<(String, Vec<Group>)> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut root = None;
    let mut groups: Vec<Group> = Vec::new();
    let mut inside: Option<usize> = None;
    let mut text = String::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => {
                let name = String::from_utf8(e.local_name().as_ref().to_vec()).ok()?;
                if stack.len() >= 8 {
                    return None;
                }
                if stack.is_empty() {
                    if root.is_some() {
                        return None;
                    }
                    root = Some(name.clone());
                }
                if name == group && inside.is_none() {
                    if groups.len() >= max_groups {
                        return None;
                    }
                    groups.push(Vec::new());
                    inside = Some(stack.len());
                }
                stack.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.local_name().as_ref().to_vec()).ok()?;
                if stack.is_empty() {
                    root.get_or_insert(name);
                } else if inside.is_some() {
                    groups.last_mut()?.push((name, String::new()));
                } else if name == group {
                    if groups.len() >= max_groups {
                        return None;
                    }
                    groups.push(Vec::new());
                }
            }
            e @ (Event::Text(_) | Event::GeneralRef(_) | Event::CData(_)) => {
                push_text(&e, &mut text)?;
            }
            Event::End(_) => {
                let name = stack.pop()?;
                if inside == Some(stack.len()) {
                    inside = None;
                } else if inside.is_some() {
                    groups
                        .last_mut()?
                        .push((name, std::mem::take(&mut text).trim().to_string()));
                }
                text.clear();
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return None;
    }
    Some((root?, groups))
}

/// The value of `name` in a list of `(name, text)` pairs.
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A small XML writer that escapes text.
pub(crate) struct Xml {
    out: String,
}

impl Xml {
    /// Starts a document with the XML declaration.
    pub(crate) fn new() -> Self {
        Self {
            out: String::from("<?xml version='1.0' encoding='utf-8' ?>\n"),
        }
    }

    /// `<name>`.
    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name attrs>` with a raw attribute string.
    pub(crate) fn open_with(&mut self, name: &str, attrs: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(attrs);
        self.out.push('>');
        self
    }

    /// `</name>`.
    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>` (or `<name/>` when empty).
    pub(crate) fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        if text.is_empty() {
            self.out.push('<');
            self.out.push_str(name);
            self.out.push_str("/>");
            return self;
        }
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name)
    }

    /// The document.
    pub(crate) fn finish(&mut self) -> String {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_complete_multipart_body() {
        let xml = br#"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"abc"</ETag></Part>
            <Part><PartNumber>2</PartNumber><ETag>&quot;def&quot;</ETag></Part></CompleteMultipartUpload>"#;
        let p = parse_items(xml, "Part", 10).unwrap();
        assert_eq!(p.root, "CompleteMultipartUpload");
        assert_eq!(p.items.len(), 2);
        assert_eq!(field(&p.items[0], "ETag"), Some("\"abc\""));
        assert_eq!(field(&p.items[1], "ETag"), Some("\"def\""));
        assert_eq!(field(&p.items[1], "PartNumber"), Some("2"));
    }

    #[test]
    fn keeps_spaces_inside_values() {
        let p = parse_items(
            b"<Delete>\n  <Object>\n <Key> a &amp; b </Key></Object></Delete>",
            "Object",
            10,
        )
        .unwrap();
        assert_eq!(field(&p.items[0], "Key"), Some(" a & b "));
    }

    #[test]
    fn parses_delete_body_with_quiet_and_entities() {
        let xml = b"<?xml version='1.0'?><Delete><Quiet>true</Quiet><Object><Key>a&amp;b&#x4e2d;</Key></Object></Delete>";
        let p = parse_items(xml, "Object", 10).unwrap();
        assert_eq!(field(&p.fields, "Quiet"), Some("true"));
        assert_eq!(field(&p.items[0], "Key"), Some("a&b\u{4e2d}"));
    }

    #[test]
    fn rejects_malformed_and_oversized() {
        assert!(parse_items(b"<Delete><Object><Key>a</Object></Delete>", "Object", 10).is_none());
        assert!(parse_items(b"", "Object", 10).is_none());
        assert!(parse_items(b"<a></a><b></b>", "Object", 10).is_none());
        assert!(parse_items(b"<a><b><c><d><e>x</e></d></c></b></a>", "b", 10).is_none());
        let mut many = String::from("<Delete>");
        for _ in 0..5 {
            many.push_str("<Object><Key>k</Key></Object>");
        }
        many.push_str("</Delete>");
        assert!(parse_items(many.as_bytes(), "Object", 4).is_none());
    }

    #[test]
    fn writer_escapes() {
        let doc = Xml::new()
            .open("A")
            .elem("K", "x<y&\"")
            .elem("E", "")
            .close("A")
            .finish();
        assert!(doc.ends_with("<A><K>x&lt;y&amp;&quot;</K><E/></A>"));
    }
}

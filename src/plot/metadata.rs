//! Text embedded in a written image, so a figure says where it came from: PNG `iTXt` chunks
//! (PNG specification, 3rd edition, §11.3.3.4; inserted right after `IHDR`, the pixels are not
//! re-encoded) and SVG `<metadata>` elements (SVG 1.1 §21.1), one per entry.

/// Keyword/text pairs to embed in an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageMetadata {
    /// `(keyword, text)`: the keyword is 1–79 characters of `[A-Za-z0-9 -]` (a PNG keyword and
    /// an XML id after spaces become `-`), the text any UTF-8.
    pub entries: Vec<(String, String)>,
}

impl ImageMetadata {
    /// Metadata with one entry.
    pub fn with(mut self, keyword: &str, text: impl Into<String>) -> Self {
        self.entries.push((keyword.to_string(), text.into()));
        self
    }

    /// The entries whose keyword is usable (others are left out rather than writing a broken
    /// file): 1–79 characters of `[A-Za-z0-9 -]`, not starting or ending with a space.
    fn valid_entries(&self) -> impl Iterator<Item = &(String, String)> {
        self.entries.iter().filter(|(k, _)| {
            (1..=79).contains(&k.len())
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
                && !k.starts_with(' ')
                && !k.ends_with(' ')
        })
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// `png` with one uncompressed `iTXt` chunk per entry after its `IHDR` chunk; `None` if `png`
/// does not start with a PNG signature and an `IHDR` chunk.
pub(super) fn embed_png(png: &[u8], metadata: &ImageMetadata) -> Option<Vec<u8>> {
    // Signature, then IHDR: length (4, always 13), type (4), data (13), CRC (4).
    let ihdr_end = PNG_SIGNATURE.len() + 4 + 4 + 13 + 4;
    if png.len() < ihdr_end || png[..8] != PNG_SIGNATURE || &png[12..16] != b"IHDR" {
        return None;
    }
    let mut out = Vec::with_capacity(png.len() + 256);
    out.extend_from_slice(&png[..ihdr_end]);
    for (keyword, text) in metadata.valid_entries() {
        // keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty
        // translated keyword NUL, UTF-8 text.
        let mut data = Vec::with_capacity(keyword.len() + text.len() + 5);
        data.extend_from_slice(keyword.as_bytes());
        data.extend_from_slice(&[0, 0, 0, 0, 0]);
        data.extend_from_slice(text.as_bytes());
        push_chunk(&mut out, b"iTXt", &data);
    }
    out.extend_from_slice(&png[ihdr_end..]);
    Some(out)
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // A chunk holds at most 2^31 − 1 bytes; provenance text is a few hundred.
    let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// `svg` with a `<metadata id="KEYWORD">TEXT</metadata>` element per entry right after the
/// opening `<svg …>` tag (keyword spaces as `-`, text XML-escaped); `None` without such a tag.
pub fn embed_svg(svg: &str, metadata: &ImageMetadata) -> Option<String> {
    let open = svg.find("<svg")?;
    let end = open + svg[open..].find('>')? + 1;
    let mut out = String::with_capacity(svg.len() + 512);
    out.push_str(&svg[..end]);
    for (keyword, text) in metadata.valid_entries() {
        out.push_str(&format!(
            "\n<metadata id=\"{}\">{}</metadata>",
            keyword.replace(' ', "-"),
            xml_escape(text)
        ));
    }
    out.push_str(&svg[end..]);
    Some(out)
}

/// Text safe inside an XML element or attribute.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and line breaks are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{ImageMetadata, embed_png, embed_svg};

    #[test]
    fn svg_metadata_follows_the_opening_tag_and_is_escaped() {
        let meta = ImageMetadata::default().with("relapse provenance", "{\"a\":\"<&>\"}");
        let svg = embed_svg("<?xml?>\n<svg width=\"1\">\n<rect/></svg>", &meta).unwrap();
        assert_eq!(
            svg,
            "<?xml?>\n<svg width=\"1\">\n<metadata id=\"relapse-provenance\">{&quot;a&quot;:&quot;&lt;&amp;&gt;&quot;}</metadata>\n<rect/></svg>"
        );
        assert!(embed_svg("no svg here", &meta).is_none());
    }

    #[test]
    fn bad_keywords_are_left_out() {
        let meta = ImageMetadata::default()
            .with("", "x")
            .with(" lead", "x")
            .with("a\"b", "x")
            .with(&"k".repeat(80), "x");
        assert_eq!(embed_svg("<svg>", &meta).unwrap(), "<svg>");
    }

    #[test]
    fn not_a_png_is_refused() {
        assert!(embed_png(b"GIF89a", &ImageMetadata::default()).is_none());
    }
}

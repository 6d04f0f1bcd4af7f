//! The one font of a report: found on the machine, measured, and cut down to the glyphs used.
use super::PdfError;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use subsetter::GlyphRemapper;
use ttf_parser::{name_id, Face};

/// Where a CJK font is looked for, in order: `SHUQIAO_PDF_FONT`, then Debian's packages
/// (fonts-wqy-microhei first, which CI installs).
pub fn font_candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(p) = std::env::var_os("SHUQIAO_PDF_FONT").filter(|p| !p.is_empty()) {
        paths.push(PathBuf::from(p));
    }
    for p in [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
        "/usr/share/fonts/truetype/arphic/ukai.ttc",
    ] {
        paths.push(PathBuf::from(p));
    }
    paths
}

/// A glyph as the layout needs it: its id in the subset and its advance in font units.
#[derive(Clone, Copy)]
struct Glyph {
    new_id: u16,
    advance: u16,
}

pub struct Font {
    pub path: PathBuf,
    data: Vec<u8>,
    index: u32,
    pub units_per_em: f32,
    pub ascender: f32,
    pub descender: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    pub postscript_name: String,
    /// CFF outlines are embedded as OpenType (FontFile3), TrueType ones as FontFile2.
    pub is_cff: bool,
    remapper: GlyphRemapper,
    glyphs: HashMap<char, Glyph>,
    /// For ToUnicode and the widths: each subset glyph, its advance and the text it stands for.
    used: BTreeMap<u16, (u16, char)>,
}

impl Font {
    /// The first candidate that parses and has Chinese glyphs.
    pub fn find() -> Result<Font, PdfError> {
        Font::find_in(font_candidates())
    }

    fn find_in(candidates: Vec<PathBuf>) -> Result<Font, PdfError> {
        let mut tried = Vec::new();
        for path in candidates {
            match Font::open(&path) {
                Ok(font) => return Ok(font),
                Err(why) => tried.push(format!("{} ({why})", path.display())),
            }
        }
        Err(PdfError::NoFont {
            tried: tried.join("; "),
        })
    }

    fn open(path: &Path) -> Result<Font, &'static str> {
        let data = std::fs::read(path).map_err(|_| "not readable")?;
        let index = chinese_face_index(&data).ok_or("no Chinese glyphs")?;
        let face = Face::parse(&data, index).map_err(|_| "not a font")?;
        let units_per_em = f32::from(face.units_per_em());
        let b = face.global_bounding_box();
        let font = Font {
            path: path.to_path_buf(),
            index,
            units_per_em,
            ascender: f32::from(face.ascender()),
            descender: f32::from(face.descender()),
            cap_height: f32::from(face.capital_height().unwrap_or(face.ascender())),
            bbox: [b.x_min, b.y_min, b.x_max, b.y_max].map(f32::from),
            postscript_name: postscript_name(&face),
            is_cff: face.tables().cff.is_some(),
            remapper: GlyphRemapper::new(),
            glyphs: HashMap::new(),
            used: BTreeMap::new(),
            data: Vec::new(),
        };
        Ok(Font { data, ..font })
    }

    fn glyph(&mut self, c: char) -> Glyph {
        if let Some(g) = self.glyphs.get(&c) {
            return *g;
        }
        // A control character or one the font lacks is drawn as the font's missing glyph.
        let (id, advance) = match Face::parse(&self.data, self.index) {
            Ok(face) => {
                let id = face.glyph_index(c).map_or(0, |g| g.0);
                (
                    id,
                    face.glyph_hor_advance(ttf_parser::GlyphId(id)).unwrap_or(0),
                )
            }
            Err(_) => (0, 0),
        };
        let new_id = self.remapper.remap(id);
        self.used.entry(new_id).or_insert((advance, c));
        let g = Glyph { new_id, advance };
        self.glyphs.insert(c, g);
        g
    }

    /// The width of `text` at `size` points.
    pub fn width(&mut self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.glyph(c).advance)).sum();
        units as f32 * size / self.units_per_em
    }

    /// `text` as the two-byte glyph ids the content stream shows (Identity-H).
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        text.chars()
            .flat_map(|c| self.glyph(c).new_id.to_be_bytes())
            .collect()
    }

    /// Each subset glyph id with its width in thousandths of an em and its character.
    pub fn used_glyphs(&self) -> impl Iterator<Item = (u16, f32, char)> + '_ {
        self.used
            .iter()
            .map(|(id, (advance, c))| (*id, f32::from(*advance) * 1000.0 / self.units_per_em, *c))
    }

    pub fn subset(&self) -> Result<Vec<u8>, PdfError> {
        subsetter::subset(&self.data, self.index, &self.remapper).map_err(|e| PdfError::Subset {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// A PDF font name: a tag that changes with the glyphs used, then the font's own name.
    pub fn subset_name(&self) -> String {
        let mut h: u32 = 2166136261;
        for id in self.used.keys() {
            for b in id.to_be_bytes() {
                h = (h ^ u32::from(b)).wrapping_mul(16777619);
            }
        }
        let tag: String = (0..6)
            .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
            .collect();
        format!("{tag}+{}", self.postscript_name)
    }
}

/// In a collection, the face meant for Simplified Chinese if it is named so, else the first
/// face that has Chinese glyphs at all.
fn chinese_face_index(data: &[u8]) -> Option<u32> {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    let faces: Vec<(u32, Face)> = (0..count)
        .filter_map(|i| Face::parse(data, i).ok().map(|f| (i, f)))
        .filter(|(_, f)| f.glyph_index('中').is_some() && f.glyph_index('国').is_some())
        .collect();
    let simplified = faces.iter().find(|(_, f)| {
        f.names()
            .into_iter()
            .filter(|n| n.name_id == name_id::FAMILY)
            .filter_map(|n| n.to_string())
            .any(|n| n.ends_with(" SC"))
    });
    simplified.or(faces.first()).map(|(i, _)| *i)
}

fn postscript_name(face: &Face) -> String {
    let name = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .unwrap_or_else(|| "CJKFont".to_string());
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_font_names_every_path_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_font = dir.path().join("notes.ttf");
        std::fs::write(&not_a_font, "not a font").unwrap();
        let missing = dir.path().join("missing.ttc");
        match Font::find_in(vec![not_a_font, missing]) {
            Err(PdfError::NoFont { tried }) => {
                assert!(tried.contains("notes.ttf (no Chinese glyphs)"), "{tried}");
                assert!(tried.contains("missing.ttc (not readable)"), "{tried}");
            }
            other => panic!("expected NoFont, got {:?}", other.map(|f| f.path)),
        }
    }
}

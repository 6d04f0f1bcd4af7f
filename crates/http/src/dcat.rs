//! The open-data portal's catalogue as DCAT-AP 3.0.0, in Turtle and JSON-LD.
//!
//! A pure serializer: the caller hands in plain data ([`Catalogue`], [`Dataset`], [`Agent`])
//! and gets a document back. Both formats are written from one list of triples, so they can
//! never say different things; the order follows the input, so the same catalogue gives the
//! same bytes. `tests/dcat/dcat-ap-3.0.0-shapes.ttl` and `scripts/validate-dcat.sh` check the
//! result against the specification's mandatory and recommended properties.
//!
//! Addresses (fixed, the open-data routes serve them):
//! - catalogue `{base}/catalog`, documents `{base}/catalog.ttl` and `{base}/catalog.jsonld`;
//! - dataset and its landing page `{base}/datasets/{slug}`, documents `…/dcat.ttl`, `…/dcat.jsonld`;
//! - distributions `{base}/datasets/{slug}#csv|#json|#xlsx`, files `…/data.csv|json|xlsx`;
//! - the CKAN-compatible Action API `{base}/api/3`, endpoint `{base}/api/3/action/`;
//! - publishers `{base}/organisations/{id}`, their contact points `…#contact`;
//! - GB/T 2260 regions `{base}/regions/{code}`, resource categories `{base}/categories/{code}`.
use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};
use shuqiao_core::catalog::{Category, OpenType, UpdateCycle};

/// The portal's catalogue and the datasets it releases.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// Scheme, host and port, without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub base: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub publisher: Agent,
    /// GB/T 2260 code of the area the portal covers, e.g. `460000`.
    pub region_code: String,
    /// The portal's terms of use, the licence of the catalogue itself and of the data API.
    pub licence_url: String,
    /// When any dataset was last released or changed, milliseconds since the epoch.
    pub modified_ms: i64,
    pub datasets: Vec<Dataset>,
}

/// A publisher: the department that releases the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// The organisation's code, e.g. `hi-scjgj`.
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Where people reach it; when neither is known the portal's homepage is given instead.
    pub homepage: Option<String>,
    pub email: Option<String>,
}

/// One released dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Stable UUID.
    pub id: String,
    /// ASCII, never changes: the dataset's addresses are built from it.
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    /// When missing, the English title stands in, so no empty literal is ever written.
    pub description_en: Option<String>,
    pub publisher: Agent,
    pub keywords: Vec<String>,
    pub category: Category,
    pub issued_ms: i64,
    pub modified_ms: i64,
    pub update_cycle: UpdateCycle,
    pub open_type: OpenType,
    pub licence_url: String,
    /// GB/T 2260 code, e.g. `460000`.
    pub region_code: String,
    /// Stable UUIDs of the three downloads.
    pub csv_id: String,
    pub json_id: String,
    pub xlsx_id: String,
}

/// The catalogue with every dataset, as Turtle.
pub fn catalogue_turtle(c: &Catalogue) -> String {
    turtle(&graph(c, &c.datasets))
}

/// The catalogue with every dataset, as JSON-LD.
pub fn catalogue_jsonld(c: &Catalogue) -> Value {
    jsonld(&graph(c, &c.datasets))
}

/// One dataset with its distributions, publisher, the catalogue holding it and the API
/// serving it, as Turtle.
pub fn dataset_turtle(c: &Catalogue, d: &Dataset) -> String {
    turtle(&graph(c, std::slice::from_ref(d)))
}

/// One dataset's document (as [`dataset_turtle`]) as JSON-LD.
pub fn dataset_jsonld(c: &Catalogue, d: &Dataset) -> Value {
    jsonld(&graph(c, std::slice::from_ref(d)))
}

/// The EU frequency authority's IRI for an update cycle.
pub fn frequency_iri(cycle: UpdateCycle) -> &'static str {
    match cycle {
        // Realtime data changes continuously as it is collected.
        UpdateCycle::Realtime => {
            "http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT"
        }
        UpdateCycle::Daily => "http://publications.europa.eu/resource/authority/frequency/DAILY",
        UpdateCycle::Weekly => "http://publications.europa.eu/resource/authority/frequency/WEEKLY",
        UpdateCycle::Monthly => {
            "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
        }
        UpdateCycle::Quarterly => {
            "http://publications.europa.eu/resource/authority/frequency/QUARTERLY"
        }
        UpdateCycle::HalfYearly => {
            "http://publications.europa.eu/resource/authority/frequency/ANNUAL_2"
        }
        UpdateCycle::Yearly => "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        UpdateCycle::Irregular => {
            "http://publications.europa.eu/resource/authority/frequency/IRREG"
        }
    }
}

/// The EU access-right authority's IRI for an open type.
pub fn access_rights_iri(open: OpenType) -> &'static str {
    match open {
        OpenType::Open => "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
        // 有条件开放: released to those whose application is approved.
        OpenType::Conditional => {
            "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
        }
        OpenType::Closed => {
            "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
        }
    }
}

/// The EU data theme for a resource category. Every category is government data: base
/// registers (population, legal persons, geography) are public-sector registers, and thematic
/// and departmental resources carry no finer topic in the catalog; the category itself is
/// also given as a concept of the portal's own scheme.
pub fn data_theme_iri(category: Category) -> &'static str {
    match category {
        Category::Base | Category::Theme | Category::Department => {
            "http://publications.europa.eu/resource/authority/data-theme/GOVE"
        }
    }
}

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const DCATAP: &str = "http://data.europa.eu/r5r/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

/// Prefixes both formats declare, in this order.
const PREFIXES: &[(&str, &str)] = &[
    ("dcat", DCAT),
    ("dcatap", DCATAP),
    ("dct", DCT),
    ("foaf", FOAF),
    ("rdf", RDF),
    ("skos", SKOS),
    ("vcard", VCARD),
    ("xsd", XSD),
];

const AUTHORITY: &str = "http://publications.europa.eu/resource/authority/";
const IANA: &str = "https://www.iana.org/assignments/media-types/";
const GEONAMES_HAINAN: &str = "https://sws.geonames.org/1809054/";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Term {
    Iri(String),
    Plain(String),
    Lang(String, &'static str),
    Typed(String, &'static str),
}

/// A subject and its predicate–object pairs, in the order they were added.
#[derive(Debug)]
struct Node {
    iri: String,
    props: Vec<(String, Term)>,
}

/// Triples grouped by subject, subjects in first-use order, each triple once (RDF is a set,
/// and the two formats must count the same).
#[derive(Debug, Default)]
struct Graph {
    nodes: Vec<Node>,
    /// Where each subject sits in `nodes`, and every triple so far: a catalogue of thousands
    /// of datasets must not cost a scan per triple.
    index: HashMap<String, usize>,
    seen: HashSet<(usize, String, Term)>,
}

impl Graph {
    fn add(&mut self, s: &str, p: &str, o: Term) {
        let s = iri(s);
        let i = match self.index.get(&s) {
            Some(&i) => i,
            None => {
                self.nodes.push(Node {
                    iri: s.clone(),
                    props: Vec::new(),
                });
                self.index.insert(s, self.nodes.len() - 1);
                self.nodes.len() - 1
            }
        };
        if self.seen.insert((i, p.to_string(), o.clone())) {
            self.nodes[i].props.push((p.to_string(), o));
        }
    }
    fn iri(&mut self, s: &str, p: &str, o: &str) {
        self.add(s, p, Term::Iri(iri(o)));
    }
    fn a(&mut self, s: &str, class: &str) {
        self.iri(s, &format!("{RDF}type"), class);
    }
    /// A language-tagged literal; blank text is left out rather than written empty.
    fn lang(&mut self, s: &str, p: &str, text: &str, tag: &'static str) {
        if !text.trim().is_empty() {
            self.add(s, p, Term::Lang(text.to_string(), tag));
        }
    }
    fn plain(&mut self, s: &str, p: &str, text: &str) {
        if !text.trim().is_empty() {
            self.add(s, p, Term::Plain(text.to_string()));
        }
    }
    fn date_time(&mut self, s: &str, p: &str, ms: i64) {
        self.add(
            s,
            p,
            Term::Typed(date_time(ms), "http://www.w3.org/2001/XMLSchema#dateTime"),
        );
    }
    /// Titles or descriptions in both languages.
    fn bilingual(&mut self, s: &str, p: &str, zh: &str, en: &str) {
        self.lang(s, p, zh, "zh");
        self.lang(s, p, en, "en");
    }
}

fn p(ns: &str, local: &str) -> String {
    format!("{ns}{local}")
}

fn graph(c: &Catalogue, datasets: &[Dataset]) -> Graph {
    let mut g = Graph::default();
    let base = c.base.trim_end_matches('/');
    let catalog = format!("{base}/catalog");
    let homepage = format!("{base}/");
    let api = format!("{base}/api/3");
    let categories = format!("{base}/categories");
    let data_themes = format!("{AUTHORITY}data-theme");

    g.a(&catalog, &p(DCAT, "Catalog"));
    g.bilingual(&catalog, &p(DCT, "title"), &c.title_zh, &c.title_en);
    g.bilingual(
        &catalog,
        &p(DCT, "description"),
        or_else(&c.description_zh, &c.title_zh),
        or_else(&c.description_en, &c.title_en),
    );
    g.iri(
        &catalog,
        &p(DCT, "publisher"),
        &agent_iri(base, &c.publisher),
    );
    g.iri(&catalog, &p(FOAF, "homepage"), &homepage);
    g.iri(
        &catalog,
        &p(DCT, "language"),
        &format!("{AUTHORITY}language/ZHO"),
    );
    g.iri(
        &catalog,
        &p(DCT, "language"),
        &format!("{AUTHORITY}language/ENG"),
    );
    g.iri(&catalog, &p(DCT, "license"), &c.licence_url);
    g.date_time(&catalog, &p(DCT, "modified"), c.modified_ms);
    g.iri(
        &catalog,
        &p(DCT, "spatial"),
        &region_iri(base, &c.region_code),
    );
    g.iri(&catalog, &p(DCAT, "themeTaxonomy"), &data_themes);
    g.iri(&catalog, &p(DCAT, "themeTaxonomy"), &categories);
    g.iri(&catalog, &p(DCAT, "service"), &api);
    for d in datasets {
        g.iri(&catalog, &p(DCAT, "dataset"), &dataset_iri(base, d));
    }

    // The CKAN-compatible Action API serves every dataset of the portal.
    g.a(&api, &p(DCAT, "DataService"));
    g.bilingual(
        &api,
        &p(DCT, "title"),
        "开放数据接口（CKAN 兼容）",
        "Open data API (CKAN-compatible)",
    );
    g.bilingual(
        &api,
        &p(DCT, "description"),
        "与 CKAN Action API 兼容的只读接口，可检索并获取已开放数据集的元数据。",
        "A read-only API compatible with CKAN's Action API: search released datasets and read their metadata.",
    );
    g.iri(
        &api,
        &p(DCAT, "endpointURL"),
        &format!("{base}/api/3/action/"),
    );
    g.iri(
        &api,
        &p(DCAT, "endpointDescription"),
        &format!("{base}/api/v1/openapi.json"),
    );
    g.iri(&api, &p(DCT, "publisher"), &agent_iri(base, &c.publisher));
    g.iri(
        &api,
        &p(DCAT, "contactPoint"),
        &contact_iri(base, &c.publisher),
    );
    g.iri(&api, &p(DCT, "license"), &c.licence_url);
    g.iri(
        &api,
        &p(DCT, "accessRights"),
        access_rights_iri(OpenType::Open),
    );
    for d in datasets {
        g.iri(&api, &p(DCAT, "servesDataset"), &dataset_iri(base, d));
    }

    for d in datasets {
        dataset(&mut g, base, d);
    }

    // What the catalogue and its datasets point at, each described once.
    agent(&mut g, base, &homepage, &c.publisher);
    for d in datasets {
        agent(&mut g, base, &homepage, &d.publisher);
    }
    g.a(&homepage, &p(FOAF, "Document"));
    licence(&mut g, &c.licence_url);
    for d in datasets {
        licence(&mut g, &d.licence_url);
    }
    region(&mut g, base, &c.region_code);
    for d in datasets {
        region(&mut g, base, &d.region_code);
    }
    g.a(&data_themes, &p(SKOS, "ConceptScheme"));
    g.bilingual(&data_themes, &p(DCT, "title"), "欧盟数据主题", "Data theme");
    g.a(&categories, &p(SKOS, "ConceptScheme"));
    g.bilingual(
        &categories,
        &p(DCT, "title"),
        "政务信息资源分类",
        "Government information resource categories",
    );
    for d in datasets {
        let theme = data_theme_iri(d.category);
        g.a(theme, &p(SKOS, "Concept"));
        g.iri(theme, &p(SKOS, "inScheme"), &data_themes);
        let cat = category_iri(base, d.category);
        g.a(&cat, &p(SKOS, "Concept"));
        g.iri(&cat, &p(SKOS, "inScheme"), &categories);
        g.bilingual(
            &cat,
            &p(SKOS, "prefLabel"),
            d.category.label_zh(),
            category_en(d.category),
        );
        g.plain(&cat, &p(SKOS, "notation"), d.category.as_str());
    }
    // Authority values are typed here so a validator checks their classes without loading
    // the EU vocabularies.
    for d in datasets {
        g.a(frequency_iri(d.update_cycle), &p(DCT, "Frequency"));
        g.a(access_rights_iri(d.open_type), &p(DCT, "RightsStatement"));
    }
    if !datasets.is_empty() {
        g.a(
            access_rights_iri(OpenType::Open),
            &p(DCT, "RightsStatement"),
        );
        for f in FILES {
            g.a(&format!("{IANA}{}", f.media_type), &p(DCT, "MediaType"));
            g.a(
                &format!("{AUTHORITY}file-type/{}", f.file_type),
                &p(DCT, "MediaTypeOrExtent"),
            );
        }
        g.a(&stable(), &p(SKOS, "Concept"));
    }
    for lang in ["ZHO", "ENG"] {
        g.a(
            &format!("{AUTHORITY}language/{lang}"),
            &p(DCT, "LinguisticSystem"),
        );
    }
    g
}

/// One of the three downloads every dataset has.
struct File {
    key: &'static str,
    media_type: &'static str,
    file_type: &'static str,
    title_zh: &'static str,
    title_en: &'static str,
    description_zh: &'static str,
    description_en: &'static str,
}

const FILES: [File; 3] = [
    File {
        key: "csv",
        media_type: "text/csv",
        file_type: "CSV",
        title_zh: "CSV 文件",
        title_en: "CSV file",
        description_zh: "逗号分隔值文件，UTF-8 编码，带字节顺序标记（BOM）。",
        description_en: "Comma-separated values, UTF-8 with a byte order mark.",
    },
    File {
        key: "json",
        media_type: "application/json",
        file_type: "JSON",
        title_zh: "JSON 文件",
        title_en: "JSON file",
        description_zh: "JSON 格式的全部记录。",
        description_en: "Every record as JSON.",
    },
    File {
        key: "xlsx",
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_type: "XLSX",
        title_zh: "Excel 工作簿",
        title_en: "Excel workbook",
        description_zh: "Office Open XML 电子表格（.xlsx）。",
        description_en: "Office Open XML spreadsheet (.xlsx).",
    },
];

fn dataset(g: &mut Graph, base: &str, d: &Dataset) {
    let ds = dataset_iri(base, d);
    g.a(&ds, &p(DCAT, "Dataset"));
    g.bilingual(&ds, &p(DCT, "title"), &d.title_zh, &d.title_en);
    let en = d.description_en.as_deref().unwrap_or("");
    g.bilingual(
        &ds,
        &p(DCT, "description"),
        or_else(&d.description_zh, &d.title_zh),
        or_else(en, &d.title_en),
    );
    g.plain(&ds, &p(DCT, "identifier"), &d.id);
    g.iri(&ds, &p(DCT, "publisher"), &agent_iri(base, &d.publisher));
    g.iri(
        &ds,
        &p(DCAT, "contactPoint"),
        &contact_iri(base, &d.publisher),
    );
    for k in &d.keywords {
        g.plain(&ds, &p(DCAT, "keyword"), k.trim());
    }
    g.iri(&ds, &p(DCAT, "theme"), data_theme_iri(d.category));
    g.iri(&ds, &p(DCAT, "theme"), &category_iri(base, d.category));
    g.date_time(&ds, &p(DCT, "issued"), d.issued_ms);
    g.date_time(&ds, &p(DCT, "modified"), d.modified_ms);
    g.iri(
        &ds,
        &p(DCT, "accrualPeriodicity"),
        frequency_iri(d.update_cycle),
    );
    g.iri(&ds, &p(DCT, "spatial"), &region_iri(base, &d.region_code));
    g.iri(
        &ds,
        &p(DCT, "language"),
        &format!("{AUTHORITY}language/ZHO"),
    );
    g.iri(&ds, &p(DCAT, "landingPage"), &ds);
    g.iri(&ds, &p(DCT, "accessRights"), access_rights_iri(d.open_type));
    for f in FILES {
        g.iri(&ds, &p(DCAT, "distribution"), &format!("{ds}#{}", f.key));
    }
    for f in FILES {
        let dist = format!("{ds}#{}", f.key);
        let id = match f.key {
            "csv" => &d.csv_id,
            "json" => &d.json_id,
            _ => &d.xlsx_id,
        };
        g.a(&dist, &p(DCAT, "Distribution"));
        g.bilingual(&dist, &p(DCT, "title"), f.title_zh, f.title_en);
        g.bilingual(
            &dist,
            &p(DCT, "description"),
            f.description_zh,
            f.description_en,
        );
        g.plain(&dist, &p(DCT, "identifier"), id);
        g.iri(&dist, &p(DCAT, "accessURL"), &ds);
        g.iri(
            &dist,
            &p(DCAT, "downloadURL"),
            &format!("{ds}/data.{}", f.key),
        );
        g.iri(
            &dist,
            &p(DCAT, "mediaType"),
            &format!("{IANA}{}", f.media_type),
        );
        g.iri(
            &dist,
            &p(DCT, "format"),
            &format!("{AUTHORITY}file-type/{}", f.file_type),
        );
        g.iri(&dist, &p(DCT, "license"), &d.licence_url);
        g.iri(&dist, &p(DCATAP, "availability"), &stable());
        g.date_time(&dist, &p(DCT, "issued"), d.issued_ms);
        g.date_time(&dist, &p(DCT, "modified"), d.modified_ms);
    }
}

fn agent(g: &mut Graph, base: &str, homepage: &str, a: &Agent) {
    let s = agent_iri(base, a);
    g.a(&s, &p(FOAF, "Agent"));
    g.a(&s, &p(FOAF, "Organization"));
    g.bilingual(&s, &p(FOAF, "name"), &a.name_zh, &a.name_en);
    g.plain(&s, &p(DCT, "identifier"), &a.id);
    // Public bodies under a province: the ADMS publisher type for regional authorities.
    g.iri(
        &s,
        &p(DCT, "type"),
        "http://purl.org/adms/publishertype/RegionalAuthority",
    );
    g.a(
        "http://purl.org/adms/publishertype/RegionalAuthority",
        &p(SKOS, "Concept"),
    );
    let contact = contact_iri(base, a);
    g.a(&contact, &p(VCARD, "Organization"));
    g.bilingual(&contact, &p(VCARD, "fn"), &a.name_zh, &a.name_en);
    let url = a.homepage.as_deref().filter(|u| !u.trim().is_empty());
    let email = a.email.as_deref().filter(|e| !e.trim().is_empty());
    match (url, email) {
        (None, None) => g.iri(&contact, &p(VCARD, "hasURL"), homepage),
        _ => {
            if let Some(u) = url {
                g.iri(&contact, &p(VCARD, "hasURL"), u.trim());
            }
            if let Some(e) = email {
                g.iri(
                    &contact,
                    &p(VCARD, "hasEmail"),
                    &format!("mailto:{}", e.trim()),
                );
            }
        }
    }
}

fn licence(g: &mut Graph, url: &str) {
    g.a(url, &p(DCT, "LicenseDocument"));
}

fn region(g: &mut Graph, base: &str, code: &str) {
    let s = region_iri(base, code);
    g.a(&s, &p(DCT, "Location"));
    g.plain(&s, &p(SKOS, "notation"), code);
    if let Some(r) = shuqiao_core::region::find(code) {
        g.bilingual(&s, &p(SKOS, "prefLabel"), r.name, r.name_en);
    }
    if code == "460000" {
        g.iri(&s, &p(SKOS, "exactMatch"), GEONAMES_HAINAN);
    }
}

fn stable() -> String {
    format!("{AUTHORITY}planned-availability/STABLE")
}

fn category_en(c: Category) -> &'static str {
    match c {
        Category::Base => "Base information resources",
        Category::Theme => "Thematic information resources",
        Category::Department => "Departmental information resources",
    }
}

fn or_else<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.trim().is_empty() {
        fallback
    } else {
        text
    }
}

fn dataset_iri(base: &str, d: &Dataset) -> String {
    format!("{base}/datasets/{}", segment(&d.slug))
}

fn agent_iri(base: &str, a: &Agent) -> String {
    format!("{base}/organisations/{}", segment(&a.id))
}

fn contact_iri(base: &str, a: &Agent) -> String {
    format!("{}#contact", agent_iri(base, a))
}

fn region_iri(base: &str, code: &str) -> String {
    format!("{base}/regions/{}", segment(code))
}

fn category_iri(base: &str, c: Category) -> String {
    format!("{base}/categories/{}", c.as_str())
}

/// A path segment: everything but unreserved characters percent-encoded, so an odd slug or
/// code can neither leave its segment nor break the IRI.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An IRI as both formats may carry it: characters Turtle forbids inside `<…>` (spaces,
/// controls, `<>"{}|^`\`) percent-encoded. Built IRIs pass unchanged; this guards the ones
/// the caller supplies (licences, homepages, e-mail addresses).
fn iri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c <= ' ' || c == '\u{7f}' || "<>\"{}|^`\\".contains(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Milliseconds since the epoch as an `xsd:dateTime` in UTC, to the second.
fn date_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An IRI as a prefixed name when one of ours covers it and the rest is a plain local name.
fn compact(iri: &str) -> Option<String> {
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns) {
            let mut chars = local.chars();
            let first_ok = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Some(format!("{prefix}:{local}"));
            }
        }
    }
    None
}

fn turtle_iri(iri: &str) -> String {
    compact(iri).unwrap_or_else(|| format!("<{iri}>"))
}

/// A Turtle string body: quotes, backslashes and every control character escaped, so hostile
/// text can neither end the literal nor add triples.
fn turtle_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn turtle_term(t: &Term) -> String {
    match t {
        Term::Iri(i) => turtle_iri(i),
        Term::Plain(s) => turtle_string(s),
        Term::Lang(s, tag) => format!("{}@{tag}", turtle_string(s)),
        Term::Typed(s, dt) => format!("{}^^{}", turtle_string(s), turtle_iri(dt)),
    }
}

/// Each predicate's objects in first-use order.
fn grouped(props: &[(String, Term)]) -> Vec<(&str, Vec<&Term>)> {
    let mut out: Vec<(&str, Vec<&Term>)> = Vec::new();
    for (p, o) in props {
        match out.iter_mut().find(|(q, _)| q == p) {
            Some((_, objs)) => objs.push(o),
            None => out.push((p, vec![o])),
        }
    }
    out
}

fn turtle(g: &Graph) -> String {
    let mut out = String::new();
    for (prefix, ns) in PREFIXES {
        out.push_str(&format!("@prefix {prefix}: <{ns}> .\n"));
    }
    let rdf_type = format!("{RDF}type");
    for n in &g.nodes {
        out.push('\n');
        out.push_str(&turtle_iri(&n.iri));
        let groups = grouped(&n.props);
        for (i, (pred, objs)) in groups.iter().enumerate() {
            let pred = if *pred == rdf_type {
                "a".to_string()
            } else {
                turtle_iri(pred)
            };
            let objs: Vec<String> = objs.iter().map(|o| turtle_term(o)).collect();
            out.push_str(if i == 0 { "\n    " } else { " ;\n    " });
            out.push_str(&pred);
            out.push(' ');
            out.push_str(&objs.join(", "));
        }
        out.push_str(" .\n");
    }
    out
}

fn jsonld_term(t: &Term) -> Value {
    match t {
        Term::Iri(i) => json!({ "@id": i }),
        Term::Plain(s) => json!({ "@value": s }),
        Term::Lang(s, tag) => json!({ "@value": s, "@language": tag }),
        Term::Typed(s, dt) => {
            json!({ "@value": s, "@type": compact(dt).unwrap_or(dt.to_string()) })
        }
    }
}

fn jsonld(g: &Graph) -> Value {
    let mut context = Map::new();
    for (prefix, ns) in PREFIXES {
        context.insert(prefix.to_string(), Value::String(ns.to_string()));
    }
    let rdf_type = format!("{RDF}type");
    let mut nodes = Vec::with_capacity(g.nodes.len());
    for n in &g.nodes {
        let mut obj = Map::new();
        obj.insert("@id".into(), Value::String(n.iri.clone()));
        for (pred, objs) in grouped(&n.props) {
            if pred == rdf_type {
                let types = objs
                    .iter()
                    .map(|o| match o {
                        Term::Iri(i) => Value::String(compact(i).unwrap_or(i.clone())),
                        other => jsonld_term(other),
                    })
                    .collect();
                obj.insert("@type".into(), Value::Array(types));
            } else {
                let key = compact(pred).unwrap_or(pred.to_string());
                obj.insert(
                    key,
                    Value::Array(objs.into_iter().map(jsonld_term).collect()),
                );
            }
        }
        nodes.push(Value::Object(obj));
    }
    json!({ "@context": Value::Object(context), "@graph": nodes })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn agent(id: &str) -> Agent {
        Agent {
            id: id.into(),
            name_zh: "海南省市场监督管理局".into(),
            name_en: "Hainan Administration for Market Regulation".into(),
            homepage: None,
            email: Some("open@example.gov.cn".into()),
        }
    }

    pub fn sample_dataset(slug: &str, open: OpenType) -> Dataset {
        Dataset {
            id: "0b9e5a52-6d1f-4c1a-9d55-1f2b3c4d5e6f".into(),
            slug: slug.into(),
            title_zh: "市场主体登记信息".into(),
            title_en: "Market entity registrations".into(),
            description_zh: "全省市场主体登记的基本信息。".into(),
            description_en: None,
            publisher: agent("hi-scjgj"),
            keywords: vec!["市场主体".into(), "登记".into()],
            category: Category::Base,
            issued_ms: 1_767_225_600_000,
            modified_ms: 1_767_312_000_123,
            update_cycle: UpdateCycle::HalfYearly,
            open_type: open,
            licence_url: "http://127.0.0.1:8080/licence".into(),
            region_code: "460000".into(),
            csv_id: "11111111-1111-4111-8111-111111111111".into(),
            json_id: "22222222-2222-4222-8222-222222222222".into(),
            xlsx_id: "33333333-3333-4333-8333-333333333333".into(),
        }
    }

    pub fn sample() -> Catalogue {
        let mut hostile = sample_dataset("hostile", OpenType::Open);
        hostile.title_zh = "恶意\"标题\\\n<script>alert(1)</script>\u{7}".into();
        hostile.description_en = Some("line\r\nbreak \"q\" \\ end".into());
        Catalogue {
            base: "http://127.0.0.1:8080".into(),
            title_zh: "海南省公共数据开放平台".into(),
            title_en: "Hainan Open Data Portal".into(),
            description_zh: "海南省各部门开放的公共数据。".into(),
            description_en: "Public data released by Hainan's departments.".into(),
            publisher: agent("hi-dsj"),
            region_code: "460000".into(),
            licence_url: "http://127.0.0.1:8080/licence".into(),
            modified_ms: 1_767_312_000_000,
            datasets: vec![
                sample_dataset("market-entities", OpenType::Open),
                sample_dataset("permits", OpenType::Conditional),
                hostile,
            ],
        }
    }

    #[test]
    fn hostile_text_is_escaped_in_turtle() {
        let c = sample();
        let ttl = dataset_turtle(&c, &c.datasets[2]);
        assert!(
            ttl.contains("\"恶意\\\"标题\\\\\\n<script>alert(1)</script>\\u0007\"@zh"),
            "{ttl}"
        );
        assert!(ttl.contains("\"line\\r\\nbreak \\\"q\\\" \\\\ end\"@en"));
        // No literal spans lines: every line of the document is a prefix, a subject or a
        // property, or blank.
        for line in ttl.lines() {
            assert!(!line.contains('\r') && !line.contains('\u{7}'), "{line}");
        }
    }

    #[test]
    fn hostile_text_survives_jsonld() {
        let c = sample();
        let doc = dataset_jsonld(&c, &c.datasets[2]);
        let text = serde_json::to_string(&doc).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        assert!(text.contains("恶意\\\"标题\\\\\\n<script>"));
    }

    #[test]
    fn same_input_same_bytes() {
        let c = sample();
        assert_eq!(catalogue_turtle(&c), catalogue_turtle(&c.clone()));
        assert_eq!(
            serde_json::to_string(&catalogue_jsonld(&c)).unwrap(),
            serde_json::to_string(&catalogue_jsonld(&c.clone())).unwrap()
        );
    }

    #[test]
    fn every_dataset_has_its_three_distributions() {
        let c = sample();
        let ttl = catalogue_turtle(&c);
        for d in &c.datasets {
            let ds = format!("http://127.0.0.1:8080/datasets/{}", d.slug);
            for (key, mt) in [
                ("csv", "text/csv"),
                ("json", "application/json"),
                (
                    "xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ] {
                assert!(ttl.contains(&format!("\n<{ds}#{key}>\n    a dcat:Distribution ;")));
                assert!(ttl.contains(&format!("dcat:downloadURL <{ds}/data.{key}>")));
                assert!(ttl.contains(&format!(
                    "<https://www.iana.org/assignments/media-types/{mt}>"
                )));
            }
            assert!(ttl.contains(&format!(
                "dcat:distribution <{ds}#csv>, <{ds}#json>, <{ds}#xlsx>"
            )));
        }
        let doc = catalogue_jsonld(&c);
        let graph = doc["@graph"].as_array().unwrap();
        let dists = graph
            .iter()
            .filter(|n| n["@type"][0] == "dcat:Distribution")
            .count();
        assert_eq!(dists, 3 * c.datasets.len());
    }

    #[test]
    fn frequencies_follow_the_eu_authority() {
        let expect = [
            (UpdateCycle::Realtime, "UPDATE_CONT"),
            (UpdateCycle::Daily, "DAILY"),
            (UpdateCycle::Weekly, "WEEKLY"),
            (UpdateCycle::Monthly, "MONTHLY"),
            (UpdateCycle::Quarterly, "QUARTERLY"),
            (UpdateCycle::HalfYearly, "ANNUAL_2"),
            (UpdateCycle::Yearly, "ANNUAL"),
            (UpdateCycle::Irregular, "IRREG"),
        ];
        assert_eq!(expect.len(), UpdateCycle::ALL.len());
        for (cycle, code) in expect {
            assert_eq!(
                frequency_iri(cycle),
                format!("http://publications.europa.eu/resource/authority/frequency/{code}")
            );
        }
    }

    #[test]
    fn missing_english_description_falls_back_to_the_title() {
        let c = sample();
        let ttl = dataset_turtle(&c, &c.datasets[0]);
        assert!(ttl.contains("dct:description \"全省市场主体登记的基本信息。\"@zh, \"Market entity registrations\"@en"), "{ttl}");
        assert!(!ttl.contains("\"\"@"));
    }

    #[test]
    fn dates_are_utc_date_times() {
        assert_eq!(date_time(1_767_312_000_123), "2026-01-02T00:00:00Z");
        assert_eq!(date_time(-1), "1969-12-31T23:59:59Z");
        let c = sample();
        assert!(catalogue_turtle(&c).contains("dct:issued \"2026-01-01T00:00:00Z\"^^xsd:dateTime"));
    }

    #[test]
    fn odd_slugs_and_supplied_iris_stay_inside_their_iri() {
        let mut c = sample();
        c.datasets[0].slug = "a b/../c>".into();
        c.datasets[0].licence_url = "http://x/l i\"c>".into();
        let ttl = catalogue_turtle(&c);
        assert!(ttl.contains("<http://127.0.0.1:8080/datasets/a%20b%2F..%2Fc%3E>"));
        assert!(ttl.contains("<http://x/l%20i%22c%3E>"));
    }

    #[test]
    fn access_rights_and_themes() {
        let c = sample();
        let ttl = catalogue_turtle(&c);
        assert!(ttl.contains("access-right/PUBLIC>"));
        assert!(ttl.contains("access-right/RESTRICTED>"));
        assert!(ttl.contains("data-theme/GOVE>"));
        assert!(ttl.contains("<http://127.0.0.1:8080/categories/base>"));
        assert!(ttl.contains("skos:exactMatch <https://sws.geonames.org/1809054/>"));
    }
}

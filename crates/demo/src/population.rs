//! Synthetic base data of the demo province: a population (全员人口基础信息), companies
//! (企业登记信息) and their business licences (营业执照信息), deterministic in the seed, plus a
//! small GBK CSV with deliberately bad rows for the README's collection walk-through.
//!
//! Every generator is stateless per row: row `i` depends only on `(seed, i)`, so the first
//! `n` rows are the same whatever `n` is, and a row can be rebuilt without its predecessors.
//! Identifiers are derived from the index by bijections, never drawn at random, so they
//! cannot collide.
use std::io::{self, Write};

use super::{tables, DemoDataError, Rng};
use shuqiao_core::ident;

/// One generated table: the resource it belongs to (by its demo catalog NAME, since codes are
/// allocated at load time) and the item codes in column order. The rows of the matching
/// generator hold text cells in the same order (empty string = absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub resource_name: &'static str,
    pub columns: Vec<&'static str>,
}

impl Table {
    /// The Chinese item names of the columns, from the demo catalog (the code itself for a
    /// column the catalog does not know).
    pub fn header_names(&self) -> Result<Vec<&'static str>, DemoDataError> {
        let spec = tables::tables()?.resource(self.resource_name);
        Ok(self
            .columns
            .iter()
            .map(|code| {
                spec.and_then(|s| s.items.iter().find(|it| it.code == *code))
                    .map_or(*code, |it| it.name.as_str())
            })
            .collect())
    }
}

pub const POPULATION_RESOURCE: &str = "全员人口基础信息";
pub const COMPANIES_RESOURCE: &str = "企业登记信息";
pub const LICENCES_RESOURCE: &str = "营业执照信息";

/// The demo citizen (see [`super::identities`]): always the first generated person.
pub const DEMO_CITIZEN_ID: &str = "460106199003071235";
pub const DEMO_CITIZEN_NAME: &str = "王海燕";
/// The demo company (see [`super::identities`]): always the first generated company.
pub const DEMO_COMPANY_CODE: &str = "91460100MA5T20260J";
pub const DEMO_COMPANY_NAME: &str = "海南椰风食品有限公司";

/// Column order of each generated table; the cells of every row follow it.
pub fn population_table() -> Table {
    Table {
        resource_name: POPULATION_RESOURCE,
        columns: vec![
            "GMSFHM",
            "XM",
            "XB",
            "MZ",
            "CSRQ",
            "CSD",
            "HJDZ",
            "HJDXZQHDM",
            "WHCD",
            "HYZK",
            "SWBS",
            "GXSJ",
        ],
    }
}

pub fn companies_table() -> Table {
    Table {
        resource_name: COMPANIES_RESOURCE,
        columns: vec![
            "TYSHXYDM", "QYMC", "QYLX", "FDDBR", "ZCZB", "BZ", "CLRQ", "YYQXZ", "JYFW", "ZS",
            "DJJG", "DJZT",
        ],
    }
}

/// 营业执照信息 without the licence file (证照文件, binary, optional).
pub fn licences_table() -> Table {
    Table {
        resource_name: LICENCES_RESOURCE,
        columns: vec![
            "ZZBH", "CZZTMC", "TYSHXYDM", "LX", "FDDBR", "ZCZB", "ZS", "JYFW", "FZJG", "FZRQ",
            "YXQZ", "ZZZT",
        ],
    }
}

// ---------------------------------------------------------------------------------------
// Dates: days since 1970-01-01 (proleptic Gregorian), so no fallible date constructors.

const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The last day any generated date may fall on (births, registrations, updates).
const LAST_DAY: i64 = days_from_civil(2026, 11, 30);
const FIRST_DAY_2026: i64 = days_from_civil(2026, 1, 1);
/// The day ages are counted at.
const REFERENCE_DAY: i64 = days_from_civil(2026, 12, 1);

const DIGIT_PAIRS: &str = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/// Appends `v` in decimal, zero-padded to `width` digits (at most 20).
fn push_digits(s: &mut String, v: u64, width: usize) {
    if width == 2 && v < 100 {
        let i = v as usize * 2;
        s.push_str(DIGIT_PAIRS.get(i..i + 2).unwrap_or("00"));
        return;
    }
    let mut buf = [b'0'; 20];
    let mut v = v;
    let mut i = buf.len();
    while v > 0 && i > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = i.min(buf.len() - width.min(buf.len()));
    // Only ASCII digits were written.
    s.push_str(std::str::from_utf8(&buf[start..]).unwrap_or_default());
}

/// `YYYY-MM-DD`, or `YYYYMMDD` without separators.
fn push_date(s: &mut String, day: i64, sep: bool) {
    let (y, m, d) = civil_from_days(day);
    push_digits(s, (y / 100) as u64, 2);
    push_digits(s, (y % 100) as u64, 2);
    if sep {
        s.push('-');
    }
    push_digits(s, m as u64, 2);
    if sep {
        s.push('-');
    }
    push_digits(s, d as u64, 2);
}

fn date_string(day: i64) -> String {
    let mut s = String::with_capacity(10);
    push_date(&mut s, day, true);
    s
}

fn datetime_string(day: i64, second_of_day: u64) -> String {
    let mut s = String::with_capacity(19);
    push_date(&mut s, day, true);
    s.push(' ');
    push_digits(&mut s, second_of_day / 3600 % 24, 2);
    s.push(':');
    push_digits(&mut s, second_of_day / 60 % 60, 2);
    s.push(':');
    push_digits(&mut s, second_of_day % 60, 2);
    s
}

/// A day in `[from, to]` (inclusive).
fn day_between(rng: &mut Rng, from: i64, to: i64) -> i64 {
    from + rng.below((to - from + 1).max(1) as u64) as i64
}

// ---------------------------------------------------------------------------------------
// Randomness per row.

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const STREAM_PERSON: u64 = 1;
const STREAM_COMPANY: u64 = 2;
const STREAM_LICENCE: u64 = 3;
const STREAM_LAYOUT: u64 = 4;

/// The random stream of row `i` of one table: independent of every other row.
fn row_rng(seed: u64, stream: u64, i: u64) -> Rng {
    Rng::new(mix64(
        mix64(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F)) ^ mix64(i.wrapping_add(1)),
    ))
}

fn pick_str(rng: &mut Rng, xs: &[&'static str]) -> &'static str {
    xs.get(rng.below(xs.len() as u64) as usize)
        .copied()
        .unwrap_or_default()
}

/// Picks from `(value, weight)` pairs.
fn weighted<T: Copy>(rng: &mut Rng, xs: &[(T, u32)]) -> T {
    let total: u64 = xs.iter().map(|x| u64::from(x.1)).sum();
    let mut r = rng.below(total);
    for &(v, w) in xs {
        if r < u64::from(w) {
            return v;
        }
        r -= u64::from(w);
    }
    xs[xs.len() - 1].0
}

// ---------------------------------------------------------------------------------------
// Places: Hainan's county-level divisions (GB/T 2260) people live in. 三沙 is left out.

struct Place {
    code: &'static str,
    /// Name as written in an address after 海南省: 海口市龙华区, 琼海市.
    full: &'static str,
    /// Name used at the start of company names.
    short: &'static str,
    /// Relative population.
    weight: u32,
    /// 黎族 and 苗族 per 10,000 residents.
    li: u32,
    miao: u32,
    /// Towns (镇) for addresses; empty for urban districts, which use `roads`.
    towns: &'static [&'static str],
    roads: &'static [&'static str],
}

const HAIKOU_ROADS: &[&str] = &[
    "滨海大道",
    "龙昆南路",
    "海秀中路",
    "国兴大道",
    "海府路",
    "金盘路",
    "南沙路",
    "龙华路",
    "白龙南路",
    "和平大道",
    "椰海大道",
    "长滨路",
    "丘海大道",
    "凤翔路",
    "海甸五西路",
    "大同路",
];
const SANYA_ROADS: &[&str] = &[
    "迎宾路",
    "解放路",
    "河东路",
    "凤凰路",
    "榆亚路",
    "三亚湾路",
    "新风街",
    "胜利路",
    "崖州湾大道",
    "海棠北路",
    "鹿岭路",
    "月川路",
];
const TOWN_ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "新华路",
    "文明路",
    "建设路",
    "兴业路",
    "和平路",
    "中山路",
    "环城路",
    "振兴路",
    "友谊路",
    "红旗路",
];
const VILLAGES: &[&str] = &[
    "新民", "东风", "红星", "南丰", "长安", "和平", "福安", "永兴", "大坡", "东岭", "北山", "南港",
];

const PLACES: &[Place] = &[
    Place {
        code: "460105",
        full: "海口市秀英区",
        short: "海口",
        weight: 45,
        li: 100,
        miao: 10,
        towns: &[],
        roads: HAIKOU_ROADS,
    },
    Place {
        code: "460106",
        full: "海口市龙华区",
        short: "海口",
        weight: 75,
        li: 100,
        miao: 10,
        towns: &[],
        roads: HAIKOU_ROADS,
    },
    Place {
        code: "460107",
        full: "海口市琼山区",
        short: "海口",
        weight: 60,
        li: 80,
        miao: 10,
        towns: &[],
        roads: HAIKOU_ROADS,
    },
    Place {
        code: "460108",
        full: "海口市美兰区",
        short: "海口",
        weight: 110,
        li: 80,
        miao: 10,
        towns: &[],
        roads: HAIKOU_ROADS,
    },
    Place {
        code: "460202",
        full: "三亚市海棠区",
        short: "三亚",
        weight: 20,
        li: 1500,
        miao: 30,
        towns: &[],
        roads: SANYA_ROADS,
    },
    Place {
        code: "460203",
        full: "三亚市吉阳区",
        short: "三亚",
        weight: 40,
        li: 1500,
        miao: 30,
        towns: &[],
        roads: SANYA_ROADS,
    },
    Place {
        code: "460204",
        full: "三亚市天涯区",
        short: "三亚",
        weight: 30,
        li: 1200,
        miao: 30,
        towns: &[],
        roads: SANYA_ROADS,
    },
    Place {
        code: "460205",
        full: "三亚市崖州区",
        short: "三亚",
        weight: 15,
        li: 1500,
        miao: 30,
        towns: &[],
        roads: SANYA_ROADS,
    },
    Place {
        code: "460400",
        full: "儋州市",
        short: "儋州",
        weight: 95,
        li: 300,
        miao: 20,
        towns: &["那大镇", "白马井镇", "中和镇", "南丰镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469001",
        full: "五指山市",
        short: "五指山",
        weight: 11,
        li: 6000,
        miao: 300,
        towns: &["通什镇", "南圣镇", "毛阳镇", "番阳镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469002",
        full: "琼海市",
        short: "琼海",
        weight: 53,
        li: 100,
        miao: 10,
        towns: &["嘉积镇", "博鳌镇", "万泉镇", "长坡镇", "潭门镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469005",
        full: "文昌市",
        short: "文昌",
        weight: 56,
        li: 50,
        miao: 10,
        towns: &["文城镇", "龙楼镇", "东郊镇", "会文镇", "铺前镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469006",
        full: "万宁市",
        short: "万宁",
        weight: 55,
        li: 300,
        miao: 20,
        towns: &["万城镇", "和乐镇", "东澳镇", "礼纪镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469007",
        full: "东方市",
        short: "东方",
        weight: 44,
        li: 3500,
        miao: 50,
        towns: &["八所镇", "东河镇", "感城镇", "板桥镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469021",
        full: "定安县",
        short: "定安",
        weight: 28,
        li: 100,
        miao: 10,
        towns: &["定城镇", "龙门镇", "新竹镇", "黄竹镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469022",
        full: "屯昌县",
        short: "屯昌",
        weight: 25,
        li: 200,
        miao: 50,
        towns: &["屯城镇", "新兴镇", "南坤镇", "乌坡镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469023",
        full: "澄迈县",
        short: "澄迈",
        weight: 50,
        li: 100,
        miao: 10,
        towns: &["金江镇", "老城镇", "福山镇", "永发镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469024",
        full: "临高县",
        short: "临高",
        weight: 42,
        li: 50,
        miao: 10,
        towns: &["临城镇", "博厚镇", "新盈镇", "波莲镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469025",
        full: "白沙黎族自治县",
        short: "白沙",
        weight: 17,
        li: 6000,
        miao: 200,
        towns: &["牙叉镇", "邦溪镇", "七坊镇", "打安镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469026",
        full: "昌江黎族自治县",
        short: "昌江",
        weight: 23,
        li: 3500,
        miao: 50,
        towns: &["石碌镇", "叉河镇", "海尾镇", "乌烈镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469027",
        full: "乐东黎族自治县",
        short: "乐东",
        weight: 47,
        li: 4000,
        miao: 50,
        towns: &["抱由镇", "黄流镇", "九所镇", "利国镇", "佛罗镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469028",
        full: "陵水黎族自治县",
        short: "陵水",
        weight: 36,
        li: 5500,
        miao: 100,
        towns: &["椰林镇", "英州镇", "新村镇", "光坡镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469029",
        full: "保亭黎族苗族自治县",
        short: "保亭",
        weight: 15,
        li: 6000,
        miao: 500,
        towns: &["保城镇", "什玲镇", "响水镇", "新政镇"],
        roads: TOWN_ROADS,
    },
    Place {
        code: "469030",
        full: "琼中黎族苗族自治县",
        short: "琼中",
        weight: 17,
        li: 5500,
        miao: 800,
        towns: &["营根镇", "湾岭镇", "黎母山镇", "红毛镇"],
        roads: TOWN_ROADS,
    },
];

/// Index into PLACES, weighted by population.
fn pick_place(rng: &mut Rng) -> usize {
    let total: u64 = PLACES.iter().map(|p| u64::from(p.weight)).sum();
    let mut r = rng.below(total);
    for (i, p) in PLACES.iter().enumerate() {
        if r < u64::from(p.weight) {
            return i;
        }
        r -= u64::from(p.weight);
    }
    0
}

/// 海南省 + place + street and number (and often a flat).
fn address(rng: &mut Rng, place: &Place) -> String {
    let mut s = String::with_capacity(96);
    s.push_str("海南省");
    s.push_str(place.full);
    if !place.towns.is_empty() {
        s.push_str(pick_str(rng, place.towns));
        if rng.below(10) < 3 {
            s.push_str(pick_str(rng, VILLAGES));
            s.push('村');
            push_digits(&mut s, 1 + rng.below(120), 1);
            s.push('号');
            return s;
        }
    }
    s.push_str(pick_str(rng, place.roads));
    push_digits(&mut s, 1 + rng.below(399), 1);
    s.push('号');
    if rng.below(10) < 5 {
        push_digits(&mut s, 1 + rng.below(18), 1);
        s.push('栋');
        push_digits(&mut s, 1 + rng.below(28), 1);
        push_digits(&mut s, 1 + rng.below(6), 2);
        s.push('房');
    }
    s
}

// ---------------------------------------------------------------------------------------
// Names.

const SURNAMES: &[(&str, u32)] = &[
    ("王", 90),
    ("陈", 85),
    ("李", 70),
    ("吴", 60),
    ("林", 55),
    ("黄", 50),
    ("符", 48),
    ("张", 40),
    ("刘", 30),
    ("邢", 25),
    ("周", 22),
    ("郑", 20),
    ("冯", 18),
    ("云", 15),
    ("杨", 15),
    ("蔡", 14),
    ("羊", 10),
    ("梁", 12),
    ("吉", 8),
    ("卓", 6),
    ("谢", 10),
    ("许", 10),
    ("何", 10),
    ("曾", 9),
    ("钟", 8),
    ("潘", 8),
    ("韩", 8),
    ("詹", 6),
    ("麦", 6),
    ("苏", 6),
    ("蒙", 5),
    ("文", 6),
    ("孙", 6),
    ("莫", 6),
    ("陆", 4),
    ("欧阳", 2),
];
const MALE_FIRST: &[&str] = &[
    "海", "志", "建", "国", "明", "文", "德", "家", "俊", "伟", "振", "光", "春", "永", "福", "庆",
    "子", "浩", "宇", "少", "天", "世", "开", "君",
];
const MALE_SECOND: &[&str] = &[
    "强", "军", "华", "勇", "杰", "涛", "斌", "辉", "峰", "磊", "鹏", "宇", "博", "锋", "成", "荣",
    "兴", "东", "平", "龙", "轩", "豪", "安", "雄",
];
const FEMALE_FIRST: &[&str] = &[
    "海", "丽", "秀", "美", "春", "晓", "雅", "慧", "小", "玉", "月", "思", "梓", "佳", "金", "翠",
    "彩", "淑", "雪", "红",
];
const FEMALE_SECOND: &[&str] = &[
    "燕", "芳", "娟", "玲", "琼", "梅", "兰", "霞", "婷", "静", "敏", "英", "萍", "艳", "琳", "洁",
    "颖", "倩", "欣", "怡", "花", "凤", "珍", "涵",
];

fn name(rng: &mut Rng, male: bool) -> String {
    let mut s = String::with_capacity(12);
    s.push_str(weighted(rng, SURNAMES));
    let (first, second) = if male {
        (MALE_FIRST, MALE_SECOND)
    } else {
        (FEMALE_FIRST, FEMALE_SECOND)
    };
    if rng.below(5) > 0 {
        s.push_str(pick_str(rng, first));
    }
    s.push_str(pick_str(rng, second));
    s
}

// ---------------------------------------------------------------------------------------
// Population.

/// Birth cohorts: (first year, relative size). The last one ends on LAST_DAY.
const COHORTS: &[(i64, u32)] = &[
    (1931, 4),
    (1936, 7),
    (1941, 10),
    (1946, 15),
    (1951, 24),
    (1956, 28),
    (1961, 45),
    (1966, 60),
    (1971, 68),
    (1976, 70),
    (1981, 78),
    (1986, 88),
    (1991, 82),
    (1996, 70),
    (2001, 62),
    (2006, 65),
    (2011, 72),
    (2016, 70),
    (2021, 45),
];

/// Residue classes of the person index: person `i` is in slot `i % SLOTS`.
const SLOTS: u64 = 4096;
/// Multiplier of the in-cell permutation; a prime larger than any cell's day count and not
/// dividing 1000, hence coprime to every cell capacity (days × 1000).
const CELL_MULTIPLIER: u64 = 1_000_003;

/// A (place, birth cohort) pair and the share of slots it gets.
struct Cell {
    place: u8,
    first_day: i64,
    /// Positions in the cell: days × 1000 sequence numbers (顺序码 000–999).
    capacity: u64,
    /// How many slots lead into this cell.
    slots: u64,
    offset: u64,
}

#[derive(Clone, Copy)]
struct Slot {
    cell: u16,
    /// This slot's rank among the cell's slots.
    rank: u64,
}

/// What a 公民身份号码 is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct IdParts {
    place: u8,
    birth_day: i64,
    seq: u64,
}

/// The bijection from person index to identity: `i` -> slot `i % SLOTS` and round
/// `q = i / SLOTS`; the slot names a cell and its rank `k` among the cell's `m` slots; the
/// position `p = q·m + k` is distinct for every `i` reaching the cell, and stays below the
/// cell's capacity while `i < capacity`; `p -> (p·A + offset) mod capacity` permutes the cell;
/// the result splits into birth day and sequence number. The cells weight places and birth
/// cohorts by population; the slots are shuffled so that consecutive persons look unrelated.
struct PersonLayout {
    seed: u64,
    cells: Vec<Cell>,
    slots: Vec<Slot>,
    /// Persons with distinct identities (the iterator stops there; well over 10,000,000).
    capacity: u64,
    /// The identity of index 0, unused because person 0 is the demo citizen; it goes to the
    /// one index (if any) whose identity is the demo citizen's.
    spare: IdParts,
    citizen: IdParts,
}

impl PersonLayout {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(mix64(seed ^ STREAM_LAYOUT));
        let mut cells = Vec::with_capacity(PLACES.len() * COHORTS.len());
        let mut quotas = Vec::with_capacity(cells.capacity());
        let total: u64 = PLACES.iter().map(|p| u64::from(p.weight)).sum::<u64>()
            * COHORTS.iter().map(|c| u64::from(c.1)).sum::<u64>();
        for (pi, place) in PLACES.iter().enumerate() {
            for (ci, &(year, weight)) in COHORTS.iter().enumerate() {
                let first_day = days_from_civil(year, 1, 1);
                let last_day = match COHORTS.get(ci + 1) {
                    Some(&(next, _)) => days_from_civil(next, 1, 1) - 1,
                    None => LAST_DAY,
                };
                let capacity = (last_day - first_day + 1) as u64 * 1000;
                let share = u64::from(place.weight) * u64::from(weight) * SLOTS;
                quotas.push((share / total, share % total));
                cells.push(Cell {
                    place: pi as u8,
                    first_day,
                    capacity,
                    slots: share / total,
                    offset: rng.below(capacity),
                });
            }
        }
        // Largest remainders get the slots the floors left over.
        let assigned: u64 = cells.iter().map(|c| c.slots).sum();
        let mut order: Vec<usize> = (0..cells.len()).collect();
        order.sort_by(|&a, &b| quotas[b].1.cmp(&quotas[a].1).then(a.cmp(&b)));
        for &c in order.iter().take((SLOTS - assigned) as usize) {
            cells[c].slots += 1;
        }
        let mut slots = Vec::with_capacity(SLOTS as usize);
        for (ci, cell) in cells.iter().enumerate() {
            for rank in 0..cell.slots {
                slots.push(Slot {
                    cell: ci as u16,
                    rank,
                });
            }
        }
        for i in (1..slots.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            slots.swap(i, j);
        }
        let capacity = cells
            .iter()
            .filter(|c| c.slots > 0)
            .map(|c| c.capacity / c.slots * SLOTS)
            .min()
            .unwrap_or(0);
        let citizen = IdParts {
            place: PLACES.iter().position(|p| p.code == "460106").unwrap_or(0) as u8,
            birth_day: days_from_civil(1990, 3, 7),
            seq: 123,
        };
        let mut layout = PersonLayout {
            seed,
            cells,
            slots,
            capacity,
            spare: citizen,
            citizen,
        };
        layout.spare = layout.raw_parts(0);
        layout
    }

    fn raw_parts(&self, i: u64) -> IdParts {
        let slot = self.slots[(i % SLOTS) as usize % self.slots.len()];
        let cell = &self.cells[slot.cell as usize];
        let p = ((i / SLOTS) * cell.slots + slot.rank) % cell.capacity;
        let permuted = (p * CELL_MULTIPLIER % cell.capacity + cell.offset) % cell.capacity;
        IdParts {
            place: cell.place,
            birth_day: cell.first_day + (permuted / 1000) as i64,
            seq: permuted % 1000,
        }
    }

    fn parts(&self, i: u64) -> IdParts {
        if i == 0 {
            return self.citizen;
        }
        let parts = self.raw_parts(i);
        if parts == self.citizen {
            self.spare
        } else {
            parts
        }
    }

    fn id_number(&self, parts: IdParts) -> String {
        let mut id = String::with_capacity(18);
        id.push_str(PLACES[parts.place as usize].code);
        push_date(&mut id, parts.birth_day, false);
        push_digits(&mut id, parts.seq, 3);
        let check = ident::id_number_check_char(&id).unwrap_or('0');
        id.push(check);
        id
    }

    fn person(&self, i: u64) -> Vec<String> {
        let parts = self.parts(i);
        if i == 0 {
            return demo_citizen();
        }
        let place = &PLACES[parts.place as usize];
        let male = parts.seq % 2 == 1;
        let age = (REFERENCE_DAY - parts.birth_day) * 10_000 / 3_652_425;
        let (birth_year, _, _) = civil_from_days(parts.birth_day);
        let mut rng = row_rng(self.seed, STREAM_PERSON, i);
        let nation = nation(&mut rng, place);
        let birth_place = match rng.below(100) {
            0..=84 => format!("海南省{}", place.full),
            85..=92 => format!("海南省{}", PLACES[pick_place(&mut rng)].full),
            _ => rng.pick(ELSEWHERE).to_string(),
        };
        let education = education(&mut rng, age, birth_year);
        let marital = marital(&mut rng, age);
        let dead_per_10k = if age >= 85 {
            400
        } else if age >= 70 {
            80
        } else {
            5
        };
        let dead = rng.below(10_000) < dead_per_10k;
        let updated = datetime_string(
            day_between(&mut rng, parts.birth_day.max(FIRST_DAY_2026), LAST_DAY),
            rng.below(86_400),
        );
        vec![
            self.id_number(parts),
            name(&mut rng, male),
            if male { "1" } else { "2" }.to_string(),
            nation.to_string(),
            date_string(parts.birth_day),
            birth_place,
            address(&mut rng, place),
            place.code.to_string(),
            education.to_string(),
            marital.to_string(),
            if dead { "true" } else { "false" }.to_string(),
            updated,
        ]
    }
}

/// 王海燕, the demo citizen. Her 性别 follows her ID number's 17th digit (3, odd: 1 男), as
/// GB 11643 and GB/T 2261.1 require.
fn demo_citizen() -> Vec<String> {
    [
        DEMO_CITIZEN_ID,
        DEMO_CITIZEN_NAME,
        "1",
        "01",
        "1990-03-07",
        "海南省海口市龙华区",
        "海南省海口市龙华区滨海大道89号3栋1502房",
        "460106",
        "20",
        "20",
        "false",
        "2026-11-02 09:30:00",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

const ELSEWHERE: &[&str] = &[
    "广东省湛江市",
    "广东省广州市",
    "广西壮族自治区北海市",
    "湖南省长沙市",
    "四川省成都市",
    "河南省郑州市",
    "黑龙江省哈尔滨市",
    "湖北省武汉市",
    "江西省赣州市",
    "福建省厦门市",
];

/// GB/T 3304 民族 codes: 01 汉, 19 黎, 06 苗, 08 壮, 03 回, and a few of the others.
fn nation(rng: &mut Rng, place: &Place) -> &'static str {
    const OTHERS: &[&str] = &[
        "02", "04", "05", "07", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "20",
        "22", "25", "28", "37", "56",
    ];
    let r = rng.below(10_000) as u32;
    let li = place.li;
    let miao = li + place.miao;
    if r < li {
        "19"
    } else if r < miao {
        "06"
    } else if r < miao + 60 {
        "08"
    } else if r < miao + 90 {
        "03"
    } else if r < miao + 120 {
        pick_str(rng, OTHERS)
    } else {
        "01"
    }
}

/// GB/T 4658 文化程度: 10 研究生 20 本科 30 专科 40 中职 60 高中 70 初中 80 小学 90 其他;
/// empty for children below school age.
fn education(rng: &mut Rng, age: i64, birth_year: i64) -> &'static str {
    match age {
        ..=5 => "",
        6..=11 => "80",
        12..=14 => "70",
        15..=17 => weighted(rng, &[("60", 70), ("40", 25), ("70", 5)]),
        18..=22 => weighted(rng, &[("60", 30), ("40", 20), ("30", 25), ("20", 25)]),
        _ if birth_year < 1960 => weighted(
            rng,
            &[
                ("80", 35),
                ("70", 30),
                ("60", 15),
                ("90", 12),
                ("40", 5),
                ("30", 3),
            ],
        ),
        _ if birth_year < 1980 => weighted(
            rng,
            &[
                ("70", 35),
                ("60", 25),
                ("80", 15),
                ("40", 10),
                ("30", 8),
                ("20", 6),
                ("10", 1),
            ],
        ),
        _ => weighted(
            rng,
            &[
                ("70", 20),
                ("60", 20),
                ("40", 12),
                ("30", 20),
                ("20", 23),
                ("10", 5),
            ],
        ),
    }
}

/// GB/T 2261.2 婚姻状况: 10 未婚 20 已婚 30 丧偶 40 离婚.
fn marital(rng: &mut Rng, age: i64) -> &'static str {
    match age {
        ..=19 => "10",
        20..=24 => weighted(rng, &[("10", 70), ("20", 30)]),
        25..=29 => weighted(rng, &[("10", 40), ("20", 57), ("40", 3)]),
        30..=59 => weighted(rng, &[("10", 8), ("20", 82), ("40", 8), ("30", 2)]),
        60..=79 => weighted(rng, &[("10", 2), ("20", 76), ("40", 4), ("30", 18)]),
        _ => weighted(rng, &[("10", 2), ("20", 46), ("40", 2), ("30", 50)]),
    }
}

/// `n` persons of 全员人口基础信息 in [`population_table`] column order, deterministic in
/// the seed: the i-th person is the same whatever is taken. Person 0 is the demo citizen
/// 王海燕 (460106199003071235). ID numbers are valid (GB 11643 check character, a real birth
/// date up to 2026-11-30, a Hainan county-level prefix) and distinct: the iterator ends
/// after well over 10,000,000 persons rather than repeat one.
pub fn persons(seed: u64) -> impl Iterator<Item = Vec<String>> {
    let layout = PersonLayout::new(seed);
    (0..layout.capacity).map(move |i| layout.person(i))
}

// ---------------------------------------------------------------------------------------
// Companies and their business licences.

/// (企业类型 code, its name as printed on the licence, relative frequency). Company names of
/// 股份有限公司 types end in 股份有限公司.
const COMPANY_TYPES: &[(&str, &str, u32)] = &[
    ("1130", "有限责任公司（自然人投资或控股）", 55),
    ("1151", "有限责任公司（自然人独资）", 30),
    ("1190", "其他有限责任公司", 10),
    ("1220", "股份有限公司（非上市）", 5),
];

/// (行业 in the name, 经营范围).
const INDUSTRIES: &[(&str, &str)] = &[
    (
        "贸易",
        "国内贸易代理；货物进出口；技术进出口；日用百货销售；五金产品批发",
    ),
    (
        "科技",
        "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；信息系统集成服务",
    ),
    (
        "旅游开发",
        "旅游业务；旅游开发项目策划咨询；酒店管理；会议及展览服务",
    ),
    (
        "农业开发",
        "热带作物种植；水果种植；农产品的生产、销售、加工、运输、贮藏及其他相关服务",
    ),
    (
        "食品",
        "食品销售；食品互联网销售；农副产品销售；椰子制品加工",
    ),
    ("投资", "以自有资金从事投资活动；企业管理咨询；财务咨询"),
    (
        "建设工程",
        "建设工程施工；建筑劳务分包；建筑装饰材料销售；园林绿化工程施工",
    ),
    (
        "文化传媒",
        "广告设计、代理；广告制作；组织文化艺术交流活动；数字内容制作服务",
    ),
    (
        "物流",
        "普通货物仓储服务；国内货物运输代理；国际货物运输代理；道路货物运输",
    ),
    ("餐饮管理", "餐饮服务；餐饮管理；食品销售；外卖递送服务"),
    ("海洋渔业", "水产养殖；水产品批发；水产品零售；远洋捕捞"),
    (
        "新能源",
        "太阳能发电技术服务；新能源汽车充电桩销售；储能技术服务",
    ),
    ("医药", "药品零售；医疗器械销售；保健食品销售"),
    ("房地产开发", "房地产开发经营；物业管理；住房租赁"),
    ("电子商务", "互联网销售；跨境电子商务；供应链管理服务"),
    ("教育咨询", "教育咨询服务；业务培训；组织文化艺术交流活动"),
    ("酒店管理", "酒店管理；住宿服务；餐饮服务；停车场服务"),
];

const TRADE_NAME_CHARS: &[&str] = &[
    "椰", "风", "海", "岛", "南", "洋", "琼", "崖", "鹿", "天", "博", "鸿", "泰", "盛", "华", "兴",
    "达", "嘉", "信", "恒", "瑞", "丰", "宏", "远", "金", "永", "和", "新", "源", "中", "润", "福",
    "万", "通", "利", "星", "辰", "蓝", "湾", "绿", "洲", "凤", "凰", "云", "帆", "昌", "隆", "鑫",
    "晟", "宸", "锦", "航",
];

/// Registered capital in yuan.
const CAPITALS: &[(u64, u32)] = &[
    (100_000, 10),
    (300_000, 10),
    (500_000, 15),
    (1_000_000, 25),
    (2_000_000, 10),
    (3_000_000, 8),
    (5_000_000, 10),
    (10_000_000, 7),
    (20_000_000, 3),
    (50_000_000, 1),
    (100_000_000, 1),
];

/// The credit code alphabet (GB 32100), which the organisation code part also uses.
const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 31^6 distinct six-character serials after the "MA" of a 主体标识码.
const COMPANY_CAPACITY: u64 = 31 * 31 * 31 * 31 * 31 * 31;
/// Multiplier of the serial permutation, coprime to 31.
const COMPANY_MULTIPLIER: u64 = 387_420_489;

/// The GB 11714 check character of a generated 主体标识码 body (`ident::org_code_check_char`).
fn org_code_check_char(body: &[u8; 8]) -> char {
    std::str::from_utf8(body)
        .ok()
        .and_then(ident::org_code_check_char)
        .unwrap_or('0')
}

/// `91` (市场监管部门, 企业) + region + 主体标识码 (`MA` + a serial that is a bijection of the
/// index + its GB 11714 check character) + the GB 32100 check character.
fn credit_code(seed: u64, i: u64, region: &str) -> String {
    let offset = mix64(seed ^ 0x5348_5551_4941_4F21) % COMPANY_CAPACITY;
    let mut serial = ((i % COMPANY_CAPACITY) * COMPANY_MULTIPLIER % COMPANY_CAPACITY + offset)
        % COMPANY_CAPACITY;
    let mut body = *b"MA000000";
    for b in body[2..].iter_mut().rev() {
        *b = CREDIT_ALPHABET[(serial % 31) as usize];
        serial /= 31;
    }
    let mut code = String::with_capacity(18);
    code.push_str("91");
    code.push_str(region);
    for &b in &body {
        code.push(char::from(b));
    }
    code.push(org_code_check_char(&body));
    let check = ident::credit_code_check_char(&code).unwrap_or('0');
    code.push(check);
    code
}

/// 登记状态: 01 存续, 02 吊销, 03 注销, 04 迁出. 证照状态: 01 有效, 02 废止.
struct Company {
    code: String,
    name: String,
    kind: usize,
    representative: String,
    capital: String,
    founded: i64,
    term_until: Option<i64>,
    scope: &'static str,
    address: String,
    authority: String,
    status: &'static str,
}

fn company(seed: u64, i: u64) -> Company {
    if i == 0 {
        return Company {
            code: DEMO_COMPANY_CODE.into(),
            name: DEMO_COMPANY_NAME.into(),
            kind: 0,
            representative: "林少华".into(),
            capital: "5000000.00".into(),
            founded: days_from_civil(2016, 5, 18),
            term_until: None,
            scope: "食品生产；食品销售；农副产品收购；椰子制品加工；货物进出口",
            address: "海南省海口市美兰区海甸五西路28号".into(),
            authority: "海口市市场监督管理局".into(),
            status: "01",
        };
    }
    let mut rng = row_rng(seed, STREAM_COMPANY, i);
    // County-level regions only, so no code can equal the demo company's (region 460100).
    let place = &PLACES[pick_place(&mut rng)];
    let kind = {
        let total: u64 = COMPANY_TYPES.iter().map(|t| u64::from(t.2)).sum();
        let mut r = rng.below(total);
        let mut k = 0;
        for (j, t) in COMPANY_TYPES.iter().enumerate() {
            if r < u64::from(t.2) {
                k = j;
                break;
            }
            r -= u64::from(t.2);
        }
        k
    };
    let (industry, scope) = *rng.pick(INDUSTRIES);
    let first = rng.below(TRADE_NAME_CHARS.len() as u64) as usize;
    let second = (first + 1 + rng.below(TRADE_NAME_CHARS.len() as u64 - 1) as usize)
        % TRADE_NAME_CHARS.len();
    let mut name = String::with_capacity(48);
    name.push_str(if rng.below(10) < 6 {
        "海南"
    } else {
        place.short
    });
    name.push_str(TRADE_NAME_CHARS[first]);
    name.push_str(TRADE_NAME_CHARS[second]);
    name.push_str(industry);
    name.push_str(if COMPANY_TYPES[kind].0.starts_with("12") {
        "股份有限公司"
    } else {
        "有限公司"
    });
    let founded = if rng.below(100) < 65 {
        day_between(&mut rng, days_from_civil(2018, 1, 1), LAST_DAY)
    } else {
        day_between(
            &mut rng,
            days_from_civil(1995, 1, 1),
            days_from_civil(2017, 12, 31),
        )
    };
    let term_until = if rng.below(10) < 3 {
        let (y, m, d) = civil_from_days(founded);
        let years = *rng.pick(&[20, 30, 50]);
        Some(days_from_civil(y + years, m, d.min(28)))
    } else {
        None
    };
    let mut capital = String::with_capacity(16);
    push_digits(&mut capital, weighted(&mut rng, CAPITALS), 1);
    capital.push_str(".00");
    Company {
        code: credit_code(seed, i, place.code),
        name,
        kind,
        representative: name_any(&mut rng),
        capital,
        founded,
        term_until,
        scope,
        address: address(&mut rng, place),
        authority: format!("{}市场监督管理局", place.full),
        status: weighted(&mut rng, &[("01", 88), ("02", 3), ("03", 8), ("04", 1)]),
    }
}

fn name_any(rng: &mut Rng) -> String {
    let male = rng.below(100) < 70;
    name(rng, male)
}

/// `n` companies of 企业登记信息 in [`companies_table`] column order, deterministic in the
/// seed. Company 0 is the demo company 海南椰风食品有限公司 (91460100MA5T20260J). Credit
/// codes are valid (GB 32100 and the GB 11714 check of the 主体标识码) and distinct: the
/// iterator ends after 31^6 companies rather than repeat one.
pub fn companies(seed: u64) -> impl Iterator<Item = Vec<String>> {
    (0..COMPANY_CAPACITY).map(move |i| {
        let c = company(seed, i);
        vec![
            c.code,
            c.name,
            COMPANY_TYPES[c.kind].0.to_string(),
            c.representative,
            c.capital,
            "CNY".to_string(),
            date_string(c.founded),
            c.term_until.map(date_string).unwrap_or_default(),
            c.scope.to_string(),
            c.address,
            c.authority,
            c.status.to_string(),
        ]
    })
}

/// The 营业执照 of company `i` of [`companies`] (same seed), in [`licences_table`] column
/// order: one licence per company, numbered after its credit code, with the company's
/// name, type, representative, capital, address and scope.
pub fn licences(seed: u64) -> impl Iterator<Item = Vec<String>> {
    (0..COMPANY_CAPACITY).map(move |i| {
        let c = company(seed, i);
        let mut rng = row_rng(seed, STREAM_LICENCE, i);
        let issued = if i == 0 || rng.below(10) < 6 {
            c.founded
        } else {
            day_between(&mut rng, c.founded, LAST_DAY)
        };
        vec![
            format!("YYZZ-{}-01", c.code),
            c.name,
            c.code,
            COMPANY_TYPES[c.kind].1.to_string(),
            c.representative,
            c.capital,
            c.address,
            c.scope.to_string(),
            c.authority,
            date_string(issued),
            c.term_until.map(date_string).unwrap_or_default(),
            if c.status == "01" { "01" } else { "02" }.to_string(),
        ]
    })
}

// ---------------------------------------------------------------------------------------
// CSV.

fn push_record<'a>(line: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (n, cell) in cells.enumerate() {
        if n > 0 {
            line.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            line.push('"');
            for ch in cell.chars() {
                if ch == '"' {
                    line.push('"');
                }
                line.push(ch);
            }
            line.push('"');
        } else {
            line.push_str(cell);
        }
    }
    line.push_str("\r\n");
}

/// GBK bytes of the characters met so far. GBK is stateless, so encoding a character at a
/// time gives what `encoding_rs::GBK.encode` gives for the whole row, but encoding_rs finds
/// a hanzi's GBK bytes by searching its index (slow for rows full of them), so each
/// character is looked up once.
struct GbkEncoder {
    /// Indexed by BMP code point: 0 not looked up yet, `UNMAPPABLE`, or `1 << 24 | len << 16
    /// | first byte << 8 | second byte`.
    table: Vec<u32>,
    bytes: Vec<u8>,
}

const UNMAPPABLE: u32 = u32::MAX;

impl GbkEncoder {
    fn new() -> Self {
        GbkEncoder {
            table: vec![0; 0x1_0000],
            bytes: Vec::with_capacity(512),
        }
    }

    fn lookup(ch: char) -> u32 {
        let mut buf = [0u8; 4];
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(ch.encode_utf8(&mut buf));
        match (unmappable, &bytes[..]) {
            (false, [a]) => 1 << 24 | 1 << 16 | u32::from(*a) << 8,
            (false, [a, b]) => 1 << 24 | 2 << 16 | u32::from(*a) << 8 | u32::from(*b),
            _ => UNMAPPABLE,
        }
    }

    /// The GBK bytes of `line`, or `None` if a character has none.
    fn encode(&mut self, line: &str) -> Option<&[u8]> {
        self.bytes.clear();
        for ch in line.chars() {
            if ch.is_ascii() {
                self.bytes.push(ch as u8);
                continue;
            }
            // GBK has no characters outside the BMP (GB18030's four-byte forms are not GBK).
            let slot = self.table.get_mut(ch as usize)?;
            if *slot == 0 {
                *slot = Self::lookup(ch);
            }
            let e = *slot;
            if e == UNMAPPABLE {
                return None;
            }
            self.bytes.push((e >> 8) as u8);
            if (e >> 16) & 0xFF == 2 {
                self.bytes.push(e as u8);
            }
        }
        Some(&self.bytes)
    }
}

fn emit(out: &mut impl Write, line: &str, gbk: Option<&mut GbkEncoder>) -> io::Result<()> {
    let Some(encoder) = gbk else {
        return out.write_all(line.as_bytes());
    };
    match encoder.encode(line) {
        Some(bytes) => out.write_all(bytes),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "a character of this row has no GBK encoding: {}",
                line.trim_end()
            ),
        )),
    }
}

/// Writes a CSV of `rows` (take the first `n` before calling) with a header of the item
/// names in Chinese (公民身份号码,姓名,…), records ending in CRLF, fields quoted when they
/// hold `,` `"` or a line break. `gbk = true` writes GBK, refusing a row with a character
/// GBK cannot encode; else UTF-8 without a byte-order mark. Returns the number of rows
/// written (the header not counted). Wrap `out` in a `BufWriter` for files.
pub fn write_csv(
    out: &mut impl Write,
    table: &Table,
    rows: impl Iterator<Item = Vec<String>>,
    gbk: bool,
) -> io::Result<u64> {
    let mut line = String::with_capacity(512);
    let mut encoder = gbk.then(GbkEncoder::new);
    let header = table.header_names().map_err(io::Error::other)?;
    push_record(&mut line, header.into_iter());
    emit(out, &line, encoder.as_mut())?;
    let mut written = 0;
    for row in rows {
        line.clear();
        push_record(&mut line, row.iter().map(String::as_str));
        emit(out, &line, encoder.as_mut())?;
        written += 1;
    }
    Ok(written)
}

// ---------------------------------------------------------------------------------------
// The walk-through's sample.

/// The line the next record of `rows` starts on (the header is line 1; no cell of the
/// sample holds a line break).
fn next_line(rows: &[Vec<String>]) -> u64 {
    rows.len() as u64 + 2
}

fn with_check(first17: &str) -> String {
    format!(
        "{first17}{}",
        ident::id_number_check_char(first17).unwrap_or('0')
    )
}

/// The walk-through's sample: a GBK CSV of 全员人口基础信息 (header in Chinese item names,
/// CRLF) with 21 data rows: new persons (from far beyond the first 100,000 generated with
/// [`super::DEFAULT_SEED`]), updates of persons 1–3 (a new address, a marriage), and
/// rows bad in exactly one way each. Returns the bytes and the expected problems as (line,
/// item code, reason), the header being line 1: `id_check_digit`, `id_birth_date`,
/// `id_region`, `required`, `invalid_date` and `too_long` (×2) from
/// [`shuqiao_core::collect::check_row`], `column_count` from the reader (item code empty), and
/// `duplicate_key` on the second of two rows with the same ID number (the store).
pub fn sample_bad_gbk_csv() -> (Vec<u8>, Vec<(u64, &'static str, &'static str)>) {
    let layout = PersonLayout::new(super::DEFAULT_SEED);
    let fresh = |k: u64| layout.person(1_000_000 + 7_919 * k);
    const XM: usize = 1;
    const XB: usize = 2;
    const CSRQ: usize = 4;
    const HJDZ: usize = 6;
    const HJDXZQHDM: usize = 7;
    const HYZK: usize = 9;
    const GXSJ: usize = 11;

    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut expected = Vec::new();

    // Line 2: a new person.
    rows.push(fresh(0));
    // Line 3: a new person whose address holds a comma (quoted) and whose dates are
    // written the way spreadsheets export them.
    let mut r = fresh(1);
    r[HJDZ] = format!("{}，{}", r[HJDZ], "近农贸市场,东门");
    r[CSRQ] = r[CSRQ].replace('-', "/");
    r[10] = "否".into();
    rows.push(r);
    // Line 4: person 1 moved house.
    let mut r = layout.person(1);
    r[HJDZ] = "海南省海口市美兰区海府路128号5栋602房".into();
    r[GXSJ] = "2026-11-28 10:15:00".into();
    rows.push(r);
    // Line 5: an ID number with a wrong check character.
    let mut r = fresh(2);
    let good = r[0].pop().unwrap_or('0');
    r[0].push(if good == '1' { '2' } else { '1' });
    expected.push((next_line(&rows), "GMSFHM", "id_check_digit"));
    rows.push(r);
    // Line 6: a new person.
    rows.push(fresh(3));
    // Line 7: an ID number whose birth date (1990-02-30) does not exist.
    let mut r = fresh(4);
    let seq = if r[XB] == "1" { "455" } else { "456" };
    r[0] = with_check(&format!("{}19900230{seq}", r[HJDXZQHDM]));
    r[CSRQ] = "1990-02-28".into();
    expected.push((next_line(&rows), "GMSFHM", "id_birth_date"));
    rows.push(r);
    // Line 8: an ID number of province 99, which does not exist (check character right).
    let mut r = fresh(5);
    let seq = if r[XB] == "1" { "231" } else { "232" };
    r[0] = with_check(&format!(
        "99{}19850614{seq}",
        r[HJDXZQHDM].get(2..).unwrap_or("0106")
    ));
    r[CSRQ] = "1985-06-14".into();
    expected.push((next_line(&rows), "GMSFHM", "id_region"));
    rows.push(r);
    // Line 9: person 2 married and moved.
    let mut r = layout.person(2);
    r[HYZK] = "20".into();
    r[HJDZ] = "海南省三亚市吉阳区迎宾路66号2栋801房".into();
    r[GXSJ] = "2026-11-29 16:40:12".into();
    rows.push(r);
    // Line 10: no name.
    let mut r = fresh(6);
    r[XM] = String::new();
    expected.push((next_line(&rows), "XM", "required"));
    rows.push(r);
    // Line 11: 出生日期 that does not exist.
    let mut r = fresh(7);
    r[CSRQ] = "1985-02-30".into();
    expected.push((next_line(&rows), "CSRQ", "invalid_date"));
    rows.push(r);
    // Line 12: a new person.
    rows.push(fresh(8));
    // Line 13: 性别 written out instead of coded.
    let mut r = fresh(9);
    r[XB] = if r[XB] == "1" { "男性" } else { "女性" }.into();
    expected.push((next_line(&rows), "XB", "too_long"));
    rows.push(r);
    // Line 14: a remark pasted into 姓名 (over 50 characters).
    let mut r = fresh(10);
    r[XM] = format!(
        "{}（备注：该人员已于本年度迁出本辖区，新户籍地址尚待核实，请经办窗口联系所在社区网格员及派出所户籍民警确认后再行登记，核实前不得办理相关业务）",
        r[XM]
    );
    expected.push((next_line(&rows), "XM", "too_long"));
    rows.push(r);
    // Line 15: a new person, whose ID number comes again on line 18.
    let twice = fresh(11);
    rows.push(twice.clone());
    // Line 16: one cell missing (死亡标识 dropped).
    let mut r = fresh(12);
    r.remove(10);
    expected.push((next_line(&rows), "", "column_count"));
    rows.push(r);
    // Line 17: a new person.
    rows.push(fresh(13));
    // Line 18: the ID number of line 15 again, with another address.
    let mut r = twice;
    r[HJDZ] = "海南省琼海市嘉积镇人民路18号".into();
    r[GXSJ] = "2026-11-30 08:00:00".into();
    expected.push((next_line(&rows), "GMSFHM", "duplicate_key"));
    rows.push(r);
    // Lines 19–20: new persons.
    rows.push(fresh(14));
    rows.push(fresh(15));
    // Line 21: person 3 moved within the district.
    let mut r = layout.person(3);
    if let Some(place) = PLACES.iter().find(|p| p.code == r[HJDXZQHDM]) {
        r[HJDZ] = format!("海南省{}{}66号", place.full, place.roads[0]);
    }
    r[GXSJ] = "2026-11-30 11:20:45".into();
    rows.push(r);
    // Line 22: a new person.
    rows.push(fresh(16));

    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail and every character above is in GBK (tested).
    let _ = write_csv(&mut bytes, &population_table(), rows.into_iter(), true);
    (bytes, expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{province, DEFAULT_SEED};
    use shuqiao_core::catalog::ResourceMeta;
    use std::collections::{HashMap, HashSet};
    use time::macros::date;

    fn meta(name: &str) -> ResourceMeta {
        province(DEFAULT_SEED)
            .expect("the demo data reads")
            .resources
            .into_iter()
            .find(|r| r.meta.name == name)
            .map(|r| r.meta)
            .unwrap_or_else(|| panic!("no resource {name}"))
    }

    fn indices(meta: &ResourceMeta, table: &Table) -> Vec<usize> {
        table
            .columns
            .iter()
            .map(|c| {
                meta.items
                    .iter()
                    .position(|it| it.code == *c)
                    .unwrap_or_else(|| panic!("{c} is not an item of {}", meta.name))
            })
            .collect()
    }

    fn check_all(table: Table, rows: impl Iterator<Item = Vec<String>>, n: usize) {
        let meta = meta(table.resource_name);
        let idx = indices(&meta, &table);
        for (i, row) in rows.take(n).enumerate() {
            assert_eq!(row.len(), table.columns.len());
            let values: Vec<(usize, &str)> = idx
                .iter()
                .copied()
                .zip(row.iter().map(String::as_str))
                .collect();
            if let Err(e) = shuqiao_core::collect::check_row(&meta, &values, date!(2026 - 12 - 01))
            {
                panic!("{} row {i}: {row:?}: {e:?}", table.resource_name);
            }
            let line = row.join(",");
            let (_, _, unmappable) = encoding_rs::GBK.encode(&line);
            assert!(!unmappable, "not GBK: {line}");
        }
    }

    #[test]
    fn the_demo_identities_come_first() {
        let ids = crate::identities();
        assert_eq!(ids[0].identifier, DEMO_CITIZEN_ID);
        assert_eq!(ids[0].display_name, DEMO_CITIZEN_NAME);
        assert_eq!(ids[1].identifier, DEMO_COMPANY_CODE);
        assert_eq!(ids[1].display_name, DEMO_COMPANY_NAME);
        let first = persons(DEFAULT_SEED).next().unwrap_or_default();
        assert_eq!(first[0], DEMO_CITIZEN_ID);
        assert_eq!(first[1], "王海燕");
        assert_eq!(first[4], "1990-03-07");
        assert_eq!(first[7], "460106");
        let company = companies(7).next().unwrap_or_default();
        assert_eq!(company[0], DEMO_COMPANY_CODE);
        assert_eq!(company[1], DEMO_COMPANY_NAME);
        let licence = licences(7).next().unwrap_or_default();
        assert_eq!(licence[2], DEMO_COMPANY_CODE);
    }

    #[test]
    fn generation_is_deterministic() {
        let a: Vec<_> = persons(DEFAULT_SEED).take(2000).collect();
        assert_eq!(a, persons(DEFAULT_SEED).take(2000).collect::<Vec<_>>());
        assert_eq!(persons(DEFAULT_SEED).nth(1500).as_ref(), a.get(1500));
        assert_ne!(a[1..], persons(1).take(2000).collect::<Vec<_>>()[1..]);
        let c: Vec<_> = companies(DEFAULT_SEED).take(500).collect();
        assert_eq!(c, companies(DEFAULT_SEED).take(500).collect::<Vec<_>>());
        assert_ne!(c[1..], companies(1).take(500).collect::<Vec<_>>()[1..]);
        let l: Vec<_> = licences(DEFAULT_SEED).take(500).collect();
        assert_eq!(l, licences(DEFAULT_SEED).take(500).collect::<Vec<_>>());
    }

    #[test]
    fn identifiers_are_unique() {
        let mut ids = HashSet::new();
        for p in persons(DEFAULT_SEED).take(200_000) {
            assert!(ids.insert(p[0].clone()), "duplicate {}", p[0]);
        }
        let mut codes = HashSet::new();
        for c in companies(DEFAULT_SEED).take(200_000) {
            assert!(codes.insert(c[0].clone()), "duplicate {}", c[0]);
        }
        let mut numbers = HashSet::new();
        for l in licences(DEFAULT_SEED).take(200_000) {
            assert!(numbers.insert(l[0].clone()), "duplicate {}", l[0]);
        }
    }

    #[test]
    fn the_person_layout_is_a_bijection_far_enough() {
        for seed in [DEFAULT_SEED, 1] {
            let layout = PersonLayout::new(seed);
            assert_eq!(layout.slots.len() as u64, SLOTS);
            assert!(layout.capacity >= 10_000_000, "{}", layout.capacity);
            for c in &layout.cells {
                let (mut a, mut b) = (CELL_MULTIPLIER % c.capacity, c.capacity);
                while b != 0 {
                    (a, b) = (b, a % b);
                }
                assert_eq!(a, 1, "multiplier not coprime to {}", c.capacity);
            }
            // Positions within each cell are distinct below the capacity, hence so are
            // identities; checked directly on a prefix and on the capacity's edge.
            let mut seen = HashSet::new();
            for i in (0..300_000).chain(layout.capacity - 100_000..layout.capacity) {
                let p = layout.parts(i);
                assert!(seen.insert(p), "index {i} repeats {p:?}");
                assert!(p.birth_day <= LAST_DAY);
                assert!(p.seq < 1000);
            }
        }
    }

    #[test]
    fn the_demo_citizen_is_never_generated_again() {
        let mut layout = PersonLayout::new(DEFAULT_SEED);
        // Pretend index 5 would be the citizen: it must get the spare identity instead.
        layout.citizen = layout.raw_parts(5);
        layout.spare = layout.raw_parts(0);
        assert_eq!(layout.parts(5), layout.raw_parts(0));
        assert_eq!(layout.parts(0), layout.raw_parts(5));
    }

    #[test]
    fn persons_pass_the_checks_and_agree_with_their_id_numbers() {
        check_all(population_table(), persons(DEFAULT_SEED), 20_000);
        let mut nations = HashMap::new();
        for p in persons(DEFAULT_SEED).take(20_000).skip(1) {
            let id = p[0].as_bytes();
            let odd = (id[16] - b'0') % 2 == 1;
            assert_eq!(p[2], if odd { "1" } else { "2" }, "{p:?}");
            assert_eq!(p[4].replace('-', ""), p[0][6..14], "{p:?}");
            assert_eq!(p[7], p[0][..6], "{p:?}");
            assert!(shuqiao_core::region::find(&p[7]).is_some());
            assert!(p[6].starts_with("海南省"));
            assert!(p[11].starts_with("2026-") && p[11].as_str() < "2026-12-01");
            *nations.entry(p[3].clone()).or_insert(0) += 1;
        }
        assert!(nations["01"] > 15_000, "{nations:?}");
        assert!(nations["19"] > 1_000, "{nations:?}");
    }

    #[test]
    fn places_are_hainan_county_level_regions() {
        for p in PLACES {
            let r = shuqiao_core::region::find(p.code).unwrap_or_else(|| panic!("{}", p.code));
            assert!(p.full.ends_with(r.name), "{}", p.full);
            assert!(shuqiao_core::region::is_within(p.code, "460000"));
        }
    }

    #[test]
    fn companies_and_licences_pass_the_checks() {
        check_all(companies_table(), companies(DEFAULT_SEED), 20_000);
        check_all(licences_table(), licences(DEFAULT_SEED), 20_000);
        for (c, l) in companies(3).zip(licences(3)).take(2000).skip(1) {
            assert_eq!(c[0], l[2]);
            assert_eq!(c[1], l[1]);
            assert!(l[9] >= c[6], "licence issued before the company existed");
            // The 主体标识码 carries its own GB 11714 check character (not the demo
            // company's, which is given).
            assert!(ident::is_valid_org_code(&c[0][8..17]), "{}", c[0]);
        }
    }

    #[test]
    fn header_names_come_from_the_catalog() {
        assert_eq!(
            population_table().header_names().unwrap()[..3],
            ["公民身份号码", "姓名", "性别"]
        );
        assert_eq!(
            companies_table().header_names().unwrap()[0],
            "统一社会信用代码"
        );
        assert_eq!(licences_table().header_names().unwrap()[0], "证照编号");
    }

    /// A small RFC 4180 reader: records with the line each starts on.
    fn parse_csv(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut out = Vec::new();
        let mut chars = text.chars().peekable();
        let mut line = 1;
        while chars.peek().is_some() {
            let start = line;
            let mut cells = vec![String::new()];
            let mut quoted = false;
            while let Some(c) = chars.next() {
                let cell = cells.last_mut().unwrap_or_else(|| unreachable!());
                match c {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(String::new()),
                    '\r' if !quoted => {}
                    '\n' if !quoted => {
                        line += 1;
                        break;
                    }
                    c => {
                        if c == '\n' {
                            line += 1;
                        }
                        cell.push(c);
                    }
                }
            }
            out.push((start, cells));
        }
        out
    }

    #[test]
    fn csv_round_trips_through_gbk_and_utf8() {
        for (table, rows) in [
            (
                population_table(),
                persons(DEFAULT_SEED).take(3000).collect::<Vec<_>>(),
            ),
            (
                companies_table(),
                companies(DEFAULT_SEED).take(3000).collect(),
            ),
            (
                licences_table(),
                licences(DEFAULT_SEED).take(3000).collect(),
            ),
        ] {
            for gbk in [true, false] {
                let mut bytes = Vec::new();
                let n = write_csv(&mut bytes, &table, rows.iter().cloned(), gbk);
                assert_eq!(n.ok(), Some(rows.len() as u64));
                let text = if gbk {
                    let (text, malformed) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
                    assert!(!malformed);
                    text.into_owned()
                } else {
                    String::from_utf8(bytes).unwrap_or_default()
                };
                let records = parse_csv(&text);
                assert_eq!(records[0].1, table.header_names().unwrap());
                let back: Vec<Vec<String>> = records.into_iter().skip(1).map(|r| r.1).collect();
                assert_eq!(back, rows);
            }
        }
        // The per-character cache encodes exactly as encoding_rs does a whole row.
        let mut encoder = GbkEncoder::new();
        let (bytes, _) = sample_bad_gbk_csv();
        let (text, _) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
        for line in text.split_inclusive('\n').chain(["€ · ，。、；：（）《》"]) {
            let (direct, _, unmappable) = encoding_rs::GBK.encode(line);
            assert!(!unmappable);
            assert_eq!(encoder.encode(line), Some(&direct[..]), "{line}");
        }
        assert_eq!(encoder.encode("a𠀀"), None);
        assert_eq!(encoder.encode("한"), None, "outside GBK");
        // Quoting.
        let mut bytes = Vec::new();
        let row = vec!["a,b".to_string(), "say \"hi\"".into(), "two\nlines".into()];
        let t = Table {
            resource_name: "x",
            columns: vec!["A", "B", "C"],
        };
        assert!(write_csv(&mut bytes, &t, std::iter::once(row.clone()), false).is_ok());
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(
            text,
            "A,B,C\r\n\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
        assert_eq!(parse_csv(&text)[1].1, row);
        // A character outside GBK is refused, not replaced.
        let mut bytes = Vec::new();
        let bad = vec!["𠀀".to_string(), String::new(), String::new()];
        let err = write_csv(&mut bytes, &t, std::iter::once(bad), true);
        assert_eq!(
            err.err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidData)
        );
    }

    #[test]
    fn the_sample_reports_exactly_the_expected_problems() {
        let (bytes, expected) = sample_bad_gbk_csv();
        assert_eq!(
            shuqiao_core::collect::sniff_encoding(&bytes),
            Some(shuqiao_core::collect::TextEncoding::Gb18030)
        );
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the sample must be GBK"
        );
        let (text, malformed) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
        assert!(!malformed);
        let records = parse_csv(&text);
        let meta = meta(POPULATION_RESOURCE);
        let header = &records[0].1;
        let idx: Vec<usize> = header
            .iter()
            .map(|h| {
                meta.items
                    .iter()
                    .position(|it| it.name == *h || it.code == *h)
                    .unwrap_or_else(|| panic!("header {h}"))
            })
            .collect();
        let key = meta.items.iter().position(|it| it.code == "GMSFHM");
        let mut found = Vec::new();
        let mut keys = HashSet::new();
        let first100k: HashSet<String> = persons(DEFAULT_SEED)
            .take(100_000)
            .map(|p| p[0].clone())
            .collect();
        let mut updates = 0;
        for (line, cells) in &records[1..] {
            if cells.len() != header.len() {
                found.push((*line, String::new(), "column_count"));
                continue;
            }
            let values: Vec<(usize, &str)> = idx
                .iter()
                .copied()
                .zip(cells.iter().map(String::as_str))
                .collect();
            match shuqiao_core::collect::check_row(&meta, &values, date!(2026 - 12 - 01)) {
                Err(problems) => {
                    for p in problems {
                        found.push((*line, p.field, p.refusal.reason));
                    }
                }
                Ok(values) => {
                    let id = key.and_then(|k| values[k].clone()).unwrap_or_default();
                    if first100k.contains(&id) {
                        updates += 1;
                    }
                    if !keys.insert(id) {
                        found.push((*line, "GMSFHM".to_string(), "duplicate_key"));
                    }
                }
            }
        }
        let expected_owned: Vec<_> = expected
            .iter()
            .map(|&(line, field, reason)| (line, field.to_string(), reason))
            .collect();
        assert_eq!(found, expected_owned);
        assert_eq!(updates, 3, "three rows update generated persons");
        assert!(records.len() >= 21, "{} records", records.len());
        let reasons: HashSet<_> = expected.iter().map(|e| e.2).collect();
        for r in [
            "id_check_digit",
            "id_birth_date",
            "id_region",
            "required",
            "invalid_date",
            "too_long",
            "column_count",
            "duplicate_key",
        ] {
            assert!(reasons.contains(r), "{r}");
        }
    }

    #[test]
    #[ignore = "timing; run with --release"]
    fn a_million_persons_are_quick() {
        let started = std::time::Instant::now();
        let n = persons(DEFAULT_SEED).take(1_000_000).count();
        let elapsed = started.elapsed();
        assert_eq!(n, 1_000_000);
        eprintln!("1,000,000 persons in {elapsed:?}");
        let started = std::time::Instant::now();
        let mut sink = io::sink();
        let written = write_csv(
            &mut sink,
            &population_table(),
            persons(DEFAULT_SEED).take(1_000_000),
            true,
        );
        eprintln!("… written as GBK in {:?} ({written:?})", started.elapsed());
    }
}

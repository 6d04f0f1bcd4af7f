//! Administrative divisions (GB/T 2260). The platform ships Hainan's divisions; a code outside
//! this table is refused rather than guessed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionLevel {
    Province,
    /// 地级市
    Prefecture,
    /// 县级（含省直辖县级行政单位、市辖区）
    County,
}

#[derive(Debug, Clone, Copy)]
pub struct Region {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub level: RegionLevel,
    pub parent: Option<&'static str>,
}

const fn r(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    level: RegionLevel,
    parent: Option<&'static str>,
) -> Region {
    Region {
        code,
        name,
        name_en,
        level,
        parent,
    }
}

use RegionLevel::*;
const HN: Option<&str> = Some("460000");

pub static REGIONS: &[Region] = &[
    r("460000", "海南省", "Hainan Province", Province, None),
    r("460100", "海口市", "Haikou", Prefecture, HN),
    r(
        "460105",
        "秀英区",
        "Xiuying District",
        County,
        Some("460100"),
    ),
    r(
        "460106",
        "龙华区",
        "Longhua District",
        County,
        Some("460100"),
    ),
    r(
        "460107",
        "琼山区",
        "Qiongshan District",
        County,
        Some("460100"),
    ),
    r(
        "460108",
        "美兰区",
        "Meilan District",
        County,
        Some("460100"),
    ),
    r("460200", "三亚市", "Sanya", Prefecture, HN),
    r(
        "460202",
        "海棠区",
        "Haitang District",
        County,
        Some("460200"),
    ),
    r(
        "460203",
        "吉阳区",
        "Jiyang District",
        County,
        Some("460200"),
    ),
    r(
        "460204",
        "天涯区",
        "Tianya District",
        County,
        Some("460200"),
    ),
    r(
        "460205",
        "崖州区",
        "Yazhou District",
        County,
        Some("460200"),
    ),
    r("460300", "三沙市", "Sansha", Prefecture, HN),
    r("460400", "儋州市", "Danzhou", Prefecture, HN),
    r("469001", "五指山市", "Wuzhishan", County, HN),
    r("469002", "琼海市", "Qionghai", County, HN),
    r("469005", "文昌市", "Wenchang", County, HN),
    r("469006", "万宁市", "Wanning", County, HN),
    r("469007", "东方市", "Dongfang", County, HN),
    r("469021", "定安县", "Ding'an County", County, HN),
    r("469022", "屯昌县", "Tunchang County", County, HN),
    r("469023", "澄迈县", "Chengmai County", County, HN),
    r("469024", "临高县", "Lingao County", County, HN),
    r(
        "469025",
        "白沙黎族自治县",
        "Baisha Li Autonomous County",
        County,
        HN,
    ),
    r(
        "469026",
        "昌江黎族自治县",
        "Changjiang Li Autonomous County",
        County,
        HN,
    ),
    r(
        "469027",
        "乐东黎族自治县",
        "Ledong Li Autonomous County",
        County,
        HN,
    ),
    r(
        "469028",
        "陵水黎族自治县",
        "Lingshui Li Autonomous County",
        County,
        HN,
    ),
    r(
        "469029",
        "保亭黎族苗族自治县",
        "Baoting Li and Miao Autonomous County",
        County,
        HN,
    ),
    r(
        "469030",
        "琼中黎族苗族自治县",
        "Qiongzhong Li and Miao Autonomous County",
        County,
        HN,
    ),
];

pub fn find(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// The 19 city and county-level governments directly under the province
/// (4 prefecture-level cities and 15 county-level units administered by the province).
pub fn city_and_county_governments() -> impl Iterator<Item = &'static Region> {
    REGIONS.iter().filter(|r| r.parent == HN)
}

/// Whether `code` is `ancestor` or lies beneath it.
pub fn is_within(code: &str, ancestor: &str) -> bool {
    let mut cur = find(code);
    while let Some(r) = cur {
        if r.code == ancestor {
            return true;
        }
        cur = r.parent.and_then(find);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nineteen_city_and_county_governments() {
        assert_eq!(city_and_county_governments().count(), 19);
    }

    #[test]
    fn district_is_within_city_and_province() {
        assert!(is_within("460105", "460100"));
        assert!(is_within("460105", "460000"));
        assert!(!is_within("460105", "460200"));
        assert!(!is_within("110105", "460000"));
    }
}

//! National identifier rules: 统一社会信用代码 (GB 32100), 组织机构代码 (GB 11714) and
//! 公民身份号码 (GB 11643).
use crate::error::FieldError;

const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8] = b"10X98765432";

/// The GB 32100 check character for the first 17 characters, or `None` if one is outside
/// the code's alphabet.
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in first17.bytes().zip(CREDIT_WEIGHTS) {
        let v = CREDIT_ALPHABET.iter().position(|&a| a == b)? as u32;
        sum += v * w;
    }
    Some(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The GB 11714 check character of an 8-character organisation code body (digits and
/// capital letters, A = 10 … Z = 35), or `None` for any other body. In a credit code the
/// organisation code (主体标识码) is characters 9 to 17, its check character the 17th.
pub fn org_code_check_char(body: &str) -> Option<char> {
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in body.bytes().zip(ORG_CODE_WEIGHTS) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from(b'0' + c as u8),
    })
}

/// Whether a 9-character organisation code carries its GB 11714 check character.
pub fn is_valid_org_code(code: &str) -> bool {
    code.len() == 9
        && code.is_ascii()
        && org_code_check_char(&code[..8]) == code[8..].chars().next()
}

/// Why a credit code is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditCodeProblem {
    Length,
    Alphabet,
    CheckDigit,
}

pub fn check_credit_code(code: &str) -> Result<(), CreditCodeProblem> {
    if code.len() != 18 || !code.is_ascii() {
        return Err(CreditCodeProblem::Length);
    }
    let check = credit_code_check_char(&code[..17]).ok_or(CreditCodeProblem::Alphabet)?;
    if !CREDIT_ALPHABET.contains(&code.as_bytes()[17]) {
        return Err(CreditCodeProblem::Alphabet);
    }
    if code.as_bytes()[17] as char != check {
        return Err(CreditCodeProblem::CheckDigit);
    }
    Ok(())
}

/// A field error for an invalid credit code, telling the person what is wrong.
pub fn credit_code_error(field: &str, code: &str) -> Option<FieldError> {
    let problem = check_credit_code(code).err()?;
    let (zh, en) = match problem {
        CreditCodeProblem::Length => (
            "统一社会信用代码应为 18 位".to_string(),
            "a unified social credit code has exactly 18 characters".to_string(),
        ),
        CreditCodeProblem::Alphabet => (
            "统一社会信用代码含有非法字符（只允许数字和除 I、O、Z、S、V 外的大写字母）".to_string(),
            "the credit code contains a character outside 0-9 and A-Y without I, O, Z, S, V"
                .to_string(),
        ),
        CreditCodeProblem::CheckDigit => (
            "统一社会信用代码校验位不正确（GB 32100），请核对".to_string(),
            "the credit code's check character is wrong (GB 32100); please check the code"
                .to_string(),
        ),
    };
    Some(FieldError::new(field, "invalid_credit_code", zh, en))
}

/// The GB 11643 check character for the first 17 digits.
pub fn id_number_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdNumberProblem {
    Format,
    BirthDate,
    CheckDigit,
}

/// Checks a 18-digit citizen identity number: format, birth date and check digit.
pub fn check_id_number(id: &str) -> Result<(), IdNumberProblem> {
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Err(IdNumberProblem::Format);
    }
    let year: i32 = id[6..10].parse().map_err(|_| IdNumberProblem::Format)?;
    let month: u8 = id[10..12].parse().map_err(|_| IdNumberProblem::Format)?;
    let day: u8 = id[12..14].parse().map_err(|_| IdNumberProblem::Format)?;
    let month = time::Month::try_from(month).map_err(|_| IdNumberProblem::BirthDate)?;
    if !(1800..=2200).contains(&year) || time::Date::from_calendar_date(year, month, day).is_err() {
        return Err(IdNumberProblem::BirthDate);
    }
    let expected = id_number_check_char(&id[..17]).ok_or(IdNumberProblem::Format)?;
    if (b[17] as char).to_ascii_uppercase() != expected {
        return Err(IdNumberProblem::CheckDigit);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_from_the_design() {
        assert_eq!(check_credit_code("914403001922038216"), Ok(()));
        assert_eq!(
            check_credit_code("914403001922038217"),
            Err(CreditCodeProblem::CheckDigit)
        );
        assert_eq!(
            check_credit_code("91440300192203821"),
            Err(CreditCodeProblem::Length)
        );
        assert_eq!(
            check_credit_code("9144030019220382I6"),
            Err(CreditCodeProblem::Alphabet)
        );
    }

    #[test]
    fn organisation_codes_carry_their_gb_11714_check() {
        // The standard's own example, D2143569-X, and the code inside 914403001922038216.
        assert_eq!(org_code_check_char("D2143569"), Some('X'));
        assert_eq!(org_code_check_char("19220382"), Some('1'));
        assert!(is_valid_org_code("D2143569X"));
        assert!(is_valid_org_code("192203821"));
        assert!(!is_valid_org_code("192203822"));
        assert!(!is_valid_org_code("19220382"));
        // A remainder of 0 checks with '0' (11 − 0 = 11), not with a two-digit number.
        assert_eq!(org_code_check_char("00000000"), Some('0'));
        assert_eq!(org_code_check_char("1922038"), None);
        assert_eq!(org_code_check_char("1922038a"), None);
        assert_eq!(org_code_check_char("192203８2"), None);
    }

    #[test]
    fn id_numbers_from_the_design() {
        assert_eq!(check_id_number("11010519491231002X"), Ok(()));
        assert_eq!(check_id_number("440524188001010014"), Ok(()));
        assert_eq!(
            check_id_number("110105194912310021"),
            Err(IdNumberProblem::CheckDigit)
        );
        assert_eq!(
            check_id_number("110105194902300021"),
            Err(IdNumberProblem::BirthDate)
        );
        assert_eq!(
            check_id_number("11010519491231002"),
            Err(IdNumberProblem::Format)
        );
    }

    #[test]
    fn generated_check_chars_validate() {
        let first = "91460000MA5T0000";
        for c in ['0', '1', 'A'] {
            let first17 = format!("{first}{c}");
            let code = format!("{first17}{}", credit_code_check_char(&first17).unwrap());
            assert_eq!(check_credit_code(&code), Ok(()));
        }
    }
}

//! People, registered information systems and their credentials; who may do what.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{DomainError, Errors, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 平台管理员 (platform operator staff)
    PlatformAdmin,
    /// 数据管理员 (department data steward)
    DataSteward,
    /// 数据使用人员 (consumer department user)
    ConsumerUser,
    /// 审计人员
    Auditor,
    /// 法制审核人员 (legal office; reviews the negative list)
    LegalReviewer,
    /// 保密审核人员 (secrecy office; reviews the negative list)
    SecrecyReviewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::PlatformAdmin,
        Role::DataSteward,
        Role::ConsumerUser,
        Role::Auditor,
        Role::LegalReviewer,
        Role::SecrecyReviewer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::DataSteward => "data_steward",
            Role::ConsumerUser => "consumer_user",
            Role::Auditor => "auditor",
            Role::LegalReviewer => "legal_reviewer",
            Role::SecrecyReviewer => "secrecy_reviewer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "平台管理员",
            Role::DataSteward => "数据管理员",
            Role::ConsumerUser => "数据使用人员",
            Role::Auditor => "审计人员",
            Role::LegalReviewer => "法制审核人员",
            Role::SecrecyReviewer => "保密审核人员",
        }
    }
}

/// A role held within one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleBinding {
    pub role: Role,
    pub org: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub display_name: String,
    pub org: String,
    pub roles: Vec<RoleBinding>,
    pub disabled: bool,
}

/// A registered information system (应用系统) that calls the API with tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoSystem {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub org: String,
    pub description: String,
}

/// Who is making a request. Everything that is not proven is `Anonymous`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Person {
        username: String,
        org: String,
        roles: Vec<RoleBinding>,
    },
    System {
        system: String,
        org: String,
        token_id: i64,
    },
}

impl Principal {
    pub fn has_role_in(&self, role: Role, org: &str) -> bool {
        matches!(self, Principal::Person { roles, .. } if roles.iter().any(|b| b.role == role && b.org == org))
    }
    pub fn has_role(&self, role: Role) -> bool {
        matches!(self, Principal::Person { roles, .. } if roles.iter().any(|b| b.role == role))
    }
    pub fn is_platform_admin(&self) -> bool {
        self.has_role(Role::PlatformAdmin)
    }
    pub fn is_authenticated(&self) -> bool {
        !matches!(self, Principal::Anonymous)
    }
    /// Whether this principal acts for an organisation: a system, or a person holding a role.
    /// A citizen or company representative (an identified data subject) holds none.
    pub fn is_staff(&self) -> bool {
        match self {
            Principal::Person { roles, .. } => !roles.is_empty(),
            Principal::System { .. } => true,
            Principal::Anonymous => false,
        }
    }
    /// Organisations in which this principal is a data steward.
    pub fn steward_orgs(&self) -> Vec<String> {
        match self {
            Principal::Person { roles, .. } => roles
                .iter()
                .filter(|b| b.role == Role::DataSteward)
                .map(|b| b.org.clone())
                .collect(),
            _ => Vec::new(),
        }
    }
    /// A short description for logs and audit: never contains a secret.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".into(),
            Principal::Person { username, .. } => format!("user:{username}"),
            Principal::System { system, .. } => format!("system:{system}"),
        }
    }
    pub fn require_authenticated(&self) -> Result<(), DomainError> {
        if self.is_authenticated() {
            Ok(())
        } else {
            Err(DomainError::unauthenticated(
                "unauthenticated",
                "需要登录或提供应用系统令牌（Authorization: Bearer …）",
                "sign in or send a system token (Authorization: Bearer …)",
            ))
        }
    }
    pub fn require_platform_admin(&self) -> Result<(), DomainError> {
        self.require_authenticated()?;
        if self.is_platform_admin() {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "requires_platform_admin",
                "只有平台管理员（省大数据管理局）可以执行此操作",
                "only a platform administrator (the Big Data Administration) may do this",
            ))
        }
    }
}

pub fn is_valid_username(u: &str) -> bool {
    (3..=40).contains(&u.len())
        && u.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        })
}

pub fn username_problem(u: &str) -> Option<FieldError> {
    (!is_valid_username(u)).then(|| {
        FieldError::new(
            "username",
            "invalid_username",
            "用户名须为 3–40 位小写字母、数字或 . _ -",
            "the username must be 3–40 lower-case letters, digits or . _ -",
        )
    })
}

/// Validates a new account (the password separately, before it is hashed).
pub fn validate_account(a: &Account, password: &str) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    if let Some(e) = username_problem(&a.username) {
        errs.push(e);
    }
    errs.name("display_name", "姓名", &a.display_name, 50);
    if let Some(e) = password_problem(password) {
        errs.push(e);
    }
    if a.roles.is_empty() {
        errs.push(FieldError::required("roles", "角色"));
    }
    errs.into_result()
}

/// Checks a change to an existing account's roles or status by `by`, a platform
/// administrator: roles are never empty, and nobody removes their own administrator role or
/// disables their own account, so the platform always keeps someone who can undo a change.
pub fn check_account_change(
    by: &Principal,
    username: &str,
    roles: Option<&[RoleBinding]>,
    disable: bool,
) -> Result<(), DomainError> {
    by.require_platform_admin()?;
    let own = matches!(by, Principal::Person { username: u, .. } if u == username);
    let mut errs = Errors::default();
    if let Some(roles) = roles {
        if roles.is_empty() {
            errs.push(FieldError::new(
                "roles",
                "roles_required",
                "请至少选择一个角色；不再需要的账号请停用",
                "choose at least one role; disable an account that is no longer needed",
            ));
        } else if own && !roles.iter().any(|b| b.role == Role::PlatformAdmin) {
            errs.push(FieldError::new(
                "roles",
                "own_admin_role",
                "不能取消自己的平台管理员角色，请由另一位平台管理员办理",
                "you cannot remove your own platform_admin role; ask another administrator",
            ));
        }
    }
    if own && disable {
        errs.push(FieldError::new(
            "disabled",
            "own_account",
            "不能停用自己的账号，请由另一位平台管理员办理",
            "you cannot disable your own account; ask another administrator",
        ));
    }
    errs.into_result()
}

pub const MIN_PASSWORD_LEN: usize = 10;

pub fn password_problem(password: &str) -> Option<FieldError> {
    let long_enough = password.chars().count() >= MIN_PASSWORD_LEN;
    let has_letter = password.chars().any(|c| c.is_alphabetic());
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if long_enough && has_letter && has_digit && password.len() <= 256 {
        return None;
    }
    Some(FieldError::new(
        "password",
        "weak_password",
        format!("密码至少 {MIN_PASSWORD_LEN} 位，并同时包含字母和数字"),
        format!("the password needs at least {MIN_PASSWORD_LEN} characters with both letters and digits"),
    ))
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    let argon = argon2::Argon2::default();
    // Hashing only fails for parameters outside argon2's limits, which the defaults are not.
    argon
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks a password against its PHC hash; a malformed hash never verifies.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    let Ok(parsed) = argon2::PasswordHash::new(phc) else {
        return false;
    };
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Failed sign-ins counted for one key (an account from one client address, or one client
/// address whatever the account).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    /// Unix seconds of the last failure.
    pub last: i64,
}

/// Login throttling. Failures are counted per (account, client address), so a flood from one
/// address locks that address out of the account while its owner, elsewhere, still signs in;
/// and per client address across every account name, so one address cannot spray guesses over
/// many accounts. Unknown account names are counted exactly like known ones. A lock lasts
/// `lockout_secs`, doubling with each further failure up to a day; a count is forgotten after
/// `forget_after_secs` without failures.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub lockout_secs: u64,
    pub address_max_failures: u32,
    pub address_lockout_secs: u64,
    pub forget_after_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 5,
            lockout_secs: 300,
            address_max_failures: 30,
            address_lockout_secs: 900,
            forget_after_secs: 86_400,
        }
    }
}

/// Why a sign-in is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// This account from this address.
    Account { until: i64 },
    /// This address, whatever the account.
    Address { until: i64 },
}

impl Lock {
    pub fn until(self) -> i64 {
        match self {
            Lock::Account { until } | Lock::Address { until } => until,
        }
    }
}

impl ThrottlePolicy {
    /// The time (unix seconds) until which the account is locked after `failures` failures,
    /// the last at `last_failure`.
    pub fn locked_until(&self, failures: u32, last_failure: i64) -> Option<i64> {
        lock_end(failures, last_failure, self.max_failures, self.lockout_secs)
    }

    /// What a failure count is worth at `now`: nothing once it is older than the forget period.
    pub fn current(&self, f: Failures, now: i64) -> Failures {
        if now - f.last > self.forget_after_secs {
            Failures::default()
        } else {
            f
        }
    }

    /// Whether a sign-in to an account from an address is refused at `now` (unix seconds),
    /// given the failures counted for the pair and for the address.
    pub fn lock(&self, pair: Failures, address: Failures, now: i64) -> Option<Lock> {
        let (pair, address) = (self.current(pair, now), self.current(address, now));
        let by_address = lock_end(
            address.count,
            address.last,
            self.address_max_failures,
            self.address_lockout_secs,
        )
        .filter(|&until| until > now)
        .map(|until| Lock::Address { until });
        let by_pair = self
            .locked_until(pair.count, pair.last)
            .filter(|&until| until > now)
            .map(|until| Lock::Account { until });
        by_address.or(by_pair)
    }
}

fn lock_end(failures: u32, last: i64, max: u32, base_secs: u64) -> Option<i64> {
    if failures < max {
        return None;
    }
    let doublings = (failures - max).min(8);
    let secs = (base_secs << doublings).min(86_400);
    Some(last + secs as i64)
}

/// Whole minutes left until `until`, rounded up, at least one: what a person is told to wait.
pub fn minutes_left(until: i64, now: i64) -> u64 {
    ((until - now).max(1) as u64).div_ceil(60)
}

/// The key a client address is throttled under. An IPv6 host usually holds a whole /64, so
/// its addresses count as one; an IPv4-mapped address counts as the IPv4 one.
pub fn client_address_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(a) => a.to_string(),
        std::net::IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = a.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

/// A hash in the same format and with the same cost as real ones, of a random password, so
/// that checking a password for an unknown account takes as long as for a known one.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&hex::encode(random_key())))
}

/// 32 bytes from the operating system's random source (keys, salts, secrets).
pub fn random_key() -> [u8; 32] {
    rand::random()
}

/// A fresh secret: 32 random bytes, hex, with a recognisable prefix (`sq_` tokens, `sqs_` sessions).
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(random_key()))
}

/// The longest bearer secret accepted; ours are 67 (`sq_`) and 68 (`sqs_`) characters.
pub const MAX_SECRET_LEN: usize = 80;

/// Which kind of bearer secret a string is shaped as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An information system's API token, `sq_…`.
    System,
    /// A person's login session, `sqs_…`.
    Session,
}

/// The kind of bearer secret `secret` is shaped as, or `None` when it can be neither (wrong
/// prefix, or longer than [`MAX_SECRET_LEN`]). The one place that knows the token format:
/// anything it refuses is never looked up.
pub fn token_kind(secret: &str) -> Option<TokenKind> {
    if secret.len() > MAX_SECRET_LEN {
        None
    } else if secret.starts_with("sqs_") {
        Some(TokenKind::Session)
    } else if secret.starts_with("sq_") {
        Some(TokenKind::System)
    } else {
        None
    }
}

/// A known system token works until it is revoked or expires; each is refused with its own
/// code so the system's operators know whether to ask for a new token or why.
pub fn require_token_in_force(
    revoked_at: Option<i64>,
    expires_at: i64,
    now: i64,
) -> Result<(), DomainError> {
    if revoked_at.is_some() {
        return Err(DomainError::unauthenticated(
            "token_revoked",
            "令牌已被吊销：请向平台申请新令牌",
            "the token has been revoked: ask the platform for a new one",
        ));
    }
    if expires_at <= now {
        return Err(DomainError::unauthenticated(
            "token_expired",
            "令牌已过期：请向平台申请新令牌",
            "the token has expired: ask the platform for a new one",
        ));
    }
    Ok(())
}

/// What is stored for a secret: SHA-256 hex. Tokens have 256 bits of entropy, so a fast hash
/// is enough; the plain token is shown once and never stored. Sessions, tokens and open-data
/// keys are found by this hash, never compared: how long a lookup takes tells an attacker
/// about the hash of what they sent, which they cannot steer towards a stored one, so no
/// constant-time comparison is needed (`http::secret_comparisons` checks none is made).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_administrator_never_locks_themselves_out() {
        let admin = Principal::Person {
            username: "admin".into(),
            org: "op".into(),
            roles: vec![RoleBinding {
                role: Role::PlatformAdmin,
                org: "op".into(),
            }],
        };
        let steward = [RoleBinding {
            role: Role::DataSteward,
            org: "d-a".into(),
        }];
        assert!(check_account_change(&admin, "other", Some(&steward), true).is_ok());
        assert!(check_account_change(&admin, "admin", Some(&steward), false).is_err());
        assert!(check_account_change(&admin, "admin", None, true).is_err());
        assert!(check_account_change(&admin, "other", Some(&[]), false).is_err());
        let not_admin = Principal::Person {
            username: "s".into(),
            org: "d-a".into(),
            roles: steward.to_vec(),
        };
        assert!(matches!(
            check_account_change(&not_admin, "other", None, true),
            Err(DomainError::Forbidden { .. })
        ));
    }

    #[test]
    fn a_token_is_in_force_until_revoked_or_expired() {
        let code = |r: Result<(), DomainError>| match r {
            Ok(()) => None,
            Err(DomainError::Unauthenticated { code, .. }) => Some(code),
            Err(other) => panic!("unexpected {other:?}"),
        };
        assert_eq!(code(require_token_in_force(None, 100, 99)), None);
        assert_eq!(
            code(require_token_in_force(None, 100, 100)),
            Some("token_expired")
        );
        assert_eq!(
            code(require_token_in_force(Some(1), 100, 50)),
            Some("token_revoked")
        );
        assert_eq!(
            code(require_token_in_force(Some(1), 100, 200)),
            Some("token_revoked"),
            "revocation is named first"
        );
    }

    #[test]
    fn token_kinds_follow_the_prefix_and_length() {
        assert_eq!(token_kind(&new_secret("sq_")), Some(TokenKind::System));
        assert_eq!(token_kind(&new_secret("sqs_")), Some(TokenKind::Session));
        assert_eq!(token_kind("sq_"), Some(TokenKind::System));
        assert_eq!(
            token_kind(&format!("sq_{}", "a".repeat(77))),
            Some(TokenKind::System)
        );
        assert_eq!(
            token_kind(&format!("sq_{}", "a".repeat(78))),
            None,
            "81 characters"
        );
        assert_eq!(token_kind(&format!("sqs_{}", "a".repeat(77))), None);
        for other in ["", "sq", "sqx_abc", "SQ_abc", "Bearer sq_abc", "psn_abc"] {
            assert_eq!(token_kind(other), None, "{other}");
        }
    }

    #[test]
    fn password_round_trip_uses_argon2id() {
        let h = hash_password("correct horse 1");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse 1", &h));
        assert!(!verify_password("wrong horse 1", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn throttle_locks_after_five_and_doubles() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.locked_until(4, 1000), None);
        assert_eq!(p.locked_until(5, 1000), Some(1300));
        assert_eq!(p.locked_until(6, 1000), Some(1600));
        assert_eq!(p.locked_until(100, 0), Some(76_800));
    }

    #[test]
    fn a_lock_is_per_account_and_address_and_per_address_across_accounts() {
        let p = ThrottlePolicy::default();
        let f = |count, last| Failures { count, last };
        let none = Failures::default();
        assert_eq!(p.lock(f(4, 1000), none, 1001), None);
        assert_eq!(
            p.lock(f(5, 1000), f(5, 1000), 1001),
            Some(Lock::Account { until: 1300 })
        );
        assert_eq!(p.lock(f(5, 1000), f(5, 1000), 1300), None, "the lock ends");
        assert_eq!(
            p.lock(none, f(30, 1000), 1001),
            Some(Lock::Address { until: 1900 }),
            "an address that sprayed many accounts is locked for any account"
        );
        assert_eq!(
            p.lock(f(5, 1000), none, 1000 + 86_401),
            None,
            "counts are forgotten after a quiet day"
        );
        assert_eq!(minutes_left(1300, 1001), 5);
        assert_eq!(minutes_left(1300, 1299), 1);
    }

    #[test]
    fn client_addresses_are_keyed_by_ipv4_or_ipv6_prefix() {
        let key = |s: &str| client_address_key(s.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), key("2001:db8:1:2::5"));
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let real = hash_password("correct horse 1");
        let dummy = dummy_password_hash();
        let params = |h: &str| h.rsplitn(3, '$').nth(2).unwrap().to_string();
        assert_eq!(params(dummy), params(&real));
        assert!(argon2::PasswordHash::new(dummy).is_ok());
        assert!(!verify_password("correct horse 1", dummy));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(password_problem("short1").is_some());
        assert!(password_problem("onlyletterslong").is_some());
        assert!(password_problem("Hainan2026ok").is_none());
    }

    #[test]
    fn secrets_are_distinct_and_hashed() {
        let a = new_secret("sq_");
        assert!(a.starts_with("sq_") && a.len() == 67);
        assert_ne!(a, new_secret("sq_"));
        assert_eq!(secret_hash(&a).len(), 64);
    }
}

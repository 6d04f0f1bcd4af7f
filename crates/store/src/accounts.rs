//! Organisations, people, information systems and their credentials.
use serde::Serialize;
use shuqiao_core::account::{
    self, Account, InfoSystem, Principal, Role, RoleBinding, ThrottlePolicy,
};
use shuqiao_core::error::{Errors, FieldError};
use shuqiao_core::org::{self, Org, OrgKind};
use shuqiao_core::DomainError;

use crate::db::{Conn, DbError, Row};
use crate::{params, Result, Store, StoreError};

/// How long a login session lasts.
pub const SESSION_TTL_MS: i64 = 8 * 3600 * 1000;

/// An issued API token as listed (never the token itself).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub system: String,
    pub name: String,
    /// The first characters of the token, so an operator can tell tokens apart.
    pub prefix: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

fn org_from_row(r: &Row) -> Result<Org, DbError> {
    Ok(Org {
        code: r.text(0)?,
        name: r.text(1)?,
        name_en: r.text(2)?,
        kind: OrgKind::parse(&r.text(3)?).ok_or(DbError::Type(3))?,
        parent: r.opt_text(4)?,
        region: r.text(5)?,
        credit_code: r.opt_text(6)?,
    })
}

const ORG_COLS: &str = "code, name, name_en, kind, parent, region, credit_code";

pub(crate) fn find_org(c: &mut dyn Conn, code: &str) -> Result<Option<Org>> {
    let row = c.query_one(
        &format!("SELECT {ORG_COLS} FROM orgs WHERE code = $1"),
        params![code],
    )?;
    Ok(row.map(|r| org_from_row(&r)).transpose()?)
}

pub(crate) fn insert_org(
    c: &mut dyn Conn,
    o: &Org,
    override_reason: Option<&str>,
    now: i64,
) -> Result<()> {
    let parent = match &o.parent {
        Some(p) => Some(find_org(c, p)?.ok_or_else(|| {
            DomainError::one(FieldError::new(
                "parent",
                "unknown_org",
                format!("上级机构 {p} 不存在"),
                format!("parent organisation {p} does not exist"),
            ))
        })?),
        None => None,
    };
    org::validate_new(o, parent.as_ref(), override_reason.is_some())?;
    if find_org(c, &o.code)?.is_some() {
        return Err(DomainError::conflict(
            "duplicate_org",
            format!("机构代码 {} 已存在", o.code),
            format!("organisation code {} already exists", o.code),
        )
        .into());
    }
    c.execute(
        "INSERT INTO orgs (code, name, name_en, kind, parent, region, credit_code, credit_code_override, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![&o.code, o.name.trim(), o.name_en.trim(), o.kind.as_str(), o.parent.clone(), &o.region, o.credit_code.clone(), override_reason, now],
    )
    .map_err(|e| unique_to_conflict(e, "duplicate_credit_code", "统一社会信用代码已被其他机构使用", "the credit code is already used by another organisation"))?;
    Ok(())
}

/// Turns a unique-constraint failure into a conflict the caller can act on.
pub(crate) fn unique_to_conflict(e: DbError, code: &'static str, zh: &str, en: &str) -> StoreError {
    match e {
        DbError::Unique(_) => DomainError::conflict(code, zh, en).into(),
        other => other.into(),
    }
}

fn not_found(what_zh: &str, what_en: &str, key: &str) -> StoreError {
    DomainError::not_found(
        "not_found",
        format!("{what_zh} {key} 不存在"),
        format!("{what_en} {key} does not exist"),
    )
    .into()
}

fn roles_of(c: &mut dyn Conn, username: &str) -> Result<Vec<RoleBinding>> {
    let rows = c.query(
        "SELECT role, org FROM account_roles WHERE username = $1 ORDER BY role, org",
        params![username],
    )?;
    rows.iter()
        .map(|r| {
            Ok(RoleBinding {
                role: Role::parse(&r.text(0)?).ok_or(DbError::Type(0))?,
                org: r.text(1)?,
            })
        })
        .collect()
}

fn account_from_row(c: &mut dyn Conn, r: &Row) -> Result<Account> {
    let username = r.text(0)?;
    let roles = roles_of(c, &username)?;
    Ok(Account {
        username,
        display_name: r.text(1)?,
        org: r.text(2)?,
        roles,
        disabled: r.bool(3)?,
    })
}

fn find_account(c: &mut dyn Conn, username: &str) -> Result<Option<Account>> {
    match c.query_one(
        "SELECT username, display_name, org, disabled FROM accounts WHERE username = $1",
        params![username],
    )? {
        Some(r) => Ok(Some(account_from_row(c, &r)?)),
        None => Ok(None),
    }
}

pub(crate) fn insert_account(
    c: &mut dyn Conn,
    a: &Account,
    password_hash: &str,
    now: i64,
) -> Result<()> {
    let mut errs = Errors::default();
    if find_org(c, &a.org)?.is_none() {
        errs.push(FieldError::new(
            "org",
            "unknown_org",
            format!("机构 {} 不存在", a.org),
            format!("organisation {} does not exist", a.org),
        ));
    }
    for (i, b) in a.roles.iter().enumerate() {
        match find_org(c, &b.org)? {
            None => errs.push(FieldError::new(
                format!("roles[{i}].org"),
                "unknown_org",
                format!("机构 {} 不存在", b.org),
                format!("organisation {} does not exist", b.org),
            )),
            Some(o) if b.role == Role::PlatformAdmin && o.kind != OrgKind::Operator => {
                errs.push(FieldError::new(
                    format!("roles[{i}].org"),
                    "admin_outside_operator",
                    "平台管理员角色只能授予平台运营方（省大数据管理局）的人员",
                    "the platform_admin role can only be held within the platform operator",
                ))
            }
            _ => {}
        }
    }
    errs.into_result()?;
    if find_account(c, &a.username)?.is_some() {
        return Err(DomainError::conflict(
            "duplicate_username",
            format!("用户名 {} 已存在", a.username),
            format!("username {} is taken", a.username),
        )
        .into());
    }
    c.execute(
        "INSERT INTO accounts (username, display_name, org, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![&a.username, a.display_name.trim(), &a.org, password_hash, a.disabled, now],
    )?;
    for b in &a.roles {
        c.execute(
            "INSERT INTO account_roles (username, role, org) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            params![&a.username, b.role.as_str(), &b.org],
        )?;
    }
    Ok(())
}

pub(crate) fn insert_system(c: &mut dyn Conn, s: &InfoSystem, now: i64) -> Result<()> {
    let mut errs = Errors::default();
    if !org::is_valid_code(&s.code) {
        errs.push(FieldError::new(
            "code",
            "invalid_code",
            "系统代码须为 2–40 位小写字母、数字或连字符",
            "the system code must be 2–40 lower-case letters, digits or hyphens",
        ));
    }
    errs.text("name", "系统名称", &s.name, 100);
    errs.opt_text("name_en", Some(&s.name_en), 200);
    errs.opt_text("description", Some(&s.description), 1000);
    if find_org(c, &s.org)?.is_none() {
        errs.push(FieldError::new(
            "org",
            "unknown_org",
            format!("机构 {} 不存在", s.org),
            format!("organisation {} does not exist", s.org),
        ));
    }
    errs.into_result()?;
    c.execute(
        "INSERT INTO systems (code, name, name_en, org, description, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![&s.code, s.name.trim(), s.name_en.trim(), &s.org, &s.description, now],
    )
    .map_err(|e| unique_to_conflict(e, "duplicate_system", "系统代码已存在", "the system code already exists"))?;
    Ok(())
}

fn system_from_row(r: &Row) -> Result<InfoSystem, DbError> {
    Ok(InfoSystem {
        code: r.text(0)?,
        name: r.text(1)?,
        name_en: r.text(2)?,
        org: r.text(3)?,
        description: r.text(4)?,
    })
}

pub(crate) fn find_system(c: &mut dyn Conn, code: &str) -> Result<Option<InfoSystem>> {
    let r = c.query_one(
        "SELECT code, name, name_en, org, description FROM systems WHERE code = $1",
        params![code],
    )?;
    Ok(r.map(|r| system_from_row(&r)).transpose()?)
}

/// Stores a token's hash for `system`. The plain token is known only to the caller.
pub(crate) fn insert_token(
    c: &mut dyn Conn,
    system: &str,
    name: &str,
    plain: &str,
    created_by: &str,
    now: i64,
    expires_at: i64,
) -> Result<TokenInfo> {
    if find_system(c, system)?.is_none() {
        return Err(not_found("应用系统", "information system", system));
    }
    let mut errs = Errors::default();
    errs.text("name", "令牌名称", name, 100);
    if expires_at <= now {
        errs.push(FieldError::new(
            "ttl_days",
            "invalid_ttl",
            "有效期须大于 0 天",
            "the token must be valid for at least one day",
        ));
    }
    errs.into_result()?;
    let prefix: String = plain.chars().take(10).collect();
    let row = c
        .query_one(
            "INSERT INTO api_tokens (system, name, token_hash, prefix, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![system, name.trim(), account::secret_hash(plain), &prefix, created_by, now, expires_at],
        )?
        .ok_or(DbError::Other("insert returned no id".into()))?;
    Ok(TokenInfo {
        id: row.int(0)?,
        system: system.into(),
        name: name.trim().into(),
        prefix,
        created_by: created_by.into(),
        created_at: now,
        expires_at,
        revoked_at: None,
    })
}

fn token_from_row(r: &Row) -> Result<TokenInfo, DbError> {
    Ok(TokenInfo {
        id: r.int(0)?,
        system: r.text(1)?,
        name: r.text(2)?,
        prefix: r.text(3)?,
        created_by: r.text(4)?,
        created_at: r.int(5)?,
        expires_at: r.int(6)?,
        revoked_at: r.opt_int(7)?,
    })
}

const TOKEN_COLS: &str = "id, system, name, prefix, created_by, created_at, expires_at, revoked_at";

impl Store {
    pub async fn create_org(&self, o: Org, override_reason: Option<String>) -> Result<Org> {
        let now = self.now();
        self.write(move |c| {
            insert_org(c, &o, override_reason.as_deref(), now)?;
            Ok(o)
        })
        .await
    }

    pub async fn get_org(&self, code: &str) -> Result<Org> {
        let code = code.to_string();
        self.read(move |c| {
            find_org(c, &code)?.ok_or_else(|| not_found("机构", "organisation", &code))
        })
        .await
    }

    pub async fn list_orgs(&self) -> Result<Vec<Org>> {
        self.read(|c| {
            let rows = c.query(&format!("SELECT {ORG_COLS} FROM orgs ORDER BY code"), &[])?;
            Ok(rows.iter().map(org_from_row).collect::<Result<_, _>>()?)
        })
        .await
    }

    /// Creates a person's account. The password is hashed with argon2id before anything is stored.
    pub async fn create_account(&self, a: Account, password: String) -> Result<Account> {
        account::validate_account(&a, &password)?;
        let hash = tokio::task::spawn_blocking(move || account::hash_password(&password))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let now = self.now();
        self.write(move |c| {
            insert_account(c, &a, &hash, now)?;
            Ok(a)
        })
        .await
    }

    pub async fn get_account(&self, username: &str) -> Result<Account> {
        let u = username.to_string();
        self.read(move |c| find_account(c, &u)?.ok_or_else(|| not_found("账号", "account", &u)))
            .await
    }

    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        self.read(|c| {
            let rows = c.query(
                "SELECT username, display_name, org, disabled FROM accounts ORDER BY username",
                &[],
            )?;
            rows.iter().map(|r| account_from_row(c, r)).collect()
        })
        .await
    }

    /// The principal of a local account, for CLI commands run by someone with database access.
    pub async fn principal_for(&self, username: &str) -> Result<Principal> {
        let a = self.get_account(username).await?;
        Ok(Principal::Person {
            username: a.username,
            org: a.org,
            roles: a.roles,
        })
    }

    /// Checks a password and opens a session. Refuses while the account is locked after
    /// repeated failures, without even checking the password, so guessing gains nothing.
    pub async fn login(&self, username: &str, password: &str) -> Result<(String, Account)> {
        let policy = ThrottlePolicy::default();
        let u = username.to_string();
        let now = self.now();
        let found = self
            .read(move |c| {
                let r = c.query_one("SELECT password_hash, failed_logins, last_failed_at, disabled FROM accounts WHERE username = $1", params![&u])?;
                Ok(match r {
                    Some(r) => Some((r.text(0)?, r.int(1)?, r.opt_int(2)?, r.bool(3)?)),
                    None => None,
                })
            })
            .await?;
        let bad_credentials = || -> StoreError {
            DomainError::unauthenticated(
                "bad_credentials",
                "用户名或密码不正确",
                "wrong username or password",
            )
            .into()
        };
        let password = password.to_string();
        let Some((hash, failures, last_failed, disabled)) = found else {
            // Spend the same time as a real check so timing does not reveal which usernames exist.
            let _ = tokio::task::spawn_blocking(move || {
                account::verify_password(&password, DUMMY_HASH)
            })
            .await;
            return Err(bad_credentials());
        };
        if let Some(until) = policy.locked_until(failures as u32, last_failed.unwrap_or(0) / 1000) {
            let now_s = now / 1000;
            if until > now_s {
                let secs = (until - now_s) as u64;
                return Err(DomainError::Throttled {
                    code: "too_many_attempts",
                    msg: shuqiao_core::error::Msg::new(
                        format!("登录失败次数过多，账号暂时锁定，请 {secs} 秒后再试"),
                        format!("too many failed sign-ins; the account is locked, try again in {secs} s"),
                    ),
                    retry_after_secs: secs,
                }
                .into());
            }
        }
        let ok = tokio::task::spawn_blocking(move || account::verify_password(&password, &hash))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let u = username.to_string();
        if !ok || disabled {
            self.write(move |c| {
                c.execute("UPDATE accounts SET failed_logins = failed_logins + 1, last_failed_at = $1 WHERE username = $2", params![now, &u])?;
                Ok(())
            })
            .await?;
            return Err(bad_credentials());
        }
        let token = account::new_secret("sqs_");
        let token_hash = account::secret_hash(&token);
        let account = self
            .write(move |c| {
                c.execute("UPDATE accounts SET failed_logins = 0, last_failed_at = NULL WHERE username = $1", params![&u])?;
                c.execute("DELETE FROM sessions WHERE expires_at < $1", params![now])?;
                c.execute(
                    "INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                    params![token_hash, &u, now, now + SESSION_TTL_MS],
                )?;
                find_account(c, &u)?.ok_or_else(|| not_found("账号", "account", &u))
            })
            .await?;
        Ok((token, account))
    }

    pub async fn logout(&self, session_token: &str) -> Result<()> {
        let h = account::secret_hash(session_token);
        self.write(move |c| {
            c.execute("DELETE FROM sessions WHERE token_hash = $1", params![h])?;
            Ok(())
        })
        .await
    }

    /// Resolves a bearer secret — a session of a person or a token of a system — to a
    /// principal. Unknown, expired, revoked or disabled credentials resolve to `None`.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Principal>> {
        let h = account::secret_hash(secret);
        let now = self.now();
        let is_session = secret.starts_with("sqs_");
        self.read(move |c| {
            if is_session {
                let r = c.query_one(
                    "SELECT a.username, a.org FROM sessions s JOIN accounts a ON a.username = s.username
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
                    params![&h, now],
                )?;
                let Some(r) = r else { return Ok(None) };
                let username = r.text(0)?;
                let roles = roles_of(c, &username)?;
                return Ok(Some(Principal::Person { username, org: r.text(1)?, roles }));
            }
            let r = c.query_one(
                "SELECT t.id, t.system, s.org FROM api_tokens t JOIN systems s ON s.code = t.system
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
                params![&h, now],
            )?;
            Ok(match r {
                Some(r) => Some(Principal::System { token_id: r.int(0)?, system: r.text(1)?, org: r.text(2)? }),
                None => None,
            })
        })
        .await
    }

    pub async fn create_system(&self, s: InfoSystem) -> Result<InfoSystem> {
        let now = self.now();
        self.write(move |c| {
            insert_system(c, &s, now)?;
            Ok(s)
        })
        .await
    }

    pub async fn get_system(&self, code: &str) -> Result<InfoSystem> {
        let code = code.to_string();
        self.read(move |c| {
            find_system(c, &code)?.ok_or_else(|| not_found("应用系统", "information system", &code))
        })
        .await
    }

    pub async fn list_systems(&self, org: Option<String>) -> Result<Vec<InfoSystem>> {
        self.read(move |c| {
            let rows = match &org {
                Some(o) => c.query("SELECT code, name, name_en, org, description FROM systems WHERE org = $1 ORDER BY code", params![o])?,
                None => c.query("SELECT code, name, name_en, org, description FROM systems ORDER BY code", &[])?,
            };
            Ok(rows.iter().map(system_from_row).collect::<Result<_, _>>()?)
        })
        .await
    }

    /// Issues a token for a system, valid for `ttl_days`. Returns the plain token — shown
    /// once, never stored — and what is stored about it.
    pub async fn issue_token(
        &self,
        system: &str,
        name: &str,
        ttl_days: u32,
        created_by: &str,
    ) -> Result<(String, TokenInfo)> {
        let plain = account::new_secret("sq_");
        let (system, name, created_by, p) = (
            system.to_string(),
            name.to_string(),
            created_by.to_string(),
            plain.clone(),
        );
        let now = self.now();
        let expires = now + ttl_days as i64 * 86_400_000;
        let info = self
            .write(move |c| insert_token(c, &system, &name, &p, &created_by, now, expires))
            .await?;
        Ok((plain, info))
    }

    pub async fn list_tokens(&self, system: Option<String>) -> Result<Vec<TokenInfo>> {
        self.read(move |c| {
            let rows = match &system {
                Some(s) => c.query(
                    &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE system = $1 ORDER BY id"),
                    params![s],
                )?,
                None => c.query(
                    &format!("SELECT {TOKEN_COLS} FROM api_tokens ORDER BY id"),
                    &[],
                )?,
            };
            Ok(rows.iter().map(token_from_row).collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn get_token(&self, id: i64) -> Result<TokenInfo> {
        self.read(move |c| {
            let r = c.query_one(
                &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"),
                params![id],
            )?;
            r.map(|r| token_from_row(&r))
                .transpose()?
                .ok_or_else(|| not_found("令牌", "token", &id.to_string()))
        })
        .await
    }

    /// Revokes a token; it stops working for the very next request.
    pub async fn revoke_token(&self, id: i64) -> Result<TokenInfo> {
        let now = self.now();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                params![now, id],
            )?;
            let r = c.query_one(
                &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"),
                params![id],
            )?;
            let info = r
                .map(|r| token_from_row(&r))
                .transpose()?
                .ok_or_else(|| not_found("令牌", "token", &id.to_string()))?;
            if n == 0 {
                return Err(DomainError::conflict(
                    "already_revoked",
                    "令牌已被吊销",
                    "the token is already revoked",
                )
                .into());
            }
            Ok(info)
        })
        .await
    }
}

/// A valid argon2id hash of a random string, verified against when the username is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2h1cWlhb2R1bW15c2FsdA$2Vq5bWw1vKzE7v3p0oJt2m3xGZ9yQpV1j7u0c8kL6Ds";

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

/// Each role's organisation exists, and the administrator role is held only within the
/// operator.
fn check_role_orgs(c: &mut dyn Conn, roles: &[RoleBinding], errs: &mut Errors) -> Result<()> {
    for (i, b) in roles.iter().enumerate() {
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
    Ok(())
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
    check_role_orgs(c, &a.roles, &mut errs)?;
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

/// A change to who may do what, sealed into the audit log in the change's own transaction,
/// as sharing decisions are. `target` names what changed (`account:NAME`, `system:CODE`,
/// `token:ID`, `webhook:ID`); `details` describes it. Neither ever holds a secret: a token's
/// id and system, never the token; never a password.
pub(crate) struct SecurityEvent<'a> {
    pub action: &'static str,
    pub target: String,
    pub details: Option<String>,
    pub actor: &'a crate::share::events::Actor,
}

pub(crate) fn seal_security(c: &mut dyn Conn, e: SecurityEvent<'_>, now: i64) -> Result<()> {
    crate::seal_later(
        c,
        &shuqiao_core::audit::entry::Entry {
            time: now,
            actor_org: e.actor.org.clone(),
            actor_system: e.actor.system.clone(),
            actor_person: e.actor.person.clone(),
            action: e.action.to_string(),
            resource: Some(e.target),
            resource_version: None,
            grant: None,
            purpose: e.details,
            result: "ok".into(),
            subjects: Vec::new(),
        },
        now,
    )
}

/// How an account's roles read in the log: `data_steward@d-a, auditor@op`.
fn roles_text(roles: &[RoleBinding]) -> String {
    let parts: Vec<String> = roles
        .iter()
        .map(|b| format!("{}@{}", b.role.as_str(), b.org))
        .collect();
    format!("roles: {}", parts.join(", "))
}

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

    /// A platform administrator creates a person's account with its roles; sealed as
    /// `account.create`. The password is hashed with argon2id before anything is stored.
    pub async fn create_account(
        &self,
        by: &Principal,
        a: Account,
        password: String,
    ) -> Result<Account> {
        by.require_platform_admin()?;
        let actor = crate::share::events::Actor::of(by);
        self.insert_account_sealed(a, password, "account.create", actor)
            .await
    }

    /// The first platform administrator, created from the command line by whoever holds the
    /// database (there is nobody to act as yet); sealed as `admin.bootstrap`, with the
    /// operator organisation as the actor.
    pub async fn bootstrap_admin(&self, a: Account, password: String) -> Result<Account> {
        if !a.roles.iter().any(|b| b.role == Role::PlatformAdmin) {
            return Err(DomainError::one(FieldError::new(
                "roles",
                "not_an_admin",
                "首个管理员须具有平台管理员角色",
                "the first administrator must hold the platform_admin role",
            ))
            .into());
        }
        let actor = crate::share::events::Actor {
            org: a.org.clone(),
            person: None,
            system: None,
            label: "cli".into(),
        };
        self.insert_account_sealed(a, password, "admin.bootstrap", actor)
            .await
    }

    async fn insert_account_sealed(
        &self,
        a: Account,
        password: String,
        action: &'static str,
        actor: crate::share::events::Actor,
    ) -> Result<Account> {
        account::validate_account(&a, &password)?;
        let hash = tokio::task::spawn_blocking(move || account::hash_password(&password))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let now = self.now();
        self.write(move |c| {
            insert_account(c, &a, &hash, now)?;
            let event = SecurityEvent {
                action,
                target: format!("account:{}", a.username),
                details: Some(roles_text(&a.roles)),
                actor: &actor,
            };
            seal_security(c, event, now)?;
            Ok(a)
        })
        .await
    }

    /// A platform administrator replaces an account's roles (core's
    /// `check_account_change`: never empty, never one's own administrator role); sealed as
    /// `account.roles` with the roles before and after.
    pub async fn set_roles(
        &self,
        by: &Principal,
        username: &str,
        roles: Vec<RoleBinding>,
    ) -> Result<Account> {
        account::check_account_change(by, username, Some(&roles), false)?;
        let actor = crate::share::events::Actor::of(by);
        let now = self.now();
        let username = username.to_string();
        self.write(move |c| {
            let before = find_account(c, &username)?
                .ok_or_else(|| not_found("账号", "account", &username))?;
            let mut errs = Errors::default();
            check_role_orgs(c, &roles, &mut errs)?;
            errs.into_result()?;
            c.execute(
                "DELETE FROM account_roles WHERE username = $1",
                params![&username],
            )?;
            for b in &roles {
                c.execute(
                    "INSERT INTO account_roles (username, role, org) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    params![&username, b.role.as_str(), &b.org],
                )?;
            }
            let event = SecurityEvent {
                action: "account.roles",
                target: format!("account:{username}"),
                details: Some(format!(
                    "before: {}; after: {}",
                    roles_text(&before.roles),
                    roles_text(&roles)
                )),
                actor: &actor,
            };
            seal_security(c, event, now)?;
            find_account(c, &username)?.ok_or_else(|| not_found("账号", "account", &username))
        })
        .await
    }

    /// A platform administrator disables an account (its sessions end at once; it cannot
    /// sign in) or enables it again; sealed as `account.disable` or `account.enable`.
    pub async fn set_account_disabled(
        &self,
        by: &Principal,
        username: &str,
        disabled: bool,
    ) -> Result<Account> {
        account::check_account_change(by, username, None, disabled)?;
        let actor = crate::share::events::Actor::of(by);
        let now = self.now();
        let username = username.to_string();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE accounts SET disabled = $1 WHERE username = $2 AND disabled <> $1",
                params![disabled, &username],
            )?;
            let a = find_account(c, &username)?
                .ok_or_else(|| not_found("账号", "account", &username))?;
            if n == 0 {
                return Err(DomainError::conflict(
                    "already_so",
                    if disabled {
                        "该账号已停用"
                    } else {
                        "该账号已启用"
                    },
                    if disabled {
                        "the account is already disabled"
                    } else {
                        "the account is already enabled"
                    },
                )
                .into());
            }
            if disabled {
                c.execute(
                    "DELETE FROM sessions WHERE username = $1",
                    params![&username],
                )?;
            }
            let event = SecurityEvent {
                action: if disabled {
                    "account.disable"
                } else {
                    "account.enable"
                },
                target: format!("account:{username}"),
                details: None,
                actor: &actor,
            };
            seal_security(c, event, now)?;
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
        // A disabled account acts as nobody, on the command line as over HTTP.
        if a.disabled {
            return Err(DomainError::forbidden(
                "account_disabled",
                format!("账号「{username}」已停用，不能以其身份操作"),
                format!("the account `{username}` is disabled: it cannot act"),
            )
            .into());
        }
        Ok(Principal::Person {
            username: a.username,
            org: a.org,
            roles: a.roles,
        })
    }

    /// Checks a password and opens a session. `client` is the caller's address as the
    /// throttle keys it (`account::client_address_key`, or a fixed label such as `cli`).
    /// Refuses while this account is locked for this address, or this address for every
    /// account, without even checking the password, so guessing gains nothing. An unknown
    /// account name is answered, counted and timed exactly like a known one.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<(String, Account)> {
        let policy = ThrottlePolicy::default();
        let name: String = username.chars().take(THROTTLE_KEY_CHARS).collect();
        let address: String = client.chars().take(THROTTLE_KEY_CHARS).collect();
        let now = self.now();
        let (n, a) = (name.clone(), address.clone());
        let found = self
            .write(move |c| charge_attempt(c, &policy, &n, &a, now))
            .await?;
        let password = password.to_string();
        let (hash, usable) = match found {
            Some((hash, disabled)) => (hash, !disabled),
            None => (account::dummy_password_hash().to_string(), false),
        };
        let ok = tokio::task::spawn_blocking(move || account::verify_password(&password, &hash))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        if !(ok && usable) {
            return Err(DomainError::unauthenticated(
                "bad_credentials",
                "用户名或密码不正确",
                "wrong username or password",
            )
            .into());
        }
        let token = account::new_secret("sqs_");
        let token_hash = account::secret_hash(&token);
        let account = self
            .write(move |c| {
                clear_attempt(c, &name, &address)?;
                c.execute("DELETE FROM sessions WHERE expires_at < $1", params![now])?;
                c.execute(
                    "INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                    params![token_hash, &name, now, now + SESSION_TTL_MS],
                )?;
                find_account(c, &name)?.ok_or_else(|| not_found("账号", "account", &name))
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
        let is_session = account::token_kind(secret) == Some(account::TokenKind::Session);
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

    /// A platform administrator registers an information system (which may then hold
    /// tokens); sealed as `system.register`.
    pub async fn create_system(&self, by: &Principal, s: InfoSystem) -> Result<InfoSystem> {
        by.require_platform_admin()?;
        let actor = crate::share::events::Actor::of(by);
        let now = self.now();
        self.write(move |c| {
            insert_system(c, &s, now)?;
            let event = SecurityEvent {
                action: "system.register",
                target: format!("system:{}", s.code),
                details: Some(format!("org: {}", s.org)),
                actor: &actor,
            };
            seal_security(c, event, now)?;
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

    /// A platform administrator issues a token for a system, valid for `ttl_days`; sealed
    /// as `token.issue` with the token's id and system. Returns the plain token — shown once,
    /// never stored — and what is stored about it.
    pub async fn issue_token(
        &self,
        by: &Principal,
        system: &str,
        name: &str,
        ttl_days: u32,
    ) -> Result<(String, TokenInfo)> {
        by.require_platform_admin()?;
        let actor = crate::share::events::Actor::of(by);
        let plain = account::new_secret("sq_");
        let (system, name, p) = (system.to_string(), name.to_string(), plain.clone());
        let now = self.now();
        let expires = now + ttl_days as i64 * 86_400_000;
        let info = self
            .write(move |c| {
                let info = insert_token(c, &system, &name, &p, &actor.label, now, expires)?;
                let event = SecurityEvent {
                    action: "token.issue",
                    target: format!("token:{}", info.id),
                    details: Some(format!(
                        "system: {}; name: {}; expires_at: {}",
                        info.system, info.name, info.expires_at
                    )),
                    actor: &actor,
                };
                seal_security(c, event, now)?;
                Ok(info)
            })
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

    /// A platform administrator revokes a token; it stops working for the very next
    /// request. Sealed as `token.revoke`.
    pub async fn revoke_token(&self, by: &Principal, id: i64) -> Result<TokenInfo> {
        by.require_platform_admin()?;
        let actor = crate::share::events::Actor::of(by);
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
            let event = SecurityEvent {
                action: "token.revoke",
                target: format!("token:{id}"),
                details: Some(format!("system: {}; name: {}", info.system, info.name)),
                actor: &actor,
            };
            seal_security(c, event, now)?;
            Ok(info)
        })
        .await
    }
}

/// Account names and client addresses are kept to this many characters in the throttle.
const THROTTLE_KEY_CHARS: usize = 64;

/// Counts a sign-in attempt before its password is checked, unless the account is locked for
/// this address or the address for every account; returns the account's password hash and
/// whether it is disabled (`None`: no such account). Counting first, in the transaction that
/// checks the lock, means concurrent guesses cannot all pass a check none of them was counted
/// in; a successful sign-in takes its count back (`clear_attempt`).
fn charge_attempt(
    c: &mut dyn Conn,
    policy: &ThrottlePolicy,
    name: &str,
    address: &str,
    now: i64,
) -> Result<Option<(String, bool)>> {
    if c.backend() == crate::db::Backend::Postgres {
        // Attempts from one address are counted one at a time across replicas.
        let key = i32::from_be_bytes(
            account::secret_hash(address).as_bytes()[..4]
                .try_into()
                .unwrap_or_default(),
        );
        c.batch(&format!("SELECT pg_advisory_xact_lock(7302, {key})"))?;
    }
    let now_s = now / 1000;
    let mut pair = account::Failures::default();
    let mut by_address = account::Failures::default();
    for r in c.query(
        "SELECT username, failures, last_failed_at FROM login_failures WHERE address = $1 AND username IN ($2, '')",
        params![address, name],
    )? {
        let f = account::Failures { count: r.int(1)?.clamp(0, u32::MAX as i64) as u32, last: r.int(2)? / 1000 };
        if r.text(0)?.is_empty() {
            by_address = f;
        } else {
            pair = f;
        }
    }
    if let Some(lock) = policy.lock(pair, by_address, now_s) {
        return Err(throttled(lock, now_s));
    }
    let forgotten = now - policy.forget_after_secs * 1000;
    c.execute(
        "DELETE FROM login_failures WHERE last_failed_at < $1",
        params![forgotten],
    )?;
    for key in [name, ""] {
        c.execute(
            "INSERT INTO login_failures (username, address, failures, last_failed_at) VALUES ($1, $2, 1, $3)
             ON CONFLICT (username, address) DO UPDATE SET failures = login_failures.failures + 1, last_failed_at = $3",
            params![key, address, now],
        )?;
    }
    let r = c.query_one(
        "SELECT password_hash, disabled FROM accounts WHERE username = $1",
        params![name],
    )?;
    Ok(match r {
        Some(r) => Some((r.text(0)?, r.bool(1)?)),
        None => None,
    })
}

/// After a successful sign-in: the account's failures from this address are forgotten, and
/// the address's count loses this attempt's charge (but keeps earlier failures, so a caller
/// with one good account cannot wash out guesses at others).
fn clear_attempt(c: &mut dyn Conn, name: &str, address: &str) -> Result<()> {
    c.execute(
        "DELETE FROM login_failures WHERE username = $1 AND address = $2",
        params![name, address],
    )?;
    c.execute(
        "UPDATE login_failures SET failures = failures - 1 WHERE username = '' AND address = $1 AND failures > 0",
        params![address],
    )?;
    Ok(())
}

fn throttled(lock: account::Lock, now_s: i64) -> StoreError {
    let minutes = account::minutes_left(lock.until(), now_s);
    let msg = match lock {
        account::Lock::Account { .. } => shuqiao_core::error::Msg::new(
            format!("登录失败次数过多，暂时不能从此地址登录该账号，请 {minutes} 分钟后再试"),
            format!("too many failed sign-ins to this account from your address; try again in {minutes} min"),
        ),
        account::Lock::Address { .. } => shuqiao_core::error::Msg::new(
            format!("来自此地址的登录失败次数过多，请 {minutes} 分钟后再试"),
            format!("too many failed sign-ins from your address; try again in {minutes} min"),
        ),
    };
    DomainError::Throttled {
        code: "too_many_attempts",
        msg,
        retry_after_secs: (lock.until() - now_s).max(1) as u64,
    }
    .into()
}

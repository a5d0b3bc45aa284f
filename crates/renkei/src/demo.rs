//! The demo world: a national office, operators in three sectors, a
//! prefecture (its government relaying alerts) and two towns, one town's
//! maintenance vendor and that vendor's subcontractor, suppliers in two
//! tiers, vendors, a security provider, a national council and a sector
//! ISAC, and shared items at every TLP level. Loaded once per data
//! directory.

use std::path::Path;

use anyhow::Context;
use renkei_core::model::{NewCommunity, NewItem, NewOrg, NewUser, Org, User};
use renkei_core::{
    Actor, Audience, CommunityId, Email, Marking, OrgId, OrgKind, Pap, Prefecture, Role, Sector,
    SupplyLink, Tlp,
};
use renkei_store::Store;

/// What the demo prints: the shared password and who can sign in.
#[derive(Debug)]
pub struct Accounts {
    pub password: String,
    pub users: Vec<(String, String)>,
}

struct OrgSpec {
    slug: &'static str,
    ja: &'static str,
    en: &'static str,
    kind: OrgKind,
    sector: Option<&'static str>,
    pref: Option<i64>,
    /// (local part, name, role)
    users: &'static [(&'static str, &'static str, Role)],
}

const ORGS: &[OrgSpec] = &[
    OrgSpec {
        slug: "ncso",
        ja: "国家サイバー統括室",
        en: "National Cybersecurity Office",
        kind: OrgKind::Coordinator,
        sector: Some("government"),
        pref: Some(13),
        users: &[
            ("admin", "佐藤 健一", Role::Admin),
            ("analyst", "鈴木 美咲", Role::CoordinatorAnalyst),
        ],
    },
    OrgSpec {
        slug: "toto-power",
        ja: "東都電力株式会社",
        en: "Toto Electric Power Co., Inc.",
        kind: OrgKind::Operator,
        sector: Some("electricity"),
        pref: Some(13),
        users: &[
            ("admin", "高橋 大輔", Role::Admin),
            ("soc", "田中 翔太", Role::Reporter),
            ("viewer", "伊藤 陽子", Role::Viewer),
        ],
    },
    OrgSpec {
        slug: "kansai-rail",
        ja: "関西中央鉄道株式会社",
        en: "Kansai Central Railway Co., Ltd.",
        kind: OrgKind::Operator,
        sector: Some("railway"),
        pref: Some(27),
        users: &[
            ("admin", "渡辺 誠", Role::Admin),
            ("soc", "山本 彩", Role::Reporter),
        ],
    },
    OrgSpec {
        slug: "hokuriku-med",
        ja: "北陸メディカルセンター",
        en: "Hokuriku Medical Center",
        kind: OrgKind::Operator,
        sector: Some("medical"),
        pref: Some(17),
        users: &[
            ("admin", "中村 直樹", Role::Admin),
            ("it", "小林 恵", Role::Reporter),
        ],
    },
    OrgSpec {
        slug: "pref-shizuoka",
        ja: "静岡県",
        en: "Shizuoka Prefecture",
        kind: OrgKind::LocalGovernment,
        sector: Some("government"),
        pref: Some(22),
        users: &[("admin", "加藤 裕子", Role::Admin)],
    },
    OrgSpec {
        slug: "town-midori",
        ja: "みどり町",
        en: "Midori Town",
        kind: OrgKind::LocalGovernment,
        sector: Some("government"),
        pref: Some(22),
        users: &[("admin", "吉田 茂", Role::Admin)],
    },
    OrgSpec {
        slug: "mirai-ctrl",
        ja: "株式会社ミライ制御システム",
        en: "Mirai Control Systems K.K.",
        kind: OrgKind::Supplier,
        sector: Some("manufacturing"),
        pref: Some(11),
        users: &[("admin", "山田 浩", Role::Admin)],
    },
    OrgSpec {
        slug: "sakura-net",
        ja: "有限会社さくらネットワーク",
        en: "Sakura Network Ltd.",
        kind: OrgKind::Supplier,
        sector: Some("it_services"),
        pref: Some(11),
        users: &[("admin", "佐々木 修", Role::Admin)],
    },
    OrgSpec {
        slug: "kansai-maint",
        ja: "株式会社かんさい保守サービス",
        en: "Kansai Maintenance Service K.K.",
        kind: OrgKind::Supplier,
        sector: Some("it_services"),
        pref: Some(27),
        users: &[("admin", "山口 健", Role::Admin)],
    },
    OrgSpec {
        slug: "hokuriku-iryo",
        ja: "株式会社北陸医療情報",
        en: "Hokuriku Medical Informatics K.K.",
        kind: OrgKind::Supplier,
        sector: Some("it_services"),
        pref: Some(17),
        users: &[("admin", "松本 真由美", Role::Admin)],
    },
    OrgSpec {
        slug: "hikari-soft",
        ja: "合同会社ひかりソフト",
        en: "Hikari Soft LLC",
        kind: OrgKind::Supplier,
        sector: Some("it_services"),
        pref: Some(16),
        users: &[("admin", "井上 拓也", Role::Admin)],
    },
    OrgSpec {
        slug: "nihon-isw",
        ja: "日本産業ソフトウェア株式会社",
        en: "Nihon Industrial Software Corp.",
        kind: OrgKind::Vendor,
        sector: Some("it_services"),
        pref: Some(14),
        users: &[
            ("admin", "木村 聡", Role::Admin),
            ("psirt", "林 千尋", Role::Reporter),
        ],
    },
    OrgSpec {
        slug: "yamato-denshi",
        ja: "株式会社ヤマト電子機器",
        en: "Yamato Electronics Co., Ltd.",
        kind: OrgKind::Vendor,
        sector: Some("manufacturing"),
        pref: Some(23),
        users: &[("admin", "清水 亮", Role::Admin)],
    },
    OrgSpec {
        slug: "securelink",
        ja: "株式会社セキュアリンクジャパン",
        en: "SecureLink Japan K.K.",
        kind: OrgKind::SecurityProvider,
        sector: Some("security"),
        pref: Some(13),
        users: &[
            ("admin", "森 由紀", Role::Admin),
            ("analyst", "池田 学", Role::Reporter),
        ],
    },
    // Added for alerts (issue 18), last so the ids above stay as they were.
    OrgSpec {
        slug: "town-hinode",
        ja: "ひので町",
        en: "Hinode Town",
        kind: OrgKind::LocalGovernment,
        sector: Some("government"),
        pref: Some(22),
        users: &[("admin", "石川 早苗", Role::Admin)],
    },
    OrgSpec {
        slug: "fuji-giken",
        ja: "有限会社ふじ技研",
        en: "Fuji Giken Ltd.",
        kind: OrgKind::Supplier,
        sector: Some("it_services"),
        pref: Some(22),
        users: &[("admin", "望月 亮介", Role::Admin)],
    },
];

/// customer slug, contractor slug, tier
const LINKS: &[(&str, &str, i64)] = &[
    ("toto-power", "mirai-ctrl", 1),
    ("toto-power", "sakura-net", 2),
    ("kansai-rail", "kansai-maint", 1),
    ("hokuriku-med", "hokuriku-iryo", 1),
    ("hokuriku-med", "hikari-soft", 2),
    // みどり町's maintenance vendor and its subcontractor: who receives
    // the alerts the town forwards.
    ("town-midori", "sakura-net", 1),
    ("sakura-net", "fuji-giken", 1),
];

/// The council's confidentiality terms, as a member reads them before
/// accepting (demo text modelled on the Act's duties, Art. 45).
const COUNCIL_TERMS: &str = "サイバーセキュリティ協議会 構成員の守秘に関する規約（2026年10月版）

1. 構成員は、協議会で共有された情報を、自組織のサイバーセキュリティ対策のためにのみ利用します。
2. 構成員は、協議会で知り得た秘密を漏らしてはなりません。この義務は、構成員でなくなった後も続きます（サイバー対処能力強化法第45条）。
3. 共有された情報には TLP（Traffic Light Protocol）の区分が付いています。区分が示す範囲を超えて共有してはなりません。TLP:RED の情報は、名指しされた受け手だけが読めます。
4. 共有された情報を読んだ記録は、監査のために保存されます。
5. 情報の漏えい、またはそのおそれに気づいたときは、直ちに協議会事務局（国家サイバー統括室）に連絡します。
6. 規約が改訂されたときは、改めて同意するまで、協議会で共有される情報を読むことはできません。";

/// The electricity ISAC's terms (demo text).
const ISAC_TERMS: &str = "電力ISAC 情報共有規約（第1.2版）

1. 参加組織は、共有された情報を電力の安定供給を守る目的にのみ利用します。
2. TLP の区分に従い、定められた範囲を超えて共有しません。
3. 参加組織は、自らが検知した不審な通信や被害の情報を、可能な範囲で速やかに共有するよう努めます。
4. 共有された情報の出所となった組織名は、本人の同意なく外部に明かしません。";

pub fn email(local: &str, slug: &str) -> String {
    format!("{local}@{slug}.example.jp")
}

/// Loads the demo world unless the store already has organisations.
pub async fn load(store: &dyn Store, data: &Path) -> anyhow::Result<Accounts> {
    let pw_file = data.join("demo-password.txt");
    let mut users = Vec::new();
    for o in ORGS {
        for (local, name, role) in o.users {
            users.push((
                email(local, o.slug),
                format!("{} / {} / {}", o.ja, name, role.as_str()),
            ));
        }
    }
    if !store.list_orgs().await?.is_empty() {
        let password = std::fs::read_to_string(&pw_file)
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|_| "(set on first run)".to_owned());
        return Ok(Accounts { password, users });
    }
    let password = match std::env::var("RENKEI_DEMO_PASSWORD") {
        Ok(p) => p,
        Err(_) => renkei_server::http::auth::random_secret()[..16].to_owned(),
    };
    renkei_server::http::auth::check_password_policy(&password).context("RENKEI_DEMO_PASSWORD")?;
    write_private(&pw_file, &password)?;
    build(store, &password).await?;
    Ok(Accounts { password, users })
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(f, "{text}")?;
    Ok(())
}

async fn actor_for(store: &dyn Store, u: &User) -> anyhow::Result<Actor> {
    Ok(Actor {
        viewer: store.viewer_for_user(u.id).await?,
        label: u.email.to_string(),
        source: "demo".into(),
        system: false,
    })
}

/// Creates the world through the same store calls (and audit) as real use.
pub async fn build(store: &dyn Store, password: &str) -> anyhow::Result<()> {
    let system = Actor::system("demo");
    // One argon2id hash for every demo account: they share a password, and
    // hashing each separately would only slow the demo's start.
    let hash = renkei_server::http::auth::hash_password(password)?;
    let mut orgs: Vec<(&str, Org)> = Vec::new();
    let mut users: Vec<(String, User)> = Vec::new();
    for o in ORGS {
        let org = store
            .create_org(
                &system,
                NewOrg {
                    name_ja: o.ja.into(),
                    name_en: o.en.into(),
                    kind: o.kind,
                    sector: o.sector.map(Sector::parse).transpose()?,
                    prefecture: o.pref.map(Prefecture::from_code).transpose()?,
                },
            )
            .await?;
        for (local, name, role) in o.users {
            let e = email(local, o.slug);
            let u = store
                .create_user(
                    &system,
                    NewUser {
                        org: org.id,
                        email: Email::parse(&e)?,
                        display_name: (*name).into(),
                        role: *role,
                        password_hash: hash.clone(),
                    },
                )
                .await?;
            users.push((e, u));
        }
        orgs.push((o.slug, org));
    }
    let org = |slug: &str| {
        orgs.iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, o)| o.id)
            .expect("demo org")
    };
    let user = |e: &str| {
        users
            .iter()
            .find(|(x, _)| x == e)
            .map(|(_, u)| u.clone())
            .expect("demo user")
    };

    for (c, k, tier) in LINKS {
        store
            .add_supply_link(&system, SupplyLink::new(org(c), org(k), *tier)?)
            .await?;
    }

    // 静岡県 relays alerts to みどり町 and ひので町.
    store
        .set_prefectural_government(&system, org("pref-shizuoka"), true)
        .await?;

    let council = store
        .create_community(
            &system,
            NewCommunity {
                name_ja: "サイバーセキュリティ協議会".into(),
                name_en: "Cybersecurity Council".into(),
                description:
                    "サイバー対処能力強化法に基づく官民の情報共有の場。構成員は守秘義務を負う。"
                        .into(),
                terms_version: "2026.10".into(),
                terms_text: COUNCIL_TERMS.into(),
            },
        )
        .await?;
    let isac = store
        .create_community(
            &system,
            NewCommunity {
                name_ja: "電力ISAC".into(),
                name_en: "Electricity ISAC".into(),
                description: "電力分野の事業者と関係事業者による情報共有・分析の枠組み。".into(),
                terms_version: "1.2".into(),
                terms_text: ISAC_TERMS.into(),
            },
        )
        .await?;
    let council_members = [
        "ncso",
        "toto-power",
        "kansai-rail",
        "hokuriku-med",
        "pref-shizuoka",
        "town-midori",
        "town-hinode",
        "nihon-isw",
        "yamato-denshi",
        "securelink",
    ];
    // みどり町 has not accepted the terms yet: it is a member on paper only.
    let pending = ["town-midori"];
    join(
        store,
        &system,
        council.id,
        &council_members,
        &pending,
        &org,
        &user,
    )
    .await?;
    join(
        store,
        &system,
        isac.id,
        &["toto-power", "mirai-ctrl", "securelink"],
        &[],
        &org,
        &user,
    )
    .await?;

    let share =
        |by: &str, tlp: Tlp, pap: Option<Pap>, audience: Audience, title: &str, body: &str| {
            let u = user(by);
            let (title, body) = (title.to_owned(), body.to_owned());
            async move {
                let actor = actor_for(store, &u).await?;
                let marking = Marking {
                    tlp,
                    pap,
                    audience,
                    owner_org: u.org,
                    created_by: Some(u.id),
                };
                store
                    .share_item(
                        &actor,
                        NewItem {
                            title,
                            body,
                            marking,
                        },
                    )
                    .await
                    .context("demo item")
            }
        };
    stix(store, &system, council.id, isac.id, &user).await?;
    share(
        "analyst@ncso.example.jp",
        Tlp::Clear,
        None,
        Audience::default(),
        "【注意喚起】VPN機器の既知の脆弱性を悪用した攻撃について",
        "外部接続点のVPN機器の脆弱性を悪用したランサムウェア被害が続いています。\n\n対策の手順:\n1. 自組織の外部接続点（VPN・リモート保守回線）を棚卸しする。\n2. 各機器のファームウェアを最新版に更新する。\n3. 管理画面をインターネットに公開しない。\n4. 認証情報を変更し、多要素認証を有効にする。",
    )
    .await?;
    share(
        "analyst@ncso.example.jp",
        Tlp::Green,
        Some(Pap::Green),
        Audience {
            communities: vec![council.id],
            ..Audience::default()
        },
        "ランサムウェア攻撃の手口に関する分析（2026年11月）",
        "協議会構成員向けの分析です。侵入経路の多くは保守用リモート接続でした。",
    )
    .await?;
    share(
        "soc@toto-power.example.jp",
        Tlp::Amber,
        Some(Pap::Amber),
        Audience { sectors: vec![Sector::parse("electricity")?], communities: vec![isac.id], ..Audience::default() },
        "制御系ネットワークへの不審な通信（203.0.113.45）",
        "11月18日、制御系ネットワークの境界で 203.0.113.45 からの探索通信を検知しました。同様の通信の有無をご確認ください。",
    )
    .await?;
    share(
        "analyst@securelink.example.jp",
        Tlp::AmberStrict,
        None,
        Audience {
            orgs: vec![org("kansai-rail")],
            ..Audience::default()
        },
        "貴社ドメインを騙るフィッシングサイトについて",
        "kansai-rail-login.example.com が貴社の利用者を狙っています。閉鎖手続きを推奨します。",
    )
    .await?;
    let toto_admin = user("admin@toto-power.example.jp");
    share(
        "analyst@ncso.example.jp",
        Tlp::Red,
        Some(Pap::Red),
        Audience { users: vec![toto_admin.id], ..Audience::default() },
        "調整中の未公開脆弱性に関する事前連絡",
        "貴社が利用する制御機器の未公開脆弱性について、製品ベンダーと調整中です。公開まで他者への共有はできません。",
    )
    .await?;
    let toto = actor_for(store, &user("soc@toto-power.example.jp")).await?;
    let kansai = actor_for(store, &user("soc@kansai-rail.example.jp")).await?;
    crate::demo_reports::build(store, &system, org("ncso"), &toto, &kansai).await?;
    Ok(())
}

async fn join(
    store: &dyn Store,
    system: &Actor,
    community: CommunityId,
    members: &[&str],
    pending: &[&str],
    org: &impl Fn(&str) -> OrgId,
    user: &impl Fn(&str) -> User,
) -> anyhow::Result<()> {
    for slug in members {
        let m = store.add_membership(system, community, org(slug)).await?;
        if !pending.contains(slug) {
            let admin = user(&email("admin", slug));
            store
                .accept_terms(&actor_for(store, &admin).await?, m.id)
                .await?;
        }
    }
    Ok(())
}

/// TAXII collections for both communities, with STIX indicators at several
/// TLP levels shared by their members.
async fn stix(
    store: &dyn Store,
    system: &Actor,
    council: CommunityId,
    isac: CommunityId,
    user: &impl Fn(&str) -> User,
) -> anyhow::Result<()> {
    use renkei_core::model::NewCollection;
    let council_col = store
        .create_collection(
            system,
            NewCollection {
                community: council,
                title: "協議会 共有指標 (Council indicators)".into(),
                description: "協議会構成員が共有する侵害指標と分析。".into(),
                default_tlp: Tlp::Green,
            },
        )
        .await?;
    let isac_col = store
        .create_collection(
            system,
            NewCollection {
                community: isac,
                title: "電力ISAC 指標 (Electricity ISAC indicators)".into(),
                description: "電力分野の侵害指標。".into(),
                default_tlp: Tlp::Amber,
            },
        )
        .await?;
    let indicator = |n: u32, name: &str, pattern: &str, tlp: Tlp| {
        let id = format!(
            "indicator--{:08x}-0000-4000-8000-{:012x}",
            0x5e_1a_00_00 + n,
            n
        );
        let body = serde_json::json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": "2026-11-18T09:00:00.000Z", "modified": "2026-11-18T09:00:00.000Z",
            "name": name, "indicator_types": ["malicious-activity"],
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-11-18T09:00:00Z",
            "object_marking_refs": [renkei_stix::tlp_marking_id(tlp)]
        });
        let o = renkei_stix::parse_object(&body, None)
            .map_err(|e| anyhow::anyhow!("demo indicator: {e}"))?;
        anyhow::Ok(renkei_server::share::new_version(&o))
    };
    let analyst = actor_for(store, &user("analyst@ncso.example.jp")).await?;
    store
        .add_stix(
            &analyst,
            &council_col,
            vec![
                indicator(
                    1,
                    "VPN機器を狙う攻撃元",
                    "[ipv4-addr:value = '203.0.113.45']",
                    Tlp::Green,
                )?,
                indicator(
                    2,
                    "ランサムウェア配布ドメイン",
                    "[domain-name:value = 'update-check.example.net']",
                    Tlp::Green,
                )?,
                indicator(
                    3,
                    "フィッシングURL",
                    "[url:value = 'http://kansai-rail-login.example.com/login']",
                    Tlp::Clear,
                )?,
            ],
        )
        .await?;
    let soc = actor_for(store, &user("soc@toto-power.example.jp")).await?;
    store
        .add_stix(&soc, &isac_col, vec![
            indicator(4, "制御系への探索元", "[ipv4-addr:value = '198.51.100.77']", Tlp::Amber)?,
            indicator(5, "不審なファイル", "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", Tlp::Amber)?,
        ])
        .await?;
    // The operator's view of the same campaign: a network holding the
    // national office's address, so the two correlate; and a railway's
    // sighting of the office's indicator.
    store
        .add_stix(
            &soc,
            &council_col,
            vec![indicator(
                6,
                "VPN探索の発信元ネットワーク",
                "[ipv4-addr:value = '203.0.113.0/24']",
                Tlp::Green,
            )?],
        )
        .await?;
    // Values every export can hold: the ones above are all in documentation
    // ranges, which the warning lists keep out of blocking formats. These
    // are invented and say so in their name and description; the addresses
    // are in 198.18.0.0/15 (RFC 2544, benchmarking, never routed on the
    // internet) and the names under example.jp (reserved by JPRS for
    // examples), so blocking them harms nobody.
    let demo = |n: u32, name: &str, pattern: &str, tlp: Tlp| {
        let id = format!(
            "indicator--{:08x}-0000-4000-8000-{:012x}",
            0x5e_1a_00_00 + n,
            n
        );
        let body = serde_json::json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": "2026-11-20T09:00:00.000Z", "modified": "2026-11-20T09:00:00.000Z",
            "name": format!("【デモ】{name}"),
            "description": "デモ用の架空の値です。実在の攻撃元ではありません（198.18.0.0/15 はベンチマーク用に、example.jp は例示用に予約されています）。エクスポートの出力例を示すために登録しています。",
            "indicator_types": ["malicious-activity"],
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-11-20T09:00:00Z",
            "object_marking_refs": [renkei_stix::tlp_marking_id(tlp)]
        });
        let o = renkei_stix::parse_object(&body, None)
            .map_err(|e| anyhow::anyhow!("demo indicator: {e}"))?;
        anyhow::Ok(renkei_server::share::new_version(&o))
    };
    store
        .add_stix(
            &analyst,
            &council_col,
            vec![
                demo(
                    21,
                    "VPN機器への攻撃元",
                    "[ipv4-addr:value = '198.18.45.10']",
                    Tlp::Green,
                )?,
                demo(
                    22,
                    "C2サーバのドメイン",
                    "[domain-name:value = 'c2.renkei-demo.example.jp']",
                    Tlp::Green,
                )?,
                demo(
                    23,
                    "マルウェア配布URL",
                    "[url:value = 'http://update.renkei-demo.example.jp/dl/setup.exe']",
                    Tlp::Green,
                )?,
            ],
        )
        .await?;
    store
        .add_stix(
            &soc,
            &isac_col,
            vec![demo(
                24,
                "制御系への探索元",
                "[ipv4-addr:value = '198.19.77.7']",
                Tlp::Amber,
            )?],
        )
        .await?;
    let sighting = serde_json::json!({
        "type": "sighting", "spec_version": "2.1", "id": "sighting--5e1a0007-0000-4000-8000-000000000007",
        "created": "2026-11-19T02:00:00.000Z", "modified": "2026-11-19T02:00:00.000Z",
        "sighting_of_ref": "indicator--5e1a0001-0000-4000-8000-000000000001", "count": 12,
        "first_seen": "2026-11-18T22:00:00Z", "last_seen": "2026-11-19T01:30:00Z",
        "object_marking_refs": [renkei_stix::tlp_marking_id(Tlp::Green)]
    });
    let sighting = renkei_stix::parse_object(&sighting, None)
        .map_err(|e| anyhow::anyhow!("demo sighting: {e}"))?;
    let rail = actor_for(store, &user("soc@kansai-rail.example.jp")).await?;
    store
        .add_stix(
            &rail,
            &council_col,
            vec![renkei_server::share::new_version(&sighting)],
        )
        .await?;
    Ok(())
}

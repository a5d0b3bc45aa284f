//! The demo's reporting: every shipped regime's recipients bound to the
//! national office, and two incidents under the Cyber Response Act — Toto
//! Electric's ransomware with its flash report filed, Kansai Railway's
//! DDoS still a draft with its clock running.

use renkei_core::{Actor, Timestamp};
use renkei_report::ProfileSet;
use renkei_store::Store;
use renkei_store::reports::{Consent, NewIncident, NewReport, NewVersion};
use serde_json::json;

const HOUR: i64 = 3_600_000_000;

pub async fn build(
    store: &dyn Store,
    system: &Actor,
    office: renkei_core::OrgId,
    toto: &Actor,
    kansai: &Actor,
) -> anyhow::Result<()> {
    let profiles = ProfileSet::shipped().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for p in profiles.iter() {
        for r in &p.recipients {
            store.bind_recipient(system, &p.id, &r.id, office).await?;
        }
    }
    let now = Timestamp::now().0;
    let aware = Timestamp(now - 5 * HOUR);
    let (_, reports) = store
        .open_incident(
            toto,
            NewIncident {
                org: toto
                    .viewer
                    .org
                    .ok_or_else(|| anyhow::anyhow!("toto has no org"))?,
                title: "ファイルサーバのランサムウェア感染".into(),
                aware_at: Some(aware),
                facts: json!({"events": {}, "conditions": []}).to_string(),
                common: json!({"summary": "本社ファイルサーバ3台が暗号化された。"}).to_string(),
                reports: vec![NewReport {
                    profile_id: "jp-cyber-response".into(),
                    notice_id: None,
                    title: "ファイルサーバのランサムウェア感染".into(),
                    consent: Consent {
                        national: true,
                        sanitised: true,
                    },
                    next_due_at: None,
                }],
            },
        )
        .await?;
    let aware_local = jiff::Timestamp::from_microsecond(aware.0)?
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Tokyo")?)
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let values = json!({
        "report-category": "flash",
        "operator": "東都電力株式会社",
        "sector": "電力",
        "contact": "情報セキュリティ室 田中 03-0000-0000",
        "aware-at": aware_local,
        "incident-overview": "本社ファイルサーバ3台のファイルが暗号化され、身代金要求の文書が置かれた。",
        "affected-computer": ["本社ファイルサーバ（業務系、制御系とは分離）"],
        "response-taken": "該当サーバをネットワークから切り離し、バックアップの健全性を確認中。",
        "ransom-note": "README-RESTORE.txt",
        "encrypted-extension": ".locked",
        "indicators": ["185.220.101.47", "restore-files.example.net"],
    });
    store
        .submit_version(
            toto,
            reports[0].id,
            NewVersion {
                stage_id: Some("flash".into()),
                form_id: "ransomware".into(),
                body: values.to_string(),
                note: String::new(),
                // The detailed report's 30 days run from the flash report.
                next_due_at: Some(Timestamp(now + 30 * 24 * HOUR)),
                indicators: ["185.220.101.47", "restore-files.example.net"]
                    .iter()
                    .filter_map(|v| renkei_core::IndicatorValue::guess(v).ok())
                    .collect(),
            },
        )
        .await?;
    let aware = Timestamp(now - 20 * HOUR);
    store
        .open_incident(
            kansai,
            NewIncident {
                org: kansai
                    .viewer
                    .org
                    .ok_or_else(|| anyhow::anyhow!("kansai has no org"))?,
                title: "予約サイトへの DDoS 攻撃".into(),
                aware_at: Some(aware),
                facts: json!({"events": {}, "conditions": []}).to_string(),
                common: json!({"summary": "予約サイトが断続的に応答しない。"}).to_string(),
                reports: vec![NewReport {
                    profile_id: "jp-cyber-response".into(),
                    notice_id: None,
                    title: "予約サイトへの DDoS 攻撃".into(),
                    consent: Consent::default(),
                    next_due_at: Some(Timestamp(aware.0 + 24 * HOUR)),
                }],
            },
        )
        .await?;
    Ok(())
}

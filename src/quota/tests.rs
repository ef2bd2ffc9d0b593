use std::sync::Arc;

use chrono::TimeZone;

use super::*;

fn key(day: u32) -> QuotaKey {
    QuotaKey::new(
        "key-1",
        Environment::Uat,
        Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap(),
    )
}

async fn admits_up_to_the_ceiling(count: &dyn DailyCount) {
    let k = key(5);
    assert_eq!(count.get(&k).await.unwrap(), DayUsage::default());
    for i in 1..=3 {
        let got = count.try_add(&k, 1, 3).await.unwrap();
        assert_eq!(
            got,
            Admission::Admitted(DayUsage {
                used: i,
                spent: false
            })
        );
    }
    assert_eq!(
        count.try_add(&k, 1, 3).await.unwrap(),
        Admission::Refused(DayUsage {
            used: 3,
            spent: false
        })
    );
    // Raising never lowers; spent refuses everything.
    assert_eq!(count.raise(&k, 2, false).await.unwrap().used, 3);
    assert_eq!(count.raise(&k, 7, false).await.unwrap().used, 7);
    let spent = count.raise(&k, 0, true).await.unwrap();
    assert!(spent.spent && spent.used == 7);
    assert!(matches!(
        count.try_add(&k, 1, u64::MAX).await.unwrap(),
        Admission::Refused(_)
    ));
    // A new UTC day starts at 0.
    let next = key(6);
    assert_eq!(
        count.try_add(&next, 1, 10).await.unwrap(),
        Admission::Admitted(DayUsage {
            used: 1,
            spent: false
        })
    );
    assert_eq!(count.get(&k).await.unwrap().used, 7, "yesterday is kept");
}

#[tokio::test]
async fn memory_count_admits_up_to_the_ceiling() {
    admits_up_to_the_ceiling(&MemoryCount::new()).await;
}

#[tokio::test]
async fn file_count_admits_up_to_the_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    admits_up_to_the_ceiling(&FileCount::new(dir.path())).await;
}

#[test]
fn the_day_resets_at_the_next_utc_midnight() {
    let k = key(5);
    assert_eq!(
        k.resets_at(),
        Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap()
    );
}

#[test]
fn key_ids_are_escaped_in_file_names() {
    let count = FileCount::new("/state");
    let mut k = key(5);
    k.app_key = "a/b c".into();
    assert_eq!(
        count.path(&k),
        std::path::Path::new("/state/requests-ext_uat_cert-a%2Fb%20c.day")
    );
}

/// Two counters on one file (as two processes would hold them), adding from
/// several threads each with their own runtime: no addition is lost and the
/// ceiling is never passed.
#[test]
fn two_file_counters_share_one_count_and_its_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let count = FileCount::new(dir.path());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let mut admitted = 0;
                    for _ in 0..40 {
                        if let Admission::Admitted(_) =
                            count.try_add(&key(5), 1, 100).await.unwrap()
                        {
                            admitted += 1;
                        }
                    }
                    admitted
                })
            })
        })
        .collect();
    let admitted: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(admitted, 100, "160 tries, ceiling 100");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let usage = rt
        .block_on(FileCount::new(dir.path()).get(&key(5)))
        .unwrap();
    assert_eq!(usage.used, 100);
}

#[tokio::test]
async fn a_torn_or_garbled_file_errs_high_and_never_resets_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let count = FileCount::new(dir.path());
    let k = key(5);
    count.try_add(&k, 4321, u64::MAX).await.unwrap();
    let path = count.path(&k);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("2026-12-05 4321 0\n"), "{text}");
    for torn in [
        &text[..text.len() - 3],
        "",
        "garbage\u{0}\u{0}",
        &text[..20],
    ] {
        std::fs::write(&path, torn).unwrap();
        let seen = count.get(&k).await.unwrap();
        assert!(seen.spent, "{torn:?} must read as spent");
        assert!(
            matches!(
                count.try_add(&k, 1, u64::MAX).await.unwrap(),
                Admission::Refused(_)
            ),
            "{torn:?}"
        );
        // The file was rewritten as spent, at the largest number it held.
        let healed = std::fs::read_to_string(&path).unwrap();
        assert!(healed.starts_with(HEADER_FOR_TESTS), "{healed}");
        assert!(count.get(&k).await.unwrap().spent);
    }
    std::fs::write(&path, &text[..text.len() - 3]).unwrap();
    assert_eq!(
        count.get(&k).await.unwrap().used,
        4321,
        "the count survives the tear"
    );
}

const HEADER_FOR_TESTS: &str = "# ttrest requests per UTC day";

#[tokio::test]
async fn stores_are_usable_as_trait_objects() {
    let count: Arc<dyn DailyCount> = Arc::new(MemoryCount::new());
    assert!(matches!(
        count.try_add(&key(5), 2, 2).await.unwrap(),
        Admission::Admitted(DayUsage { used: 2, .. })
    ));
}

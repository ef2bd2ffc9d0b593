//! Where the sandbox keeps its state: the generated [`World`] in memory, plus
//! what clients add (admin fills), optionally persisted to a SQLite file so it
//! survives restarts. Generated data is never stored: the seed recreates it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use rusqlite::{params, Connection, OptionalExtension};

use super::data::{Fill, World};

/// Why the store could not be opened or written. Names the file and what to do.
#[derive(Debug, thiserror::Error)]
#[error("sandbox store {path}: {message}")]
pub struct StoreError {
    path: String,
    message: String,
}

/// A fill a client asked to add (`POST /ttmonitor/<env>/adminfill`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct NewFill {
    pub(crate) account_id: u64,
    pub(crate) instrument_id: u64,
    pub(crate) side: u8,
    pub(crate) qty: u32,
    pub(crate) price: f64,
    pub(crate) ts: u64,
}

/// The world plus its optional SQLite mirror of added fills.
#[derive(Debug)]
pub(crate) struct Store {
    world: RwLock<World>,
    db: Option<(PathBuf, Mutex<Connection>)>,
    next_seq: AtomicU32,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS admin_fills (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    instrument_id TEXT NOT NULL,
    side INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    price REAL NOT NULL
);";

impl Store {
    /// Keeps everything in memory.
    pub(crate) fn memory(world: World) -> Store {
        let next_seq = AtomicU32::new(world.next_seq());
        Store {
            world: RwLock::new(world),
            db: None,
            next_seq,
        }
    }

    /// Opens (or creates) a SQLite file and replays the fills added in earlier runs.
    /// The file remembers the seed and size it was made with; a different world
    /// would give its fills to the wrong accounts, so that is refused.
    pub(crate) fn sqlite(
        world: World,
        path: &Path,
        fingerprint: &str,
    ) -> Result<Store, StoreError> {
        let fail = |message: String| StoreError {
            path: path.display().to_string(),
            message,
        };
        let conn = Connection::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| fail(format!("cannot create tables: {e}")))?;
        check_fingerprint(&conn, fingerprint).map_err(fail)?;
        let mut store = Store::memory(world);
        store.replay(&conn).map_err(fail)?;
        store.db = Some((path.to_path_buf(), Mutex::new(conn)));
        Ok(store)
    }

    fn replay(&mut self, conn: &Connection) -> Result<(), String> {
        let mut stmt = conn
            .prepare("SELECT seq, ts, account_id, instrument_id, side, qty, price FROM admin_fills ORDER BY seq")
            .map_err(|e| format!("cannot read admin_fills: {e}"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u8>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, f64>(6)?,
                ))
            })
            .map_err(|e| format!("cannot read admin_fills: {e}"))?;
        let world = self.world.get_mut().expect("world lock poisoned");
        for row in rows {
            let (seq, ts, account_id, instrument_id, side, qty, price) =
                row.map_err(|e| format!("bad admin_fills row: {e}"))?;
            let new = NewFill {
                account_id: account_id as u64,
                instrument_id: instrument_id
                    .parse()
                    .map_err(|_| format!("bad instrument id {instrument_id}"))?,
                side,
                qty,
                price,
                ts: ts as u64,
            };
            let fill = resolve(world, &new, seq)?;
            world.insert_fill(fill);
            self.next_seq.fetch_max(seq + 1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Read access to the world.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().expect("world lock poisoned")
    }

    /// Adds a fill, writing it to SQLite first (if any) so memory never holds a fill
    /// the file lacks. Errors name the account or instrument that is unknown.
    pub(crate) fn add_fill(&self, new: NewFill) -> Result<Fill, String> {
        let mut world = self.world.write().expect("world lock poisoned");
        let seq = self.next_seq.load(Ordering::Relaxed);
        let fill = resolve(&world, &new, seq)?;
        if let Some((path, conn)) = &self.db {
            let conn = conn.lock().expect("sqlite lock poisoned");
            conn.execute(
                "INSERT INTO admin_fills (seq, ts, account_id, instrument_id, side, qty, price) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![seq, new.ts as i64, new.account_id as i64, new.instrument_id.to_string(), new.side, new.qty, new.price],
            )
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        world.insert_fill(fill);
        self.next_seq.store(seq + 1, Ordering::Relaxed);
        Ok(fill)
    }
}

/// Turns ids into table indexes; admin fills get their own order numbers.
fn resolve(world: &World, new: &NewFill, seq: u32) -> Result<Fill, String> {
    let account = world
        .account_index(new.account_id)
        .ok_or_else(|| format!("unknown accountId {}", new.account_id))?;
    let instrument = world
        .instrument_index(new.instrument_id)
        .ok_or_else(|| format!("unknown instrumentId {}", new.instrument_id))?;
    if new.side != 1 && new.side != 2 {
        return Err(format!(
            "side must be 1 (buy) or 2 (sell), not {}",
            new.side
        ));
    }
    Ok(Fill {
        ts: new.ts,
        price: new.price,
        qty: new.qty,
        seq,
        order: 0x8000_0000 | seq,
        instrument,
        account,
        user: (usize::from(account) % world.users.len()) as u16,
        side: new.side,
        flags: Fill::MANUAL | Fill::COMPLETES,
    })
}

fn check_fingerprint(conn: &Connection, fingerprint: &str) -> Result<(), String> {
    let stored: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'world'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| format!("cannot read meta: {e}"))?;
    match stored {
        Some(s) if s == fingerprint => Ok(()),
        Some(s) => Err(format!(
            "was made for the world `{s}`, not `{fingerprint}`; start with the same seed and sizes, or use a new file"
        )),
        None => conn
            .execute("INSERT INTO meta (key, value) VALUES ('world', ?1)", [fingerprint])
            .map(drop)
            .map_err(|e| format!("cannot write meta: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::data::Size;
    use super::*;

    fn world(seed: u64) -> World {
        World::generate(
            seed,
            Size {
                fills: 50,
                accounts: 3,
                users: 2,
                orders: 1,
            },
        )
    }

    #[test]
    fn sqlite_keeps_added_fills_across_reopen() {
        let dir = std::env::temp_dir().join(format!("ttrest-store-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sandbox.db");
        let w = world(5);
        let new = NewFill {
            account_id: u64::from(w.accounts[0].id),
            instrument_id: w.instruments[0].id,
            side: 1,
            qty: 3,
            price: 1.5,
            ts: 42,
        };
        let store = Store::sqlite(w, &path, "seed=5").unwrap();
        store.add_fill(new).unwrap();
        drop(store);
        let again = Store::sqlite(world(5), &path, "seed=5").unwrap();
        assert_eq!(again.read().fills.len(), 51);
        assert_eq!(again.read().fills[0].ts, 42, "sorted first by timestamp");
        let err = Store::sqlite(world(6), &path, "seed=6")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sandbox.db") && err.contains("seed=5"),
            "{err}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_ids_are_named() {
        let store = Store::memory(world(1));
        let err = store
            .add_fill(NewFill {
                account_id: 1,
                instrument_id: 2,
                side: 1,
                qty: 1,
                price: 1.0,
                ts: 1,
            })
            .unwrap_err();
        assert!(err.contains("accountId 1"), "{err}");
    }
}

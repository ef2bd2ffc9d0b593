//! The deterministic world a sandbox serves: markets, products, instruments,
//! accounts, users, working orders, SOD records and fills, all from one seed.
//!
//! Fills are the bulk (up to millions), so each is a 40-byte [`Fill`] in one `Vec`
//! sorted by timestamp; JSON is produced only for the page being served.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 2026-11-20 14:30:00 UTC in epoch nanoseconds: the first fill's time. Fixed, so a
/// seed always yields the same data whatever the day.
pub(crate) const START_NS: u64 = 1_795_185_000_000_000_000;
/// TT's currency id for USD.
pub(crate) const USD: u32 = 151;

/// (id, name, MIC). CME = 7 and ICE = 32 as on TT; the others are plausible.
pub(crate) const MARKETS: &[(u32, &str, &str)] = &[
    (7, "CME", "XCME"),
    (32, "ICE", "IFUS"),
    (28, "Eurex", "XEUR"),
    (92, "ICE_L", "IFEU"),
    (58, "SGX", "XSES"),
    (84, "CFE", "XCBF"),
];

/// (currency id, code).
pub(crate) const CURRENCIES: &[(u32, &str)] =
    &[(USD, "USD"), (46, "EUR"), (52, "GBP"), (125, "SGD")];

/// (market index, symbol, name, tick size, point value, typical price, currency id).
type ProductSpec = (usize, &'static str, &'static str, f64, f64, f64, u32);
const PRODUCTS: &[ProductSpec] = &[
    (0, "ES", "E-mini S&P 500", 0.25, 50.0, 6650.0, USD),
    (0, "NQ", "E-mini Nasdaq-100", 0.25, 20.0, 24500.0, USD),
    (0, "ZN", "10-Year T-Note", 0.015625, 1000.0, 112.5, USD),
    (0, "ZB", "U.S. Treasury Bond", 0.03125, 1000.0, 117.0, USD),
    (0, "CL", "Crude Oil", 0.01, 1000.0, 61.2, USD),
    (0, "GC", "Gold", 0.1, 100.0, 4050.0, USD),
    (0, "6E", "Euro FX", 0.00005, 125_000.0, 1.155, USD),
    (0, "ZC", "Corn", 0.25, 50.0, 432.0, USD),
    (1, "KC", "Coffee C", 0.05, 375.0, 380.0, USD),
    (1, "SB", "Sugar No. 11", 0.01, 1120.0, 14.8, USD),
    (2, "FGBL", "Euro-Bund", 0.01, 1000.0, 128.9, 46),
    (2, "FESX", "EURO STOXX 50", 1.0, 10.0, 5600.0, 46),
    (2, "FDAX", "DAX", 1.0, 25.0, 23300.0, 46),
    (3, "B", "Brent Crude", 0.01, 1000.0, 64.9, USD),
    (3, "R", "Long Gilt", 0.01, 1000.0, 92.4, 52),
    (4, "FEF", "SGX TSI Iron Ore", 0.01, 100.0, 104.5, USD),
    (5, "VX", "Cboe Volatility Index", 0.05, 1000.0, 19.5, USD),
];

/// Contract months listed per product (quarterly, from Dec 2026).
const MONTHS: &[(u32, &str)] = &[
    (202612, "Dec26"),
    (202703, "Mar27"),
    (202706, "Jun27"),
    (202709, "Sep27"),
    (202712, "Dec27"),
    (202803, "Mar28"),
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Radia", "Leslie",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Perlman", "Lamport",
];

/// How big a world to generate.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Size {
    pub(crate) fills: usize,
    pub(crate) accounts: usize,
    pub(crate) users: usize,
    pub(crate) orders: usize,
}

/// A product (`/products`, `/product/{id}`).
#[derive(Debug)]
pub(crate) struct Product {
    pub(crate) id: u64,
    pub(crate) family_id: u64,
    pub(crate) market: usize,
    pub(crate) symbol: &'static str,
    pub(crate) name: &'static str,
    pub(crate) tick: f64,
    pub(crate) point_value: f64,
    pub(crate) currency: u32,
}

/// A futures contract (`/instruments`, `/instrument/{id}`).
#[derive(Debug)]
pub(crate) struct Instrument {
    pub(crate) id: u64,
    pub(crate) product: usize,
    pub(crate) month: usize,
    pub(crate) price: f64,
}

/// A trading account.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) id: u32,
    pub(crate) name: String,
    pub(crate) parent: Option<u32>,
}

/// A TT user.
#[derive(Debug)]
pub(crate) struct User {
    pub(crate) id: u32,
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
}

/// One fill, compactly: indexes into the world's tables instead of ids.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fill {
    /// TT's `timeStamp`, epoch ns. Several fills of one match share it.
    pub(crate) ts: u64,
    pub(crate) price: f64,
    pub(crate) qty: u32,
    /// Unique fill number (drives exec ids).
    pub(crate) seq: u32,
    /// Order number (drives the order id).
    pub(crate) order: u32,
    pub(crate) instrument: u32,
    pub(crate) account: u16,
    pub(crate) user: u16,
    /// 1 buy, 2 sell (TT's fill encoding).
    pub(crate) side: u8,
    pub(crate) flags: u8,
}

impl Fill {
    /// The taker side of the match.
    pub(crate) const AGGRESSOR: u8 = 1;
    /// Entered through `POST /ttmonitor/<env>/adminfill`.
    pub(crate) const MANUAL: u8 = 2;
    /// The last fill of its order (`ordStatus` 2 filled, else 1 partial).
    pub(crate) const COMPLETES: u8 = 4;
    /// The parent fill of a calendar spread (`multiLegReportingType` 3): its
    /// `instrument` is the spread's near leg, its id [`spread_id`] of that leg.
    pub(crate) const SPREAD_PARENT: u8 = 8;
    /// A leg fill of a calendar spread (`multiLegReportingType` 2), right after its parent.
    pub(crate) const SPREAD_LEG: u8 = 16;
    /// The far leg (the near leg's instrument is the one before it).
    pub(crate) const FAR_LEG: u8 = 32;

    /// The near-leg instrument of the spread this parent or leg fill belongs to.
    pub(crate) fn spread_near_leg(&self) -> Option<u32> {
        match self.flags {
            f if f & Self::FAR_LEG != 0 => Some(self.instrument - 1),
            f if f & (Self::SPREAD_PARENT | Self::SPREAD_LEG) != 0 => Some(self.instrument),
            _ => None,
        }
    }
}

/// Every how many orders one is a calendar spread (parent fill plus leg fills).
const SPREAD_EVERY: u32 = 23;

/// The instrument id of the calendar spread whose near leg has id `near_leg`
/// (not listed by `/instruments`: TT lists spreads apart).
pub(crate) fn spread_id(seed: u64, near_leg: u64) -> u64 {
    splitmix(seed ^ near_leg ^ 0x5350_5245_4144) | 1 << 63
}

/// A working order (`/orders`).
#[derive(Debug)]
pub(crate) struct Order {
    pub(crate) seq: u32,
    pub(crate) ts: u64,
    pub(crate) price: f64,
    pub(crate) qty: u32,
    pub(crate) filled: u32,
    pub(crate) instrument: u32,
    pub(crate) account: u16,
    pub(crate) user: u16,
    pub(crate) side: u8,
}

/// A start-of-day position record.
#[derive(Debug)]
pub(crate) struct Sod {
    pub(crate) account: u16,
    pub(crate) instrument: u32,
    pub(crate) net: i64,
    pub(crate) price: f64,
}

/// Everything a sandbox serves.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) seed: u64,
    pub(crate) products: Vec<Product>,
    pub(crate) instruments: Vec<Instrument>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) users: Vec<User>,
    pub(crate) orders: Vec<Order>,
    pub(crate) sods: Vec<Sod>,
    /// Sorted by `ts`; fills with the same `ts` keep `seq` order.
    pub(crate) fills: Vec<Fill>,
    pub(crate) algo_ids: Vec<u64>,
}

/// A u64 id above `i64::MAX` with 20 decimal digits, as TT's instrument ids often are.
fn big_id(rng: &mut ChaCha8Rng) -> u64 {
    rng.random_range(10_000_000_000_000_000_000..=u64::MAX)
}

impl World {
    /// Generates the world for `seed`; the same seed and size give the same data.
    pub(crate) fn generate(seed: u64, size: Size) -> World {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let products = products(&mut rng);
        let instruments = instruments(&mut rng, &products);
        let accounts = accounts(&mut rng, size.accounts.clamp(1, usize::from(u16::MAX)));
        let users = (0..size.users.clamp(1, usize::from(u16::MAX)))
            .map(|i| User {
                id: 100_000 + i as u32 * 13 + rng.random_range(0..13),
                first: FIRST_NAMES[i % FIRST_NAMES.len()],
                last: LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()],
            })
            .collect();
        let mut world = World {
            seed,
            products,
            instruments,
            accounts,
            users,
            orders: Vec::new(),
            sods: Vec::new(),
            fills: Vec::new(),
            algo_ids: (0..4).map(|_| big_id(&mut rng)).collect(),
        };
        world.fills = fills(&mut rng, &world, size.fills);
        world.orders = orders(&mut rng, &world, size.orders, size.fills as u32);
        world.sods = sods(&mut rng, &world);
        world
    }

    /// The next free fill number, for fills added later.
    pub(crate) fn next_seq(&self) -> u32 {
        self.fills.iter().map(|f| f.seq + 1).max().unwrap_or(0)
    }

    /// Inserts a fill keeping the timestamp order (after any fill with the same `ts`).
    pub(crate) fn insert_fill(&mut self, fill: Fill) {
        let at = self.fills.partition_point(|f| f.ts <= fill.ts);
        self.fills.insert(at, fill);
    }

    pub(crate) fn account_index(&self, id: u64) -> Option<u16> {
        let i = self.accounts.iter().position(|a| u64::from(a.id) == id)?;
        u16::try_from(i).ok()
    }

    pub(crate) fn instrument_index(&self, id: u64) -> Option<u32> {
        let i = self.instruments.iter().position(|x| x.id == id)?;
        u32::try_from(i).ok()
    }

    pub(crate) fn product_of(&self, instrument: u32) -> &Product {
        &self.products[self.instruments[instrument as usize].product]
    }
}

fn products(rng: &mut ChaCha8Rng) -> Vec<Product> {
    PRODUCTS
        .iter()
        .map(
            |&(market, symbol, name, tick, point_value, _, currency)| Product {
                id: big_id(rng),
                family_id: big_id(rng),
                market,
                symbol,
                name,
                tick,
                point_value,
                currency,
            },
        )
        .collect()
}

fn instruments(rng: &mut ChaCha8Rng, products: &[Product]) -> Vec<Instrument> {
    let mut out = Vec::with_capacity(products.len() * MONTHS.len());
    for (p, spec) in PRODUCTS.iter().enumerate() {
        for month in 0..MONTHS.len() {
            let drift = 1.0 + (month as f64) * 0.002 + rng.random_range(-0.01..0.01);
            let price = round_to(spec.5 * drift, products[p].tick);
            out.push(Instrument {
                id: big_id(rng),
                product: p,
                month,
                price,
            });
        }
    }
    out
}

fn accounts(rng: &mut ChaCha8Rng, count: usize) -> Vec<Account> {
    let parents = count.div_ceil(8);
    let mut out: Vec<Account> = Vec::with_capacity(count);
    for i in 0..count {
        // Increasing with a random gap: unique, 7 digits for every allowed count.
        let id = 1_000_000 + i as u32 * 131 + rng.random_range(0..131);
        let parent = (i >= parents).then(|| out[i % parents].id);
        // SKY saw account names with a leading `&`; keep one such.
        let name = if i == 1 {
            format!("&SBX{i:04}")
        } else {
            format!("SBX{i:04}")
        };
        out.push(Account { id, name, parent });
    }
    out
}

/// Rounds a price to a whole number of ticks.
pub(crate) fn round_to(price: f64, tick: f64) -> f64 {
    let rounded = (price / tick).round() * tick;
    (rounded * 1e9).round() / 1e9
}

fn fills(rng: &mut ChaCha8Rng, world: &World, count: usize) -> Vec<Fill> {
    let mut out = Vec::with_capacity(count);
    let mut ts = START_NS;
    let mut order = 0u32;
    while out.len() < count {
        let instrument = pick_instrument(rng, world);
        let account = rng.random_range(0..world.accounts.len()) as u16;
        let user = (usize::from(account) % world.users.len()) as u16;
        let side = rng.random_range(1..=2u8);
        let tick = world.product_of(instrument).tick;
        let base = world.instruments[instrument as usize].price;
        // One order fills in 1-4 pieces; a third of multi-fill orders sweep several
        // price levels in one match and so share a single timestamp (a cluster).
        let pieces = rng.random_range(1..=4usize).min(count - out.len());
        // Some orders are calendar spreads: a parent fill, then its legs at the same
        // time. Decided without the generator, so other orders stay as they were.
        let spread = pieces > 1 && order % SPREAD_EVERY == SPREAD_EVERY / 2;
        let cluster = pieces > 1 && (rng.random_bool(0.35) || spread);
        let near = instrument - u32::from(spread && is_last_month(instrument));
        for piece in 0..pieces {
            if piece == 0 || !cluster {
                ts += rng.random_range(1_000_000..40_000_000) + rng.random_range(0..1000);
            }
            let level = if cluster { piece as f64 } else { 0.0 };
            let offset = rng.random_range(-8..=8) as f64 + if side == 1 { level } else { -level };
            let completes = if piece + 1 == pieces {
                Fill::COMPLETES
            } else {
                0
            };
            let aggressor = if rng.random_bool(0.6) {
                Fill::AGGRESSOR
            } else {
                0
            };
            let mut fill = Fill {
                ts,
                price: round_to(base + offset * tick, tick),
                qty: rng.random_range(1..=25),
                seq: out.len() as u32,
                order,
                instrument,
                account,
                user,
                side,
                flags: completes | aggressor,
            };
            if spread {
                as_spread_piece(&mut fill, piece, near, tick);
            }
            out.push(fill);
        }
        order += 1;
    }
    out
}

/// Whether `instrument` is its product's last listed month (it has no far leg).
fn is_last_month(instrument: u32) -> bool {
    instrument as usize % MONTHS.len() == MONTHS.len() - 1
}

/// Turns piece `piece` of a spread order into its parent fill (piece 0, priced as
/// the spread's difference in ticks) or a leg fill alternating near and far legs
/// (the far leg on the other side).
fn as_spread_piece(fill: &mut Fill, piece: usize, near: u32, tick: f64) {
    if piece == 0 {
        fill.flags |= Fill::SPREAD_PARENT;
        fill.instrument = near;
        fill.price = round_to(f64::from(fill.seq % 7 + 1) * tick, tick);
    } else if piece % 2 == 1 {
        fill.flags |= Fill::SPREAD_LEG;
        fill.instrument = near;
    } else {
        fill.flags |= Fill::SPREAD_LEG | Fill::FAR_LEG;
        fill.instrument = near + 1;
        fill.side = 3 - fill.side;
    }
}

/// Front months trade most.
fn pick_instrument(rng: &mut ChaCha8Rng, world: &World) -> u32 {
    let product = rng.random_range(0..world.products.len());
    let month = if rng.random_bool(0.75) {
        0
    } else {
        rng.random_range(1..MONTHS.len())
    };
    (product * MONTHS.len() + month) as u32
}

fn orders(rng: &mut ChaCha8Rng, world: &World, count: usize, first_seq: u32) -> Vec<Order> {
    let last_ts = world.fills.last().map_or(START_NS, |f| f.ts);
    (0..count)
        .map(|i| {
            let instrument = pick_instrument(rng, world);
            let side = rng.random_range(1..=2u8);
            let tick = world.product_of(instrument).tick;
            let away = rng.random_range(2..=40) as f64 * if side == 1 { -1.0 } else { 1.0 };
            let qty = rng.random_range(1..=50);
            let account = rng.random_range(0..world.accounts.len()) as u16;
            Order {
                seq: first_seq + i as u32,
                ts: last_ts.saturating_sub(rng.random_range(0..3_600_000_000_000)),
                price: round_to(
                    world.instruments[instrument as usize].price + away * tick,
                    tick,
                ),
                qty,
                filled: rng.random_range(0..qty),
                instrument,
                account,
                user: (usize::from(account) % world.users.len()) as u16,
                side,
            }
        })
        .collect()
}

fn sods(rng: &mut ChaCha8Rng, world: &World) -> Vec<Sod> {
    let mut out = Vec::new();
    for account in 0..world.accounts.len() as u16 {
        for _ in 0..2 {
            let instrument = pick_instrument(rng, world);
            let price = world.instruments[instrument as usize].price;
            let net = rng.random_range(-20..=20);
            if net != 0 {
                out.push(Sod {
                    account,
                    instrument,
                    net,
                    price,
                });
            }
        }
    }
    out
}

/// A stable, unique-looking v4 uuid derived from the seed, a kind tag and a number.
pub(crate) fn derived_uuid(seed: u64, kind: u64, n: u64) -> uuid::Uuid {
    let hi = splitmix(seed ^ kind.rotate_left(32) ^ n);
    let lo = splitmix(hi ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The contract month `(yyyymm, label)` of an instrument.
pub(crate) fn month(index: usize) -> (u32, &'static str) {
    MONTHS[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(fills: usize) -> Size {
        Size {
            fills,
            accounts: 10,
            users: 4,
            orders: 20,
        }
    }

    #[test]
    fn same_seed_same_world_other_seed_other_world() {
        let a = World::generate(7, size(2000));
        let b = World::generate(7, size(2000));
        let c = World::generate(8, size(2000));
        assert_eq!(a.fills, b.fills);
        assert_eq!(a.instruments[0].id, b.instruments[0].id);
        assert_ne!(a.fills, c.fills);
    }

    #[test]
    fn fills_are_sorted_with_shared_timestamps_and_big_ids() {
        let w = World::generate(1, size(5000));
        assert_eq!(w.fills.len(), 5000);
        assert!(w.fills.windows(2).all(|p| p[0].ts <= p[1].ts));
        assert!(
            w.fills.windows(2).any(|p| p[0].ts == p[1].ts),
            "clusters exist"
        );
        assert!(w
            .instruments
            .iter()
            .all(|i| i.id > i64::MAX as u64 && i.id.to_string().len() == 20));
        assert_eq!(std::mem::size_of::<Fill>(), 40);
    }

    #[test]
    fn spread_parents_are_followed_by_their_legs_at_the_same_time() {
        let w = World::generate(3, size(5000));
        let parents: Vec<usize> = (0..w.fills.len())
            .filter(|&i| w.fills[i].flags & Fill::SPREAD_PARENT != 0)
            .collect();
        assert!(parents.len() > 10, "{} spreads", parents.len());
        for i in parents {
            let (parent, leg) = (w.fills[i], w.fills[i + 1]);
            assert_eq!(leg.flags & Fill::SPREAD_LEG, Fill::SPREAD_LEG);
            assert_eq!((leg.ts, leg.order), (parent.ts, parent.order));
            assert_eq!(leg.spread_near_leg(), parent.spread_near_leg());
        }
        let far = w
            .fills
            .iter()
            .find(|f| f.flags & Fill::FAR_LEG != 0)
            .unwrap();
        assert_eq!(far.spread_near_leg(), Some(far.instrument - 1));
    }

    #[test]
    fn account_and_user_ids_are_unique_at_the_largest_size() {
        let w = World::generate(
            2,
            Size {
                fills: 0,
                accounts: 65_535,
                users: 65_535,
                orders: 0,
            },
        );
        let accounts: std::collections::HashSet<u32> = w.accounts.iter().map(|a| a.id).collect();
        let users: std::collections::HashSet<u32> = w.users.iter().map(|u| u.id).collect();
        assert_eq!((accounts.len(), users.len()), (65_535, 65_535));
        assert!(w.accounts.iter().all(|a| a.id.to_string().len() == 7));
    }

    #[test]
    fn inserted_fills_keep_order() {
        let mut w = World::generate(3, size(100));
        let mut extra = w.fills[10];
        extra.seq = w.next_seq();
        w.insert_fill(extra);
        assert!(w.fills.windows(2).all(|p| p[0].ts <= p[1].ts));
        assert_eq!(w.fills.len(), 101);
    }

    #[test]
    fn derived_uuids_are_stable_and_distinct() {
        assert_eq!(derived_uuid(1, 2, 3), derived_uuid(1, 2, 3));
        assert_ne!(derived_uuid(1, 2, 3), derived_uuid(1, 2, 4));
        assert_eq!(derived_uuid(1, 2, 3).get_version_num(), 4);
    }
}

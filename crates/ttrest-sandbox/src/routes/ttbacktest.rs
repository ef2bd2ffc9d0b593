//! ttbacktest: ADL algo backtests (served in `ext_prod_sim` only). A backtest
//! advances one status per poll, so clients' wait loops are exercised quickly.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use super::{not_found, to_json, Shared};
use crate::envelope;
use ttrest::ttbacktest::types as backtest;

routes! {
    get "/ttbacktest/{env}/algobacktest" => list,
    post "/ttbacktest/{env}/algobacktest" => submit,
    get "/ttbacktest/{env}/algobacktest/{backtestId}" => status,
    delete "/ttbacktest/{env}/algobacktest/{backtestId}" => delete,
    post "/ttbacktest/{env}/algobacktest/{backtestId}/stop" => stop,
    get "/ttbacktest/{env}/algobacktest/{backtestId}/result" => result,
}

/// The statuses TT documents, in order, ending in FINISHED.
const LIFECYCLE: &[&str] = &[
    "PENDING",
    "LAUNCHING",
    "PRICE_DOWNLOAD",
    "INITIALIZATION",
    "RUNNING",
    "FINISHED",
];

/// One submitted backtest.
#[derive(Debug)]
pub(crate) struct Backtest {
    id: String,
    step: usize,
    stopped: bool,
    /// What was submitted (kept for `GET /algobacktest` listings and debugging).
    request: Value,
}

impl Backtest {
    fn status(&self) -> &'static str {
        if self.stopped {
            "STOPPED"
        } else {
            LIFECYCLE[self.step.min(LIFECYCLE.len() - 1)]
        }
    }
    /// The generated `Backtest`; the submitted request stays server-side.
    fn json(&self) -> Value {
        let test = backtest::Backtest::builder()
            .extra(serde_json::Map::new())
            .id(json!(self.id))
            .backtest_status(self.status().to_string());
        to_json::<backtest::Backtest, _>(test)
    }
}

async fn list(State(state): Shared) -> Response {
    let tests = state.backtests.lock().expect("backtests poisoned");
    let listed = tests.iter().map(|t| {
        let mut v = t.json();
        v["request"] = t.request.clone();
        v
    });
    envelope::ok_one("backtests", listed.collect())
}

/// Checks the fields TT's sample sends, then queues the backtest.
async fn submit(State(state): Shared, Json(body): Json<Value>) -> Response {
    for (field, ok) in [
        (
            "accountId",
            body.get("accountId").is_some_and(Value::is_u64),
        ),
        ("algoId", body.get("algoId").is_some_and(Value::is_string)),
        (
            "startTime",
            body.get("startTime").is_some_and(Value::is_u64),
        ),
        ("stopTime", body.get("stopTime").is_some_and(Value::is_u64)),
        (
            "replayInstruments",
            body.get("replayInstruments").is_some_and(Value::is_array),
        ),
    ] {
        if !ok {
            return envelope::failed(
                StatusCode::BAD_REQUEST,
                &format!("{field} is missing or has the wrong type"),
            );
        }
    }
    let test = Backtest {
        id: uuid::Uuid::new_v4().to_string(),
        step: 0,
        stopped: false,
        request: body,
    };
    let answer = envelope::ok_one("backtest", test.json());
    state
        .backtests
        .lock()
        .expect("backtests poisoned")
        .push(test);
    answer
}

/// Runs `f` on the backtest with `id`, or answers not found.
fn with_test(
    state: &super::State,
    id: &str,
    f: impl FnOnce(&mut Backtest) -> Response,
) -> Response {
    let mut tests = state.backtests.lock().expect("backtests poisoned");
    match tests.iter_mut().find(|t| t.id == id) {
        Some(test) => f(test),
        None => not_found("backtest", id),
    }
}

async fn status(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    with_test(&state, &id, |t| {
        let answer = envelope::ok_one("backtest", t.json());
        t.step += 1;
        answer
    })
}

async fn stop(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    with_test(&state, &id, |t| {
        t.stopped = t.status() != "FINISHED";
        envelope::ok_one("backtest", t.json())
    })
}

async fn delete(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let mut tests = state.backtests.lock().expect("backtests poisoned");
    match tests.iter().position(|t| t.id == id) {
        Some(i) => {
            tests.remove(i);
            envelope::ok(serde_json::Map::new())
        }
        None => not_found("backtest", &id),
    }
}

async fn result(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let base = state.other_origin.clone();
    with_test(&state, &id, |t| match t.status() {
        "FINISHED" | "STOPPED" => envelope::ok_one(
            "url",
            json!(format!("{base}/backtest-results/{}.zip", t.id)),
        ),
        other => envelope::failed(
            StatusCode::BAD_REQUEST,
            &format!("Backtest is {other}; results exist once it is FINISHED or STOPPED"),
        ),
    })
}

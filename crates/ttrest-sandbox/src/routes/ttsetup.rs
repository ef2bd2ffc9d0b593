//! ttsetup: company-level setup. Only path names are public, so answers are small
//! plausible objects.

use axum::response::Response;
use serde_json::json;

use super::ttaccount::COMPANY_ID;
use crate::envelope;

routes! {
    get "/ttsetup/{env}/commondata" => common_data,
    get "/ttsetup/{env}/ttcommondata" => common_data,
    get "/ttsetup/{env}/company" => company,
    get "/ttsetup/{env}/ordertagdefaults" => order_tag_defaults,
    get "/ttsetup/{env}/organizations" => organizations,
    get "/ttsetup/{env}/report" => report,
    get "/ttsetup/{env}/connections" => connections,
}

async fn common_data() -> Response {
    envelope::ok_one(
        "commonData",
        json!({ "timeZones": ["America/Chicago", "Europe/London", "Asia/Singapore"] }),
    )
}

async fn company() -> Response {
    envelope::ok_one(
        "company",
        json!({ "id": COMPANY_ID, "name": "Sandbox Trading LLC", "abbrevName": "SBX" }),
    )
}

async fn order_tag_defaults() -> Response {
    envelope::ok_one(
        "orderTagDefaults",
        json!([{ "marketId": 7, "name": "Default CME", "operatorId": "SBX001" }]),
    )
}

async fn organizations() -> Response {
    envelope::ok_one(
        "organizations",
        json!([{ "id": 1, "name": "Sandbox Trading LLC", "companyId": COMPANY_ID }]),
    )
}

async fn report() -> Response {
    envelope::ok_one("reports", json!([]))
}

async fn connections() -> Response {
    envelope::ok_one(
        "connections",
        json!([{ "id": 1, "name": "CME-SBX-1", "marketId": 7 }, { "id": 2, "name": "ICE-SBX-1", "marketId": 32 }]),
    )
}

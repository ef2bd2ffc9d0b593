//! The default CSV columns of each list command: stable, and shown in `--help`.
//!
//! A column is `field`, `header:field|alternative` (TT spells a few fields two
//! ways) or `header:@field` (an epoch-ns field as RFC 3339 UTC). Ids and
//! epoch-ns timestamps are written exactly as TT sent them.

/// `ttrest fills`: one row per fill.
pub const FILLS: &[&str] = &[
    "timeStamp",
    "time:@timeStamp",
    "recordId",
    "uniqueExecId",
    "execId:execId|execID",
    "orderId",
    "parentOrderId",
    "secondaryOrderId",
    "accountId",
    "account",
    "userId",
    "marketId",
    "instrumentId",
    "securityDesc",
    "side",
    "lastQty",
    "lastPx",
    "ordStatus",
    "ordType:ordType|orderType",
    "tradeType:tradeType|trdType",
    "transactTime",
    "aggressorIndicator",
    "manualFill",
    "connectionId:connectionId|exchOrderAssoc",
    "textA",
    "textTT",
];

/// `ttrest orders`.
pub const ORDERS: &[&str] = &[
    "orderId",
    "dateTime",
    "time:@dateTime",
    "accountId",
    "userId",
    "instrumentId",
    "securityDescription",
    "side",
    "orderType",
    "orderStatus",
    "timeInForce",
    "orderQty",
    "price",
    "stopPrice",
    "cumulatedQuantity",
    "leavesQuantity",
    "parentOrderId",
];

/// `ttrest positions`.
pub const POSITIONS: &[&str] = &[
    "accountId",
    "instrumentId",
    "netPosition",
    "buyFillQty",
    "sellFillQty",
    "buyWorkingQty",
    "sellWorkingQty",
    "avgBuy",
    "avgSell",
    "openAvgPrice",
    "pnl",
    "pnlPrice",
    "pnlPriceType",
    "realizedPnl",
    "sodNetPos",
    "sodPrice",
    "sodPriceType",
];

/// `ttrest accounts`.
pub const ACCOUNTS: &[&str] = &[
    "id",
    "name",
    "accountType",
    "companyId",
    "parentAccountId",
    "parentId",
    "brokerName",
    "revision",
];

/// `ttrest users`.
pub const USERS: &[&str] = &[
    "id",
    "alias",
    "email",
    "firstname",
    "lastname",
    "companyId:company.id",
    "company:company.name",
];

/// `ttrest markets`.
pub const MARKETS: &[&str] = &["id", "name"];

/// `ttrest products`.
pub const PRODUCTS: &[&str] = &[
    "id",
    "symbol",
    "name",
    "familyId",
    "productTypeId",
    "marketId",
    "state",
    "isInterProduct",
];

/// `ttrest instruments`.
pub const INSTRUMENTS: &[&str] = &[
    "id",
    "alias",
    "name",
    "productId",
    "productSymbol",
    "marketId",
    "productTypeId",
    "term",
    "expirationDate",
    "lastTradeDate",
    "tickSize",
    "tickValue",
    "pointValue",
    "displayFactor",
    "securityId",
];

/// `ttrest orderdata`: one row per code of each enumeration.
pub const ORDERDATA: &[&str] = &["enum", "code", "label"];

/// The `--help` text listing `columns`.
pub fn help(columns: &[&str]) -> String {
    let mut text = String::from("CSV columns (override with --columns):\n");
    for spec in columns {
        let (header, source) = spec.split_once(':').unwrap_or((spec, ""));
        let note = match source.strip_prefix('@') {
            Some(field) => format!("  ({field} as RFC 3339 UTC)"),
            None if source.contains('|') => format!("  (first of {})", source.replace('|', ", ")),
            None if !source.is_empty() => format!("  (from {source})"),
            None => String::new(),
        };
        text.push_str(&format!("  {header}{note}\n"));
    }
    text.push_str(
        "Ids and epoch-ns timestamps are written exactly as TT sent them; nested \
         values as compact JSON; missing fields as empty cells.\n\
         JSON formats keep every field TT sends.",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_column_once() {
        let text = help(FILLS);
        for spec in FILLS {
            let header = spec.split(':').next().unwrap();
            assert!(text.contains(&format!("\n  {header}")), "{header} missing");
        }
        assert!(text.contains("time  (timeStamp as RFC 3339 UTC)"));
        assert!(text.contains("execId  (first of execId, execID)"));
    }
}

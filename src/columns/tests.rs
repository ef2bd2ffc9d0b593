use proptest::prelude::*;

use super::*;

fn col(field: &'static str, kind: ColumnKind) -> Column {
    Column {
        name: field,
        field,
        also: &[],
        kind,
    }
}

#[test]
fn the_tables_take_their_kinds_from_the_spec() {
    let kind = |table: &[Column], field: &str| Column::of(table, field).map(|c| c.kind);
    assert_eq!(kind(FILL, "timeStamp"), Some(ColumnKind::Timestamp));
    assert_eq!(kind(FILL, "tradeDate"), Some(ColumnKind::Timestamp));
    assert_eq!(kind(FILL, "instrumentId"), Some(ColumnKind::Id));
    assert_eq!(kind(FILL, "side"), Some(ColumnKind::Code));
    assert_eq!(kind(ORDER, "side"), Some(ColumnKind::Code));
    assert_eq!(kind(FILL, "manualOrderIndicator"), Some(ColumnKind::Bool));
    assert_eq!(kind(FILL, "accountId"), Some(ColumnKind::Int));
    assert_eq!(kind(FILL, "lastPx"), Some(ColumnKind::Float));
    assert_eq!(kind(FILL, "recordId"), Some(ColumnKind::Text));
    assert_eq!(kind(FILL, "parties"), Some(ColumnKind::Json));
    assert_eq!(kind(ORDER, "userId"), Some(ColumnKind::Text));
    assert_eq!(kind(POSITION, "netPosition"), Some(ColumnKind::Float));
    let exec = Column::of(FILL, "execID").unwrap();
    assert_eq!(
        (exec.name, exec.field, exec.also),
        ("exec_id", "execId", &["execID"][..])
    );
    assert_eq!(Column::of(FILL, "time_stamp"), None, "fields, not names");
}

#[test]
fn cells_accept_numbers_and_numeric_strings() {
    use ColumnKind::*;
    let cases: &[(&str, ColumnKind, Cell<'_>)] = &[
        ("18446744073709551615", Id, Cell::Id(u64::MAX)),
        (r#"" 42 ""#, Id, Cell::Id(42)),
        ("-1", Id, Cell::Null),
        ("1.5", Id, Cell::Null),
        (
            r#""1795185000000000001""#,
            Timestamp,
            Cell::Timestamp(1_795_185_000_000_000_001),
        ),
        (
            "1795185000000000001",
            Timestamp,
            Cell::Timestamp(1_795_185_000_000_000_001),
        ),
        ("7.0", Int, Cell::Int(7)),
        ("1e3", Int, Cell::Int(1000)),
        ("9.3e18", Int, Cell::Null),
        (r#""x""#, Int, Cell::Null),
        (r#""+7""#, Int, Cell::Null),
        (r#""1.25""#, Float, Cell::Float(1.25)),
        ("-0.5e1", Float, Cell::Float(-5.0)),
        (r#""NaN""#, Float, Cell::Null),
        (r#""inf""#, Float, Cell::Null),
        ("2", Code, Cell::Int(2)),
        (r#""-2""#, Code, Cell::Int(-2)),
        (r#""NONE""#, Code, Cell::Text("NONE".into())),
        ("2.5", Code, Cell::Text("2.5".into())),
        ("true", Bool, Cell::Bool(true)),
        (r#""FALSE""#, Bool, Cell::Bool(false)),
        (r#""1""#, Bool, Cell::Bool(true)),
        ("0", Bool, Cell::Bool(false)),
        (r#""maybe""#, Bool, Cell::Null),
        (r#""a\"b\u00e9""#, Text, Cell::Text("a\"b\u{e9}".into())),
        ("15", Text, Cell::Text("15".into())),
        ("[1, 2]", Text, Cell::Text("[1, 2]".into())),
        ("[1, 2]", Json, Cell::Json("[1, 2]".into())),
        (r#""s""#, Json, Cell::Json(r#""s""#.into())),
        ("null", Text, Cell::Null),
        ("null", Json, Cell::Null),
        ("{}", Int, Cell::Null),
        ("", Text, Cell::Null),
    ];
    for (raw, kind, want) in cases {
        assert_eq!(&read_cell(raw, *kind), want, "{raw} as {kind:?}");
    }
}

#[test]
fn strings_without_escapes_are_borrowed() {
    assert!(matches!(
        read_cell(r#""abc""#, ColumnKind::Text),
        Cell::Text(Cow::Borrowed("abc"))
    ));
    assert!(matches!(
        read_cell(r#""a\nc""#, ColumnKind::Text),
        Cell::Text(Cow::Owned(_))
    ));
}

#[test]
fn one_pass_reads_every_column_and_prefers_the_spec_spelling() {
    const EXEC: Column = Column {
        name: "exec_id",
        field: "execId",
        also: &["execID"],
        kind: ColumnKind::Text,
    };
    let columns = [
        col("timeStamp", ColumnKind::Timestamp),
        EXEC,
        col("timeStamp", ColumnKind::Text),
        col("missing", ColumnKind::Float),
    ];
    let cells = read_cells(
        r#"{"execID":"b","timeStamp":"17","x":{"execId":"no"},"execId":"a","execID":"c"}"#,
        &columns,
    )
    .unwrap();
    assert_eq!(
        cells,
        [
            Cell::Timestamp(17),
            Cell::Text("a".into()),
            Cell::Text("17".into()),
            Cell::Null
        ]
    );
    let cells = read_cells(r#"{"execID":"b"}"#, &columns).unwrap();
    assert_eq!(cells[1], Cell::Text("b".into()));
    assert!(read_cells("[1]", &columns).is_err());
    assert!(read_cells(r#"{"a":1} x"#, &columns).is_err());
    let fields = Fields::of(r#"{"execID":"b","a":1}"#).unwrap();
    assert_eq!(fields.cell(&EXEC), Cell::Text("b".into()));
}

#[test]
fn the_rest_holds_every_field_no_cell_holds() {
    let reader = CellReader::from_fields([
        (vec!["execId", "execID"], ColumnKind::Text),
        (vec!["side"], ColumnKind::Int),
        (vec!["id"], ColumnKind::Id),
        (vec!["id"], ColumnKind::Text),
        (vec!["px"], ColumnKind::Float),
    ]);
    let read = |record: &'static str| {
        let mut cells = vec![Cell::Null; reader.len()];
        let mut rest = Vec::new();
        reader
            .read_with_rest(record, &mut cells, &mut |k, v| {
                rest.push(format!("{k}={v}"))
            })
            .unwrap();
        (cells, rest)
    };
    // The other spelling before the spec's: it goes to the rest when replaced.
    let (cells, rest) = read(r#"{"execID":"b","x":[1, 2],"execId":"a","side":"BUY","px":null}"#);
    assert_eq!(cells[0], Cell::Text("a".into()));
    assert_eq!(cells[1], Cell::Null, "text in an integer column");
    assert_eq!(
        rest,
        ["x=[1, 2]", "execID=\"b\"", "side=\"BUY\"", "px=null"]
    );
    // After the spec's, it is not read.
    let (cells, rest) = read(r#"{"execId":"a","execID":"b"}"#);
    assert_eq!(
        (&cells[0], &rest[..]),
        (&Cell::Text("a".into()), &["execID=\"b\"".to_string()][..])
    );
    // A field two columns read is held if either reads it.
    let (cells, rest) = read(r#"{"id":"x","k\"ey":1}"#);
    assert_eq!(
        (&cells[2], &cells[3]),
        (&Cell::Null, &Cell::Text("x".into()))
    );
    assert_eq!(rest, ["k\"ey=1"], "names unescaped");
    // Only the other spelling: read, and not in the rest.
    let (cells, rest) = read(r#"{"execID":"b","side":2}"#);
    assert_eq!(
        (&cells[0], &cells[1]),
        (&Cell::Text("b".into()), &Cell::Int(2))
    );
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn fields_are_borrowed_in_order() {
    let f = Fields::of(r#"{"a":1,"b\n":"x","c":{"d":null}}"#).unwrap();
    let names: Vec<&str> = f.0.iter().map(|(k, _)| k.as_ref()).collect();
    assert_eq!(names, ["a", "b\n", "c"]);
    assert_eq!(f.0[2].1.get(), r#"{"d":null}"#);
}

proptest! {
    #[test]
    fn ids_and_times_read_from_numbers_and_strings(n in any::<u64>(), t in any::<i64>()) {
        let (n_text, n_quoted) = (n.to_string(), format!("\"{n}\""));
        let (t_text, t_quoted) = (t.to_string(), format!("\"{t}\""));
        prop_assert_eq!(read_cell(&n_text, ColumnKind::Id), Cell::Id(n));
        prop_assert_eq!(read_cell(&n_quoted, ColumnKind::Id), Cell::Id(n));
        prop_assert_eq!(read_cell(&t_text, ColumnKind::Timestamp), Cell::Timestamp(t));
        prop_assert_eq!(read_cell(&t_quoted, ColumnKind::Timestamp), Cell::Timestamp(t));
        prop_assert_eq!(read_cell(&t_text, ColumnKind::Code), Cell::Int(t));
    }

    #[test]
    fn floats_and_strings_round_trip(f in any::<f64>().prop_filter("finite", |f| f.is_finite()), s in any::<String>()) {
        let text = serde_json::to_string(&f).unwrap();
        prop_assert_eq!(read_cell(&text, ColumnKind::Float), Cell::Float(f));
        let json = serde_json::to_string(&s).unwrap();
        let want = if s.is_empty() { Cell::Text("".into()) } else { Cell::Text(s.as_str().into()) };
        prop_assert_eq!(read_cell(&json, ColumnKind::Text), want);
    }

    #[test]
    fn odd_text_never_panics(raw in any::<String>()) {
        for kind in [ColumnKind::Id, ColumnKind::Int, ColumnKind::Float, ColumnKind::Timestamp,
                     ColumnKind::Code, ColumnKind::Bool, ColumnKind::Text, ColumnKind::Json] {
            let _ = read_cell(&raw, kind);
        }
        let _ = read_cells(&raw, FILL);
    }

    #[test]
    fn cells_do_not_depend_on_key_order_or_whitespace(
        ts in any::<i64>(), id in any::<u64>(), px in -1e9f64..1e9, s in "[ -~]{0,12}",
        order in Just(()).prop_perturb(|_, mut rng| rng.next_u32()),
    ) {
        let mut pairs = vec![
            ("timeStamp", serde_json::json!(ts.to_string())),
            ("instrumentId", serde_json::json!(id)),
            ("lastPx", serde_json::json!(px)),
            ("account", serde_json::json!(s)),
            ("other", serde_json::json!({"timeStamp": 1, "lastPx": [2]})),
        ];
        pairs.rotate_left(order as usize % 5);
        let map: serde_json::Map<String, serde_json::Value> =
            pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let compact = serde_json::to_string(&map).unwrap();
        let pretty = serde_json::to_string_pretty(&map).unwrap();
        let columns: Vec<Column> = ["timeStamp", "instrumentId", "lastPx", "account"]
            .iter()
            .map(|f| *Column::of(FILL, f).unwrap())
            .collect();
        let a = read_cells(&compact, &columns).unwrap();
        prop_assert_eq!(&a, &read_cells(&pretty, &columns).unwrap());
        prop_assert_eq!(
            a,
            vec![Cell::Timestamp(ts), Cell::Id(id), Cell::Float(px), Cell::Text(s.as_str().into())]
        );
    }
}

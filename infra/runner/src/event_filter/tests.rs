use super::*;
use serde_json::json;

fn admits(pattern: &str, record: &Value) -> bool {
    FilterCriteria::parse(&[pattern])
        .unwrap_or_else(|error| panic!("{pattern}: {error}"))
        .admits(record)
}

/// (what is checked, pattern, record, admitted)
fn check(cases: &[(&str, &str, Value, bool)]) {
    for (what, pattern, record, expected) in cases {
        assert_eq!(admits(pattern, record), *expected, "{what}: {pattern} on {record}");
    }
}

#[test]
fn exact_values_match_as_written() {
    check(&[
        ("a string matches itself", r#"{"a": ["x"]}"#, json!({"a": "x"}), true),
        ("another string does not", r#"{"a": ["x"]}"#, json!({"a": "y"}), false),
        (
            "strings are not case-folded",
            r#"{"a": ["x"]}"#,
            json!({"a": "X"}),
            false,
        ),
        ("a number matches itself", r#"{"a": [5]}"#, json!({"a": 5}), true),
        ("300 is not 300.0", r#"{"a": [300]}"#, json!({"a": 300.0}), false),
        ("a number is not its string", r#"{"a": [5]}"#, json!({"a": "5"}), false),
        ("true matches true", r#"{"a": [true]}"#, json!({"a": true}), true),
        (
            "true does not match false",
            r#"{"a": [true]}"#,
            json!({"a": false}),
            false,
        ),
        (
            "null matches a null value",
            r#"{"a": [null]}"#,
            json!({"a": null}),
            true,
        ),
        (
            "null does not match an absent field",
            r#"{"a": [null]}"#,
            json!({"b": 1}),
            false,
        ),
        (
            "null is not the string null",
            r#"{"a": [null]}"#,
            json!({"a": "null"}),
            false,
        ),
        (
            "the empty string matches empty",
            r#"{"a": [""]}"#,
            json!({"a": ""}),
            true,
        ),
        (
            "the empty string is not a value",
            r#"{"a": [""]}"#,
            json!({"a": "x"}),
            false,
        ),
        ("an absent field matches no value", r#"{"a": ["x"]}"#, json!({}), false),
    ]);
}

#[test]
fn a_list_is_any_of_and_fields_are_all_of() {
    check(&[
        ("one of the list", r#"{"a": ["x", "y"]}"#, json!({"a": "y"}), true),
        ("none of the list", r#"{"a": ["x", "y"]}"#, json!({"a": "z"}), false),
        (
            "both fields match",
            r#"{"a": ["x"], "b": ["y"]}"#,
            json!({"a": "x", "b": "y"}),
            true,
        ),
        (
            "one field differs",
            r#"{"a": ["x"], "b": ["y"]}"#,
            json!({"a": "x", "b": "z"}),
            false,
        ),
        (
            "one field is absent",
            r#"{"a": ["x"], "b": ["y"]}"#,
            json!({"a": "x"}),
            false,
        ),
        (
            "a list in the record matches by any element",
            r#"{"a": ["y"]}"#,
            json!({"a": ["x", "y"]}),
            true,
        ),
        (
            "no element of the list matches",
            r#"{"a": ["z"]}"#,
            json!({"a": ["x", "y"]}),
            false,
        ),
        (
            "fields the pattern does not name are ignored",
            r#"{"a": ["x"]}"#,
            json!({"a": "x", "b": 1}),
            true,
        ),
    ]);
}

#[test]
fn nested_objects_match_field_by_field() {
    let record = json!({"dynamodb": {"NewImage": {"entity": {"S": "outbox_message"}}}});
    check(&[
        (
            "the nested value matches",
            r#"{"dynamodb": {"NewImage": {"entity": {"S": ["outbox_message"]}}}}"#,
            record.clone(),
            true,
        ),
        (
            "the nested value differs",
            r#"{"dynamodb": {"NewImage": {"entity": {"S": ["nomination"]}}}}"#,
            record.clone(),
            false,
        ),
        (
            "the type key differs",
            r#"{"dynamodb": {"NewImage": {"entity": {"N": ["outbox_message"]}}}}"#,
            record.clone(),
            false,
        ),
        (
            "an intermediate object is absent",
            r#"{"dynamodb": {"OldImage": {"entity": {"S": ["outbox_message"]}}}}"#,
            record.clone(),
            false,
        ),
        (
            "a leaf where the pattern expects an object",
            r#"{"dynamodb": {"NewImage": {"entity": {"S": {"x": ["y"]}}}}}"#,
            record,
            false,
        ),
    ]);
}

#[test]
fn prefix_matches_the_start_of_a_string() {
    check(&[
        (
            "the string starts with it",
            r#"{"a": [{"prefix": "us-"}]}"#,
            json!({"a": "us-east-1"}),
            true,
        ),
        (
            "the string starts otherwise",
            r#"{"a": [{"prefix": "us-"}]}"#,
            json!({"a": "eu-west-1"}),
            false,
        ),
        (
            "the prefix is found elsewhere",
            r#"{"a": [{"prefix": "us-"}]}"#,
            json!({"a": "not-us-"}),
            false,
        ),
        (
            "a number has no prefix",
            r#"{"a": [{"prefix": "1"}]}"#,
            json!({"a": 12}),
            false,
        ),
        (
            "an absent field has no prefix",
            r#"{"a": [{"prefix": "us-"}]}"#,
            json!({}),
            false,
        ),
    ]);
}

#[test]
fn exists_tells_present_leaves_from_absent_ones() {
    check(&[
        (
            "exists: a present leaf",
            r#"{"a": [{"exists": true}]}"#,
            json!({"a": "x"}),
            true,
        ),
        (
            "exists: an absent field",
            r#"{"a": [{"exists": true}]}"#,
            json!({"b": "x"}),
            false,
        ),
        (
            "exists: a null leaf is present",
            r#"{"a": [{"exists": true}]}"#,
            json!({"a": null}),
            true,
        ),
        (
            "exists: an object is no leaf",
            r#"{"a": [{"exists": true}]}"#,
            json!({"a": {"b": 1}}),
            false,
        ),
        (
            "does not exist: an absent field",
            r#"{"a": [{"exists": false}]}"#,
            json!({"b": "x"}),
            true,
        ),
        (
            "does not exist: a present leaf",
            r#"{"a": [{"exists": false}]}"#,
            json!({"a": "x"}),
            false,
        ),
        (
            "does not exist: its parent is absent too",
            r#"{"p": {"a": [{"exists": false}]}}"#,
            json!({}),
            true,
        ),
        (
            "does not exist: its parent holds it",
            r#"{"p": {"a": [{"exists": false}]}}"#,
            json!({"p": {"a": 1}}),
            false,
        ),
    ]);
}

#[test]
fn anything_but_excludes_one_value_or_a_list() {
    check(&[
        (
            "a value other than the one",
            r#"{"a": [{"anything-but": "x"}]}"#,
            json!({"a": "y"}),
            true,
        ),
        (
            "the one value",
            r#"{"a": [{"anything-but": "x"}]}"#,
            json!({"a": "x"}),
            false,
        ),
        (
            "a value outside the list",
            r#"{"a": [{"anything-but": ["x", "y"]}]}"#,
            json!({"a": "z"}),
            true,
        ),
        (
            "a value in the list",
            r#"{"a": [{"anything-but": ["x", "y"]}]}"#,
            json!({"a": "y"}),
            false,
        ),
        (
            "a number other than the one",
            r#"{"a": [{"anything-but": 5}]}"#,
            json!({"a": 6}),
            true,
        ),
        (
            "the one number",
            r#"{"a": [{"anything-but": [5, 6]}]}"#,
            json!({"a": 6}),
            false,
        ),
        (
            "an absent field is not anything",
            r#"{"a": [{"anything-but": "x"}]}"#,
            json!({}),
            false,
        ),
    ]);
}

#[test]
fn numeric_compares_numbers_and_dynamodb_numbers() {
    check(&[
        (
            "= its number",
            r#"{"a": [{"numeric": ["=", 100]}]}"#,
            json!({"a": 100}),
            true,
        ),
        (
            "= another number",
            r#"{"a": [{"numeric": ["=", 100]}]}"#,
            json!({"a": 101}),
            false,
        ),
        (
            "= 100 holds for 100.0",
            r#"{"a": [{"numeric": ["=", 100]}]}"#,
            json!({"a": 100.0}),
            true,
        ),
        ("> above", r#"{"a": [{"numeric": [">", 10]}]}"#, json!({"a": 11}), true),
        (
            "> at the bound",
            r#"{"a": [{"numeric": [">", 10]}]}"#,
            json!({"a": 10}),
            false,
        ),
        (
            ">= at the bound",
            r#"{"a": [{"numeric": [">=", 10]}]}"#,
            json!({"a": 10}),
            true,
        ),
        ("< below", r#"{"a": [{"numeric": ["<", 10]}]}"#, json!({"a": -3}), true),
        (
            "< at the bound",
            r#"{"a": [{"numeric": ["<", 10]}]}"#,
            json!({"a": 10}),
            false,
        ),
        (
            "<= at the bound",
            r#"{"a": [{"numeric": ["<=", 10]}]}"#,
            json!({"a": 10}),
            true,
        ),
        (
            "a range: inside",
            r#"{"a": [{"numeric": [">", 10, "<=", 20]}]}"#,
            json!({"a": 20}),
            true,
        ),
        (
            "a range: at the open end",
            r#"{"a": [{"numeric": [">", 10, "<=", 20]}]}"#,
            json!({"a": 10}),
            false,
        ),
        (
            "a range: above",
            r#"{"a": [{"numeric": [">", 10, "<=", 20]}]}"#,
            json!({"a": 20.5}),
            false,
        ),
        (
            "a string is no number",
            r#"{"a": [{"numeric": [">", 0]}]}"#,
            json!({"a": "5"}),
            false,
        ),
        (
            "a DynamoDB number under N",
            r#"{"p": {"N": [{"numeric": [">", 0]}]}}"#,
            json!({"p": {"N": "5"}}),
            true,
        ),
        (
            "a DynamoDB number out of range",
            r#"{"p": {"N": [{"numeric": [">", 0]}]}}"#,
            json!({"p": {"N": "-5"}}),
            false,
        ),
        (
            "a string under S is no number",
            r#"{"p": {"S": [{"numeric": [">", 0]}]}}"#,
            json!({"p": {"S": "5"}}),
            false,
        ),
    ]);
}

#[test]
fn filters_are_ored_and_none_admits_everything() {
    let criteria = FilterCriteria::parse(&[r#"{"a": ["x"]}"#, r#"{"b": ["y"]}"#]).unwrap();
    let cases = [
        ("the first filter matches", json!({"a": "x"}), true),
        ("the second filter matches", json!({"b": "y"}), true),
        ("no filter matches", json!({"a": "y", "b": "x"}), false),
    ];
    for (what, record, expected) in cases {
        assert_eq!(criteria.admits(&record), expected, "{what}");
    }
    let none = FilterCriteria::parse::<&str>(&[]).unwrap();
    assert!(
        none.admits(&json!({"anything": 1})),
        "without filters every record passes"
    );
}

#[test]
fn a_ttl_pattern_tells_the_service_from_a_user() {
    let ttl = r#"{"eventName": ["REMOVE"], "userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}}"#;
    let removed = |identity: Value| {
        let mut record = json!({"eventName": "REMOVE", "dynamodb": {"Keys": {"pk": {"S": "NOMINATION#1"}}}});
        if !identity.is_null() {
            record["userIdentity"] = identity;
        }
        record
    };
    check(&[
        (
            "a delete by TTL",
            ttl,
            removed(json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"})),
            true,
        ),
        (
            "a delete by a user carries no identity",
            ttl,
            removed(Value::Null),
            false,
        ),
        (
            "another service",
            ttl,
            removed(json!({"type": "Service", "principalId": "other.amazonaws.com"})),
            false,
        ),
    ]);
}

#[test]
fn malformed_patterns_are_refused_at_load() {
    let cases = [
        ("not JSON", r#"{"a": ["x"]"#),
        ("not an object", r#"["x"]"#),
        ("an empty pattern", r#"{}"#),
        ("an empty nested object", r#"{"a": {}}"#),
        ("a bare value instead of a list", r#"{"a": "x"}"#),
        ("an empty list", r#"{"a": []}"#),
        ("a nested list", r#"{"a": [["x"]]}"#),
        (
            "two operators in one object",
            r#"{"a": [{"prefix": "x", "exists": true}]}"#,
        ),
        ("an unknown operator", r#"{"a": [{"starts": "x"}]}"#),
        ("prefix of a number", r#"{"a": [{"prefix": 1}]}"#),
        ("exists of a string", r#"{"a": [{"exists": "yes"}]}"#),
        ("anything-but of nothing", r#"{"a": [{"anything-but": []}]}"#),
        ("anything-but of mixed types", r#"{"a": [{"anything-but": ["x", 1]}]}"#),
        ("anything-but of a boolean", r#"{"a": [{"anything-but": true}]}"#),
        ("numeric of a number", r#"{"a": [{"numeric": 5}]}"#),
        ("numeric with an odd list", r#"{"a": [{"numeric": [">", 1, "<"]}]}"#),
        (
            "numeric with an unknown comparison",
            r#"{"a": [{"numeric": ["!=", 1]}]}"#,
        ),
        ("numeric with a string operand", r#"{"a": [{"numeric": [">", "1"]}]}"#),
        ("numeric with = in a range", r#"{"a": [{"numeric": ["=", 1, "<", 5]}]}"#),
        (
            "numeric with two lower bounds",
            r#"{"a": [{"numeric": [">", 1, ">=", 5]}]}"#,
        ),
        (
            "numeric with an empty range",
            r#"{"a": [{"numeric": [">", 5, "<", 5]}]}"#,
        ),
        (
            "an operator this runner does not implement",
            r#"{"a": [{"suffix": ".png"}]}"#,
        ),
        (
            "$or, which this runner does not implement",
            r#"{"$or": [{"a": ["x"]}, {"b": ["y"]}]}"#,
        ),
    ];
    for (what, pattern) in cases {
        assert!(
            FilterCriteria::parse(&[pattern]).is_err(),
            "{what}: {pattern} was accepted"
        );
    }
    let six = [r#"{"a": ["x"]}"#; 6];
    assert!(
        matches!(
            FilterCriteria::parse(&six),
            Err(PatternError::TooManyFilters { count: 6 })
        ),
        "six filters exceed the default quota of five"
    );
    let long = format!(r#"{{"a": ["{}"]}}"#, "x".repeat(MAX_PATTERN_LENGTH));
    assert!(
        matches!(FilterCriteria::parse(&[long]), Err(PatternError::TooLong { .. })),
        "a pattern longer than CloudFormation takes"
    );
}

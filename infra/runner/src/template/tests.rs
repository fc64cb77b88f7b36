//! Reading template.yaml as the local stack needs it.

use super::*;

#[test]
fn the_template_declares_the_table_and_the_intake_routes() {
    let template = Template::load().expect("template.yaml parses");
    assert_eq!(template.table.key_schema.len(), 2);
    assert!(
        template
            .table
            .global_secondary_indexes
            .iter()
            .any(|i| i.index_name == "by_status_due")
    );
    let (route, _) = template.route("GET", "/nominate").expect("form route");
    assert_eq!(route.function, "SubmitNominationFunction");
}

#[test]
fn an_exact_method_wins_over_any_and_parameters_are_extracted() {
    let template = Template {
        routes: vec![
            Route {
                method: "ANY".into(),
                path: "/nominations".into(),
                function: "Any".into(),
                authorizer: None,
            },
            Route {
                method: "POST".into(),
                path: "/nominations".into(),
                function: "Post".into(),
                authorizer: None,
            },
            Route {
                method: "GET".into(),
                path: "/invitations/{token}".into(),
                function: "Page".into(),
                authorizer: None,
            },
        ],
        ..Template::load().unwrap()
    };
    assert_eq!(template.route("POST", "/nominations").unwrap().0.function, "Post");
    assert_eq!(template.route("DELETE", "/nominations").unwrap().0.function, "Any");
    let (route, parameters) = template.route("GET", "/invitations/abc").unwrap();
    assert_eq!((route.function.as_str(), parameters["token"].as_str()), ("Page", "abc"));
    assert!(template.route("GET", "/elsewhere").is_none());
}

#[test]
fn the_outbox_stream_source_is_read_from_the_template() {
    let source = Template::load().unwrap().outbox_stream;

    assert_eq!(source.batch_size, 10);
    assert_eq!(source.maximum_retry_attempts, Some(10));
    assert_eq!(source.maximum_record_age, Some(chrono::Duration::hours(1)));
    assert!(source.report_batch_item_failures);
    assert_eq!(source.filters.len(), source.filter_patterns.len());
    assert_eq!(source.filter_patterns.len(), 2, "outbox inserts and TTL removals");
}

#[test]
fn the_template_filters_admit_outbox_inserts_and_ttl_removals_of_nominations_only() {
    let filters = Template::load().unwrap().outbox_stream.filters;
    let ttl = serde_json::json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
    let record = |event: &str, image: &str, entity: &str, identity: Option<&serde_json::Value>| {
        let mut record = serde_json::json!({
            "eventName": event,
            "dynamodb": { "Keys": { "pk": { "S": "X" } }, image: { "entity": { "S": entity } } },
        });
        if let Some(identity) = identity {
            record["userIdentity"] = identity.clone();
        }
        record
    };
    let cases = [
        (
            "an outbox message inserted",
            record("INSERT", "NewImage", "outbox_message", None),
            true,
        ),
        (
            "TTL removing a nomination",
            record("REMOVE", "OldImage", "nomination", Some(&ttl)),
            true,
        ),
        (
            "TTL removing an erased nomination",
            record("REMOVE", "OldImage", "erased_nomination", Some(&ttl)),
            true,
        ),
        (
            "a nomination updated",
            record("MODIFY", "NewImage", "nomination", None),
            false,
        ),
        (
            "an audit event inserted",
            record("INSERT", "NewImage", "audit_event", None),
            false,
        ),
        (
            "a user deleting a nomination",
            record("REMOVE", "OldImage", "nomination", None),
            false,
        ),
        (
            "TTL removing a token",
            record("REMOVE", "OldImage", "token", Some(&ttl)),
            false,
        ),
        (
            "an outbox message updated",
            record("MODIFY", "NewImage", "outbox_message", None),
            false,
        ),
    ];
    for (what, record, admitted) in cases {
        assert_eq!(filters.admits(&record), admitted, "{what}");
    }
}

#[test]
fn a_stream_source_aws_would_refuse_does_not_load() {
    let cases = [
        ("a batch of none", "BatchSize: 0"),
        ("a batch over 10,000", "BatchSize: 10001"),
        ("retries below -1", "MaximumRetryAttempts: -2"),
        ("retries over 10,000", "MaximumRetryAttempts: 10001"),
        ("a record age under a minute", "MaximumRecordAgeInSeconds: 30"),
        ("a record age over a week", "MaximumRecordAgeInSeconds: 604801"),
        (
            "a pattern with a bare value",
            r#"FilterCriteria: {Filters: [{Pattern: '{"eventName": "INSERT"}'}]}"#,
        ),
    ];
    for (what, yaml) in cases {
        let event: DynamoDbEvent = serde_norway::from_str(yaml).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            stream_event_source(OUTBOX_FUNCTION, event).is_err(),
            "{what} was accepted"
        );
    }
}

#[test]
fn an_unset_stream_source_gets_aws_defaults() {
    let event: DynamoDbEvent = serde_norway::from_str("MaximumRetryAttempts: -1").unwrap();

    let source = stream_event_source(OUTBOX_FUNCTION, event).unwrap();

    assert_eq!(source.batch_size, 100);
    assert_eq!(
        source.maximum_retry_attempts, None,
        "-1: until the record leaves the stream"
    );
    assert_eq!(source.maximum_record_age, None);
    assert!(!source.report_batch_item_failures);
    assert!(source.filters.is_empty(), "no filters: every record passes");
}

#[test]
fn parameter_defaults_are_read_as_the_local_settings() {
    let template = Template::load().unwrap();
    assert_eq!(template.default_of::<u32>("SubmissionsPerSourcePerHour"), Some(20));
    assert_eq!(
        template.default_of::<String>("TermsVersion").as_deref(),
        Some("2026-11")
    );
    assert_eq!(template.default_of::<u32>("SenderAddress"), None, "no default");
}

/// The runner calls the sweep directly; on AWS the schedule's `Input` is
/// the event, so it must be what the outbox reads as a sweep.
#[test]
fn the_outbox_schedule_sends_what_the_outbox_reads_as_a_sweep() {
    let file: serde_norway::Value = serde_norway::from_str(TEMPLATE_YAML).unwrap();
    let input = file["Resources"]["OutboxFunction"]["Properties"]["Events"]["Sweep"]["Properties"]["Input"]
        .as_str()
        .expect("the sweep schedule has an Input");
    let event: serde_json::Value = serde_json::from_str(input).expect("the Input is JSON");
    assert!(matches!(outbox::Trigger::from_event(event), Ok(outbox::Trigger::Sweep)));
}

#[test]
fn staff_routes_are_marked_as_needing_the_jwt_authorizer() {
    let template = Template::load().unwrap();
    let (queue, _) = template.route("GET", "/vetting/nominations").expect("queue route");
    assert_eq!(queue.authorizer.as_deref(), Some("StaffJwt"));
    let (form, _) = template.route("GET", "/nominate").unwrap();
    assert_eq!(form.authorizer, None);
}

const SMALL_TEMPLATE: &str = r#"
Parameters:
  Quorum:
    Type: Number
    Default: 2
  Sender:
    Type: String
Globals:
  Function:
    Environment:
      Variables:
        LEVEL: info
        QUORUM: !Ref Quorum
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  NominationsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: []
      KeySchema: []
  OutboxFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          LEVEL: debug
          TABLE_NAME: !Ref Table
          STREAM: !GetAtt Table.StreamArn
          SENDER: !Ref Sender
          LINK: !Sub "https://${Table}.example/${!Literal}"
      Events:
        Stream:
          Type: DynamoDB
          Properties: {}
"#;

#[test]
fn a_functions_environment_is_the_globals_and_its_own_with_references_resolved() {
    let template = Template::parse(SMALL_TEMPLATE).unwrap();
    let bindings = Bindings::default()
        .resource("Table", "local-table")
        .resource("Table.StreamArn", "local-stream")
        .parameter("Sender", "me@example.org");

    let environment = template.environment(OUTBOX_FUNCTION, &bindings).unwrap();

    let expected = [
        ("LEVEL", "debug"),
        ("QUORUM", "2"),
        ("TABLE_NAME", "local-table"),
        ("STREAM", "local-stream"),
        ("SENDER", "me@example.org"),
        ("LINK", "https://local-table.example/${Literal}"),
    ];
    for (variable, value) in expected {
        assert_eq!(environment.get(variable), Some(value), "{variable}");
    }
    let overridden = template
        .environment(OUTBOX_FUNCTION, &bindings.parameter("Quorum", "3"))
        .unwrap();
    assert_eq!(overridden.get("QUORUM"), Some("3"), "a binding wins over the default");
}

#[test]
fn a_reference_with_no_value_is_named_rather_than_left_empty() {
    let template = Template::parse(SMALL_TEMPLATE).unwrap();
    let cases = [
        (
            "a parameter without a default",
            Bindings::default()
                .resource("Table", "t")
                .resource("Table.StreamArn", "s"),
            "Sender",
        ),
        (
            "a resource",
            Bindings::default()
                .parameter("Sender", "me@example.org")
                .resource("Table.StreamArn", "s"),
            "Table",
        ),
        (
            "an attribute",
            Bindings::default()
                .parameter("Sender", "me@example.org")
                .resource("Table", "t"),
            "Table.StreamArn",
        ),
    ];
    for (what, bindings, missing) in cases {
        match template.environment(OUTBOX_FUNCTION, &bindings) {
            Err(TemplateError::Unbound { reference, .. }) => assert_eq!(reference, missing, "{what}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    assert!(matches!(
        template.environment("NoSuchFunction", &Bindings::default()),
        Err(TemplateError::UnknownFunction(_))
    ));
}

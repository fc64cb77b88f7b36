use super::*;
use crate::event_filter::FilterCriteria;
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::Duration;

fn source(retries: Option<u32>, max_age: Option<Duration>) -> StreamEventSource {
    StreamEventSource {
        filter_patterns: Vec::new(),
        filters: FilterCriteria::default(),
        batch_size: 10,
        maximum_retry_attempts: retries,
        maximum_record_age: max_age,
        report_batch_item_failures: true,
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn record(sequence: u32, created: DateTime<Utc>) -> EventRecord {
    let mut record = EventRecord::default();
    record.event_name = "INSERT".to_owned();
    record.change.sequence_number = Some(format!("{sequence:021}"));
    record.change.approximate_creation_date_time = created;
    record
}

fn sequences(batch: &[EventRecord]) -> Vec<u32> {
    batch
        .iter()
        .map(|r| r.change.sequence_number.as_deref().unwrap().parse().unwrap())
        .collect()
}

fn failing(sequence: Option<u32>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    let mut failure = DynamoDbBatchItemFailure::default();
    failure.item_identifier = sequence.map(|s| format!("{s:021}"));
    response.batch_item_failures.push(failure);
    response
}

#[test]
fn a_batch_that_keeps_failing_is_retried_maximum_retry_attempts_times_then_discarded() {
    let mut mapping = EventSourceMapping::new(source(Some(2), None));
    mapping.offer((1..=3).map(|n| record(n, at(0))).collect());

    let mut invocations = Vec::new();
    let mut outcomes = Vec::new();
    while let Some(batch) = mapping.next_batch(at(1)) {
        invocations.push(sequences(&batch));
        outcomes.push(mapping.settle(&failing(Some(2))));
    }
    let tally = mapping.take_tally();

    assert_eq!(
        invocations,
        [vec![1, 2, 3], vec![2, 3], vec![2, 3]],
        "the first invocation, then two retries from the failed record"
    );
    assert_eq!(
        outcomes,
        [
            Settled::WillRetry,
            Settled::WillRetry,
            Settled::Discarded(Discard::RetriesExhausted)
        ]
    );
    assert_eq!((tally.discarded_batches, tally.discarded_records), (1, 2));
    assert!(!tally.retry_pending, "the stream goes on past the discarded batch");
}

#[test]
fn no_retry_at_all_with_maximum_retry_attempts_zero_and_endless_ones_with_minus_one() {
    let mut none = EventSourceMapping::new(source(Some(0), None));
    none.offer(vec![record(1, at(0))]);
    let batch = none.next_batch(at(1)).expect("a batch");
    assert_eq!(sequences(&batch), [1]);
    assert_eq!(
        none.settle(&failing(Some(1))),
        Settled::Discarded(Discard::RetriesExhausted),
        "0: discarded after the first failed invocation"
    );
    assert!(none.next_batch(at(2)).is_none());

    let mut endless = EventSourceMapping::new(source(None, None));
    endless.offer(vec![record(1, at(0))]);
    for attempt in 0..100 {
        let batch = endless.next_batch(at(1)).expect("retried again");
        assert_eq!(
            endless.settle(&failing(Some(1))),
            Settled::WillRetry,
            "attempt {attempt}"
        );
        assert_eq!(sequences(&batch), [1]);
    }
}

#[test]
fn a_retry_that_gets_further_starts_a_new_count_and_later_records_wait_behind_it() {
    let mut batches_of_three = source(Some(1), None);
    batches_of_three.batch_size = 3;
    let mut mapping = EventSourceMapping::new(batches_of_three);
    mapping.offer((1..=4).map(|n| record(n, at(0))).collect());

    let first = mapping.next_batch(at(1)).unwrap();
    assert_eq!(mapping.settle(&failing(Some(2))), Settled::WillRetry);
    let second = mapping.next_batch(at(1)).unwrap();
    assert_eq!(
        mapping.settle(&failing(Some(3))),
        Settled::WillRetry,
        "got further: a new batch from the new checkpoint, not a second retry"
    );
    let third = mapping.next_batch(at(1)).unwrap();
    assert_eq!(mapping.settle(&DynamoDbEventResponse::default()), Settled::Delivered);
    let fourth = mapping.next_batch(at(1)).unwrap();

    assert_eq!(sequences(&first), [1, 2, 3]);
    assert_eq!(sequences(&second), [2, 3]);
    assert_eq!(sequences(&third), [3], "record 4 waited behind the failing batch");
    assert_eq!(sequences(&fourth), [4]);
}

#[test]
fn a_failure_lambda_cannot_place_fails_the_whole_batch() {
    let cases = [
        ("a null itemIdentifier", None),
        ("an identifier not in the batch", Some(99)),
    ];
    for (what, identifier) in cases {
        let mut mapping = EventSourceMapping::new(source(None, None));
        mapping.offer((1..=3).map(|n| record(n, at(0))).collect());
        mapping.next_batch(at(1));
        mapping.settle(&failing(identifier));
        let again = mapping.next_batch(at(1)).unwrap();
        assert_eq!(sequences(&again), [1, 2, 3], "{what}");
    }
}

#[test]
fn records_older_than_maximum_record_age_are_discarded_before_and_between_retries() {
    let hour = Duration::hours(1);
    let mut mapping = EventSourceMapping::new(source(None, Some(hour)));
    mapping.offer(vec![record(1, at(0)), record(2, at(600)), record(3, at(600))]);

    let first = mapping.next_batch(at(3601)).unwrap();
    let after_first = mapping.take_tally();
    assert_eq!(mapping.settle(&failing(Some(2))), Settled::WillRetry);
    let at_the_limit = mapping.next_batch(at(4200)).unwrap();
    mapping.settle(&failing(Some(2)));
    let past_the_limit = mapping.next_batch(at(4201));
    let after_all = mapping.take_tally();

    assert_eq!(sequences(&first), [2, 3], "record 1 was over an hour old: never sent");
    assert_eq!((after_first.discarded_batches, after_first.discarded_records), (1, 1));
    assert_eq!(sequences(&at_the_limit), [2, 3], "exactly an hour old is not older");
    assert!(past_the_limit.is_none(), "the failing batch aged out");
    assert_eq!((after_all.discarded_batches, after_all.discarded_records), (1, 2));
    assert!(!after_all.retry_pending);
}

#[test]
fn batches_hold_at_most_batch_size_records_and_success_moves_on() {
    let mut mapping = EventSourceMapping::new(source(Some(10), None));
    mapping.offer((1..=25).map(|n| record(n, at(0))).collect());

    let mut sizes = Vec::new();
    while let Some(batch) = mapping.next_batch(at(1)) {
        sizes.push(batch.len());
        assert_eq!(mapping.settle(&DynamoDbEventResponse::default()), Settled::Delivered);
    }

    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(mapping.take_tally().handed_over, 25);
}

#[test]
fn records_the_filters_do_not_admit_never_reach_a_batch() {
    let mut filtered = source(None, None);
    filtered.filters = FilterCriteria::parse(&[r#"{"eventName": ["INSERT"]}"#]).unwrap();
    let mut mapping = EventSourceMapping::new(filtered);
    let mut modify = record(2, at(0));
    modify.event_name = "MODIFY".to_owned();
    mapping.offer(vec![record(1, at(0)), modify, record(3, at(0))]);

    let batch = mapping.next_batch(at(1)).unwrap();
    mapping.settle(&DynamoDbEventResponse::default());

    assert_eq!(sequences(&batch), [1, 3]);
    assert_eq!(mapping.take_tally().filtered_out, 1);
}

#[test]
fn the_json_filters_see_is_the_one_lambda_passes() {
    let mut removed = record(1, at(0));
    removed.event_name = "REMOVE".to_owned();
    removed.user_identity = Some(ttl_identity());
    let by_user = record(2, at(0));

    let ttl = lambda_json(&removed).unwrap();
    let user = lambda_json(&by_user).unwrap();

    assert_eq!(ttl["userIdentity"]["type"], "Service");
    assert_eq!(ttl["userIdentity"]["principalId"], "dynamodb.amazonaws.com");
    assert_eq!(ttl["eventName"], "REMOVE");
    assert!(user.get("userIdentity").is_none(), "absent, not null: {user}");
    assert!(user["dynamodb"].get("NewImage").is_none(), "an empty image is absent");
}

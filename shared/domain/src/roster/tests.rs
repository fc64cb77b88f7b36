use super::*;

fn refusals(import: &RosterImport) -> Vec<(usize, &str)> {
    import
        .refused
        .iter()
        .map(|refusal| (refusal.line, refusal.reason.as_str()))
        .collect()
}

fn emails(import: &RosterImport) -> Vec<&str> {
    import.accepted.iter().map(|entry| entry.email.as_str()).collect()
}

#[test]
fn a_valid_csv_with_quoted_and_non_ascii_names_is_accepted() {
    let text = "email,name,category,country\n\
                ana@example.org,\"García, Ana\",iln_member,ES\n\
                li@example.org,李小龍,imi_certified_mediator,\n\
                \"zoe@example.org\",\" Zoë \"\"Z\"\" Ørsted \",imi_certified_advocate,dk\n";

    let import = parse_roster_csv(text).unwrap();

    assert_eq!(refusals(&import), vec![]);
    assert_eq!(
        import.accepted,
        vec![
            RosterEntry {
                email: EmailAddress::parse("ana@example.org").unwrap(),
                name: PersonName::parse("García, Ana").unwrap(),
                category: RosterCategory::IlnMember,
                country: Some(Country::parse("ES").unwrap()),
            },
            RosterEntry {
                email: EmailAddress::parse("li@example.org").unwrap(),
                name: PersonName::parse("李小龍").unwrap(),
                category: RosterCategory::ImiCertifiedMediator,
                country: None,
            },
            RosterEntry {
                email: EmailAddress::parse("zoe@example.org").unwrap(),
                name: PersonName::parse("Zoë \"Z\" Ørsted").unwrap(),
                category: RosterCategory::ImiCertifiedAdvocate,
                country: Some(Country::parse("DK").unwrap()),
            },
        ]
    );
}

#[test]
fn bad_csv_rows_are_refused_by_line_with_reasons_while_good_rows_are_accepted() {
    let long_name = "x".repeat(PersonName::MAX + 1);
    let text = format!(
        "email,name,category,country\n\
         good@example.org,Good One,iln_member,FR\n\
         ,No Address,iln_member,FR\n\
         cat@example.org,Bad Category,board_member,FR\n\
         land@example.org,Bad Country,iln_member,Atlantis\n\
         long@example.org,{long_name},iln_member,\n\
         not-an-address,,iln_member\n\
         also.good@example.org,Also Good,imi_certified_advocate\n"
    );

    let import = parse_roster_csv(&text).unwrap();

    assert_eq!(emails(&import), vec!["good@example.org", "also.good@example.org"]);
    let too_long = format!("name: {}", Problem::TooLong { max: PersonName::MAX });
    let two_problems = format!("email: {}; name: {}", Problem::InvalidEmail, Problem::Missing);
    assert_eq!(
        refusals(&import),
        vec![
            (3, format!("email: {}", Problem::Missing).as_str()),
            (
                4,
                format!(
                    "category: {} (iln_member, imi_certified_mediator or imi_certified_advocate)",
                    Problem::UnknownChoice
                )
                .as_str()
            ),
            (
                5,
                format!(
                    "country: {} (a two-letter ISO code such as ES)",
                    Problem::UnknownCountry
                )
                .as_str()
            ),
            (6, too_long.as_str()),
            (7, two_problems.as_str()),
        ]
    );
}

#[test]
fn header_columns_in_another_order_and_upper_case_are_read() {
    let text = "Country , CATEGORY,Name,eMail\nPT,iln_member,Inês Sousa,ines@example.org\n";

    let import = parse_roster_csv(text).unwrap();

    assert_eq!(refusals(&import), vec![]);
    assert_eq!(import.accepted.len(), 1);
    let entry = &import.accepted[0];
    assert_eq!(entry.email.as_str(), "ines@example.org");
    assert_eq!(entry.name.as_str(), "Inês Sousa");
    assert_eq!(entry.category, RosterCategory::IlnMember);
    assert_eq!(entry.country, Some(Country::parse("PT").unwrap()));
}

#[test]
fn a_header_excel_marks_with_a_byte_order_mark_is_read() {
    let import = parse_roster_csv("\u{feff}email,name,category\na@example.org,A,iln_member\n").unwrap();

    assert_eq!(emails(&import), vec!["a@example.org"]);
}

#[test]
fn a_missing_or_wrong_header_is_a_format_error() {
    let cases = [
        (
            "email,category\na@example.org,iln_member\n",
            RosterFormatError::MissingColumn { name: NAME },
            "no name column",
        ),
        (
            "email,name\na@example.org,A\n",
            RosterFormatError::MissingColumn { name: CATEGORY },
            "no category column",
        ),
        (
            "emial,name,category\n",
            RosterFormatError::UnknownColumn { name: "emial".into() },
            "a typo in a column name",
        ),
        (
            "email,name,category,Email\n",
            RosterFormatError::DuplicateColumn { name: "email".into() },
            "a column twice",
        ),
        (
            "email,name,category,\n",
            RosterFormatError::UnnamedColumn { position: 4 },
            "a trailing comma in the header",
        ),
        (
            "a@example.org,A,iln_member\n",
            RosterFormatError::NoHeader,
            "a data row where the header belongs",
        ),
        ("", RosterFormatError::Empty, "an empty file"),
        ("\n\n", RosterFormatError::Empty, "only blank lines"),
    ];

    for (text, expected, case) in cases {
        assert_eq!(parse_roster_csv(text), Err(expected), "{case}");
    }
}

#[test]
fn a_repeated_email_is_refused_naming_the_line_it_first_appeared_on() {
    let text = "email,name,category\n\
                ana@example.org,Ana,iln_member\n\
                bo@example.org,Bo,iln_member\n\
                ANA@Example.org,Ana Again,imi_certified_mediator\n";

    let import = parse_roster_csv(text).unwrap();

    assert_eq!(emails(&import), vec!["ana@example.org", "bo@example.org"]);
    assert_eq!(refusals(&import), vec![(4, "duplicate of line 2")]);
}

#[test]
fn a_corrected_row_after_a_refused_one_is_not_a_duplicate() {
    let text = "email,name,category\nana@example.org,Ana,member\nana@example.org,Ana,iln_member\n";

    let import = parse_roster_csv(text).unwrap();

    assert_eq!(emails(&import), vec!["ana@example.org"]);
    assert_eq!(import.refused.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2]);
}

#[test]
fn blank_lines_are_skipped_without_shifting_line_numbers() {
    let text = "\n\
                email,name,category,country\n\
                \n\
                a@example.org,A,iln_member,ES\n\
                \x20\x20\n\
                ,,,\n\
                b@example.org,\"B\nsecond line\",iln_member,ES\n\
                bad,C,iln_member,ES\n\
                \r\n\
                d@example.org,D,nope,ES\n\
                \n";

    let import = parse_roster_csv(text).unwrap();

    assert_eq!(emails(&import), vec!["a@example.org"]);
    let lines: Vec<usize> = import.refused.iter().map(|refusal| refusal.line).collect();
    // Line 7 holds a name with a line break, which the name refuses.
    assert_eq!(lines, vec![7, 9, 11]);
}

#[test]
fn a_windows_file_with_crlf_and_blank_lines_keeps_line_numbers() {
    let text = "\r\nemail,name,category\r\n\r\na@example.org,A,iln_member\r\n\r\n\r\nbad,B,iln_member\r\n\r\nc@example.org,C,x";

    let import = parse_roster_csv(text).unwrap();

    assert_eq!(emails(&import), vec!["a@example.org"]);
    let lines: Vec<usize> = import.refused.iter().map(|refusal| refusal.line).collect();
    assert_eq!(lines, vec![7, 9]);
}

#[test]
fn a_row_with_more_values_than_columns_is_refused_alone() {
    let text = "email,name,category\nana@example.org,García, Ana,iln_member\nbo@example.org,Bo,iln_member\n";

    let import = parse_roster_csv(text).unwrap();

    assert_eq!(emails(&import), vec!["bo@example.org"]);
    assert_eq!(import.refused.len(), 1);
    assert_eq!(import.refused[0].line, 2);
    assert!(
        import.refused[0].reason.contains("double quotes"),
        "{:?}",
        import.refused
    );
}

#[test]
fn a_row_with_fewer_values_than_columns_names_the_missing_ones() {
    let import = parse_roster_csv("email,name,category,country\nana@example.org,Ana\n").unwrap();

    assert_eq!(
        refusals(&import),
        vec![(2, format!("category: {}", Problem::Missing).as_str())]
    );
}

#[test]
fn more_rows_than_the_limit_are_a_format_error() {
    let mut text = String::from("email,name,category\n");
    for row in 0..=RosterImport::MAX_ROWS {
        text.push_str(&format!("p{row}@example.org,P,iln_member\n"));
    }
    let elements = vec![serde_json::json!({}); RosterImport::MAX_ROWS + 1];
    let too_many = RosterFormatError::TooManyRows {
        max: RosterImport::MAX_ROWS,
    };

    assert_eq!(parse_roster_csv(&text), Err(too_many.clone()));
    assert_eq!(
        parse_roster_json(&serde_json::Value::Array(elements).to_string()),
        Err(too_many)
    );
}

#[test]
fn a_valid_json_roster_with_non_ascii_names_is_accepted() {
    let text = r#"[
        {"email": "ana@example.org", "name": "García, Ana", "category": "iln_member", "country": "ES"},
        {"email": "li@example.org", "name": "李小龍", "category": "imi_certified_mediator"},
        {"email": "zoe@example.org", "name": " Zoë Ørsted ", "category": "imi_certified_advocate", "country": null},
        {"email": "om@example.org", "name": "Ömer", "category": "iln_member", "country": ""}
    ]"#;

    let import = parse_roster_json(text).unwrap();

    assert_eq!(refusals(&import), vec![]);
    let names: Vec<&str> = import.accepted.iter().map(|entry| entry.name.as_str()).collect();
    assert_eq!(names, vec!["García, Ana", "李小龍", "Zoë Ørsted", "Ömer"]);
    let countries: Vec<Option<&str>> = import
        .accepted
        .iter()
        .map(|entry| entry.country.map(|c| c.alpha2()))
        .collect();
    assert_eq!(countries, vec![Some("ES"), None, None, None]);
}

#[test]
fn bad_json_elements_are_refused_by_index_while_good_ones_are_accepted() {
    let long_name = "x".repeat(PersonName::MAX + 1);
    let text = serde_json::json!([
        {"email": "good@example.org", "name": "Good", "category": "iln_member"},
        {"name": "No Address", "category": "iln_member"},
        {"email": "cat@example.org", "name": "Cat", "category": "board_member"},
        {"email": "land@example.org", "name": "Land", "category": "iln_member", "country": "XX"},
        {"email": "long@example.org", "name": long_name, "category": "iln_member"},
        {"email": "typo@example.org", "name": "Typo", "category": "iln_member", "contry": "ES"},
        {"email": "num@example.org", "name": 42, "category": "iln_member"},
        {"email": "GOOD@example.org", "name": "Good Again", "category": "iln_member"},
    ])
    .to_string();

    let import = parse_roster_json(&text).unwrap();

    assert_eq!(emails(&import), vec!["good@example.org"]);
    let lines: Vec<usize> = import.refused.iter().map(|refusal| refusal.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8]);
    let reasons: Vec<&str> = import.refused.iter().map(|refusal| refusal.reason.as_str()).collect();
    assert_eq!(reasons[0], format!("email: {}", Problem::Missing));
    assert!(reasons[1].starts_with("category: "), "{}", reasons[1]);
    assert!(reasons[2].starts_with("country: "), "{}", reasons[2]);
    assert_eq!(
        reasons[3],
        format!("name: {}", Problem::TooLong { max: PersonName::MAX })
    );
    assert_eq!(reasons[4], "unknown field contry");
    assert_eq!(reasons[5], "name: must be text in double quotes");
    assert_eq!(reasons[6], "duplicate of line 1");
}

#[test]
fn a_json_document_that_is_not_an_array_of_objects_is_a_format_error() {
    assert_eq!(
        parse_roster_json(r#"{"email": "a@example.org"}"#),
        Err(RosterFormatError::NotJsonArray)
    );
    assert_eq!(
        parse_roster_json(r#"[{"email": "a@example.org", "name": "A", "category": "iln_member"}, "b"]"#),
        Err(RosterFormatError::ElementNotObject { index: 2 })
    );
    assert!(matches!(
        parse_roster_json("[{"),
        Err(RosterFormatError::InvalidJson { .. })
    ));
    assert!(matches!(
        parse_roster_json(""),
        Err(RosterFormatError::InvalidJson { .. })
    ));
}

#[test]
fn a_body_that_is_not_utf8_is_a_format_error() {
    let latin1 = b"email,name,category\nj@example.org,Jos\xe9,iln_member\n";

    assert_eq!(roster_text(latin1), Err(RosterFormatError::NotUtf8 { valid_up_to: 37 }));
    assert_eq!(roster_text(b"email,name,category\n"), Ok("email,name,category\n"));
}

#[test]
fn a_resume_token_works_only_for_its_own_document() {
    let document = b"email,name,category\na@example.org,A,iln_member\n";
    let token = resume_token(document, 1);
    assert_eq!(resume_point(document, &token), Ok(1));
    assert_eq!(
        resume_point(b"email,name,category\n", &token),
        Err(BadResumeToken::OtherDocument)
    );
    assert_eq!(resume_point(document, "nonsense"), Err(BadResumeToken::Malformed));
}

#[test]
fn format_errors_read_as_sentences_for_staff() {
    let message = RosterFormatError::MissingColumn { name: CATEGORY }.to_string();

    assert_eq!(
        message,
        "The header has no “category” column. The columns are email, name, category and optionally country."
    );
}

#[test]
fn a_refused_line_is_said_in_english_for_the_api_and_in_the_readers_language_for_the_console() {
    let text = "email,name,category,country\n\
                ana@example.org,Ana,iln_member,ES\n\
                ANA@example.org,Ana Again,iln_member,ES\n\
                bo@example.org,Bo,friend,XX\n\
                cy@example.org,Cy,iln_member,ES,extra\n";

    let import = parse_roster_csv(text).unwrap();
    let spanish: Vec<String> = import
        .refused
        .iter()
        .map(|refusal| refusal.reason_in(Language::Es))
        .collect();

    assert_eq!(
        refusals(&import),
        vec![
            (3, "duplicate of line 2"),
            (
                4,
                "category: Please choose one of the options offered. \
                 (iln_member, imi_certified_mediator or imi_certified_advocate); \
                 country: Please choose a country from the list. (a two-letter ISO code such as ES)"
            ),
            (
                5,
                "this line has 5 values but the header has 4 columns; \
                 put a value that contains a comma in double quotes"
            ),
        ]
    );
    for refusal in &import.refused {
        assert_eq!(refusal.reason, refusal.reason_in(Language::En), "one English text");
    }
    assert_eq!(spanish[0], "repite la línea 2");
    assert!(
        spanish[1].starts_with("category: ") && spanish[1].contains("(iln_member, imi_certified_mediator o"),
        "{}",
        spanish[1]
    );
    assert!(spanish[2].starts_with("esta línea tiene 5 valores"), "{}", spanish[2]);
}

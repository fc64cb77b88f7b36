//! The roster in the staff console: a CSV file imported at once with the
//! API's reader, the entries listed by category a page at a time, and
//! people taken off it; for admins only.

use iln_tests::{CONSOLE_ADMIN, CONSOLE_VETTER, ConsoleSession, TestApp, Unprocessed, location, unique_address};

/// The addresses a roster page lists, in its order (each row's removal
/// button carries its entry's address).
fn listed(page: &str) -> Vec<String> {
    let marker = "<input type=\"hidden\" name=\"email\" value=\"";
    page.match_indices(marker)
        .map(|(at, _)| {
            let start = at + marker.len();
            let end = start + page[start..].find('"').expect("a closed attribute");
            page[start..end].to_owned()
        })
        .collect()
}

/// The page's link to the next page, if it has one.
fn next_page(page: &str) -> Option<String> {
    let marker = "<p class=\"pager\"><a href=\"";
    let start = page.find(marker)? + marker.len();
    let end = start + page[start..].find('"')?;
    // As a browser reads the attribute: the template escapes `/` and `&`.
    Some(page[start..end].replace("&#x2f;", "/").replace("&amp;", "&"))
}

async fn import(app: &TestApp, session: &ConsoleSession, file: &str) -> iln_tests::TestResponse {
    app.console_upload(app.now, session, "/console/roster/import", "roster", file)
        .await
}

async fn roster_page(app: &TestApp, session: &ConsoleSession, path: &str) -> String {
    let page = app.console_get(app.now, session, path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

#[tokio::test]
async fn an_admin_imports_a_roster_file_and_sees_what_was_stored_and_every_line_refused_and_why() {
    let app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let (leader, mediator, advocate) = (unique_address("ngozi"), unique_address("mei"), unique_address("sam"));
    let file = format!(
        "email,name,category,country\n\
         {leader},Ngozi Adeyemi,iln_member,NG\n\
         {mediator},Mei Tanaka,imi_certified_mediator,\n\
         not-an-address,Someone,iln_member,ES\n\
         {advocate},Sam Okoro,imi_certified_advocate,KE\n\
         x@example.org,Unknown Category,certified_friend,\n\
         {},Mei Again,imi_certified_mediator,\n",
        mediator.to_uppercase()
    );

    let imported = import(&app, &ada, &file).await;

    assert_eq!(imported.status, 200, "{}", imported.body);
    assert!(
        imported
            .body
            .contains("Entries accepted and stored: 3. Lines refused: 3."),
        "{}",
        imported.body
    );
    for (line, reason) in [(4, "email:"), (6, "category:"), (7, "duplicate of line 3")] {
        let row = format!("<tr><td>{line}</td><td>{reason}");
        assert!(imported.body.contains(&row), "line {line}: {}", imported.body);
    }
    let listed = listed(&roster_page(&app, &ada, "/console/roster").await);
    let mut expected = vec![leader.clone(), mediator.clone(), advocate.clone()];
    expected.sort();
    assert_eq!(listed, expected, "every accepted entry, by address");

    // The ILN member with a country now leads it in a Nigerian nominee's
    // findings.
    let nomination = app.verified_nomination("en").await;
    let findings = app.file(&nomination.id).await["findings"].clone();
    assert_eq!(findings["country_leaders"][0]["name"], "Ngozi Adeyemi", "{findings}");
    assert_eq!(findings["country_leaders"][0]["source"], "roster", "{findings}");
}

#[tokio::test]
async fn the_same_roster_file_uploaded_twice_even_at_once_stores_each_entry_once() {
    let app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let people: Vec<String> = (0..30).map(|n| unique_address(&format!("person{n:02}"))).collect();
    let mut file = String::from("email,name,category\n");
    for (n, address) in people.iter().enumerate() {
        file.push_str(&format!("{address},Person {n},imi_certified_mediator\n"));
    }

    let (first, second) = tokio::join!(import(&app, &ada, &file), import(&app, &ada, &file));
    let third = import(&app, &ada, &file).await;

    for upload in [&first, &second, &third] {
        assert_eq!(upload.status, 200, "{}", upload.body);
        assert!(
            upload.body.contains("Entries accepted and stored: 30."),
            "{}",
            upload.body
        );
    }
    assert_eq!(app.items_of("roster_entry").await.len(), 30);
    let mut expected = people.clone();
    expected.sort();
    assert_eq!(listed(&roster_page(&app, &ada, "/console/roster").await), expected);
}

#[tokio::test]
async fn the_roster_is_listed_by_category_a_page_of_fifty_at_a_time() {
    let app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let mut file = String::from("email,name,category,country\n");
    let mut everyone = Vec::new();
    let mut advocates = Vec::new();
    for n in 0..66 {
        let (category, address) = match n % 3 {
            0 => ("iln_member", unique_address(&format!("a{n:02}"))),
            1 => ("imi_certified_mediator", unique_address(&format!("b{n:02}"))),
            _ => ("imi_certified_advocate", unique_address(&format!("c{n:02}"))),
        };
        file.push_str(&format!("{address},Person {n},{category},KE\n"));
        if category == "imi_certified_advocate" {
            advocates.push(address.clone());
        }
        everyone.push(address);
    }
    everyone.sort();
    advocates.sort();
    assert_eq!(import(&app, &ada, &file).await.status, 200);

    let first = roster_page(&app, &ada, "/console/roster").await;
    let next = next_page(&first).expect("a second page");
    let second = roster_page(&app, &ada, &next).await;
    let only_advocates = roster_page(&app, &ada, "/console/roster?category=imi_certified_advocate").await;
    let bad_category = app.console_get(app.now, &ada, "/console/roster?category=friend").await;
    let bad_cursor = app.console_get(app.now, &ada, "/console/roster?cursor=%25%25").await;

    assert_eq!(listed(&first), everyone[..50], "the first fifty addresses");
    assert_eq!(listed(&second), everyone[50..], "then the rest");
    assert_eq!(next_page(&second), None, "and no further page");
    assert_eq!(listed(&only_advocates), advocates);
    assert_eq!(next_page(&only_advocates), None);
    assert!(
        only_advocates.contains("<option value=\"imi_certified_advocate\" selected>"),
        "the filter shows what is filtered"
    );
    assert_eq!(bad_category.status, 400, "{}", bad_category.body);
    assert_eq!(bad_cursor.status, 400, "{}", bad_cursor.body);
}

#[tokio::test]
async fn an_admin_removes_someone_once_and_a_second_removal_says_they_are_not_on_the_roster() {
    let app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let (leader, mediator) = (unique_address("ngozi"), unique_address("mei"));
    let file = format!(
        "email,name,category,country\n\
         {leader},Ngozi Adeyemi,iln_member,NG\n\
         {mediator},Mei Tanaka,imi_certified_mediator,\n"
    );
    assert_eq!(import(&app, &ada, &file).await.status, 200);
    let nomination = app.verified_nomination("en").await;
    let page = roster_page(&app, &ada, "/console/roster").await;
    assert!(page.contains(&format!("<input type=\"hidden\" name=\"email\" value=\"{leader}\">")));

    // The row's button, then the same button again (a second tab).
    let removed = app
        .console_post(app.now, &ada, "/console/roster/removal", &[("email", &leader)])
        .await;
    let again = app
        .console_post(app.now, &ada, "/console/roster/removal", &[("email", &leader)])
        .await;
    let after = roster_page(&app, &ada, &location(&removed)).await;
    // Typed, in capitals: the same person.
    let typed = app
        .console_post(
            app.now,
            &ada,
            "/console/roster/removal",
            &[("email", &mediator.to_uppercase())],
        )
        .await;
    let not_an_address = app
        .console_post(app.now, &ada, "/console/roster/removal", &[("email", "mei at example")])
        .await;

    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(location(&removed), "/console/roster?said=removed");
    assert!(after.contains("The entry was removed from the roster."), "{after}");
    assert_eq!(listed(&after), vec![mediator.clone()]);
    assert_eq!(again.status, 404, "{}", again.body);
    assert!(
        again.body.contains("That address is not on the roster"),
        "{}",
        again.body
    );
    assert_eq!(typed.status, 303, "{}", typed.body);
    assert_eq!(not_an_address.status, 422, "{}", not_an_address.body);
    assert!(
        not_an_address.body.contains("value=\"mei at example\""),
        "the address given back"
    );
    assert!(app.items_of("roster_entry").await.is_empty());
    let findings = app.file(&nomination.id).await["findings"].clone();
    assert_eq!(
        findings["country_leaders"],
        serde_json::json!([]),
        "no longer Nigeria's leader: {findings}"
    );
}

#[tokio::test]
async fn the_roster_is_for_admins_and_a_forged_form_changes_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let mei = unique_address("mei");
    let file = format!("email,name,category\n{mei},Mei Tanaka,imi_certified_mediator\n");
    assert_eq!(import(&app, &ada, &file).await.status, 200);

    let vetter_page = app.console_get(app.now, &vera, "/console/roster").await;
    let vetter_import = import(&app, &vera, &file).await;
    let vetter_removal = app
        .console_post(app.now, &vera, "/console/roster/removal", &[("email", &mei)])
        .await;
    let forged_removal = app
        .post_page_form(
            app.now,
            "/console/roster/removal",
            Some(&ada.cookie),
            &[("email", mei.as_str()), ("csrf", "not-the-token")],
        )
        .await;
    let other = unique_address("other");
    let forged_import = app
        .console_upload_with_token(
            app.now,
            &ada,
            "not-the-token",
            "/console/roster/import",
            "roster",
            format!("email,name,category\n{other},Other Person,iln_member\n").as_bytes(),
        )
        .await;
    let vetter_home = app.console_get(app.now, &vera, "/console").await;
    let admin_home = app.console_get(app.now, &ada, "/console").await;

    assert_eq!(vetter_page.status, 403, "{}", vetter_page.body);
    assert_eq!(vetter_import.status, 403, "{}", vetter_import.body);
    assert_eq!(vetter_removal.status, 403, "{}", vetter_removal.body);
    assert_eq!(forged_removal.status, 403, "{}", forged_removal.body);
    assert_eq!(forged_import.status, 403, "{}", forged_import.body);
    assert_eq!(
        listed(&roster_page(&app, &ada, "/console/roster").await),
        vec![mei],
        "nothing removed, nothing imported"
    );
    assert!(!vetter_home.body.contains("href=\"/console/roster\""));
    assert!(admin_home.body.contains("href=\"/console/roster\""));
}

#[tokio::test]
async fn an_oversized_a_non_utf8_or_a_headerless_file_is_refused_whole_and_a_bad_line_explained_in_the_sessions_language()
 {
    let app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let spanish = app
        .console_post(
            app.now,
            &ada,
            "/console/language",
            &[("lang", "es"), ("return_to", "/console/roster")],
        )
        .await;
    assert_eq!(spanish.status, 303);
    let mut oversized = b"email,name,category\n".to_vec();
    oversized.resize(2 * 1024 * 1024 + 1, b'x');
    // "Muñoz" in Latin-1, as a spreadsheet's legacy "CSV" saves it.
    let latin1 = b"email,name,category\nmu@example.org,Mu\xf1oz,iln_member\n";
    let headerless = format!("{},Mei Tanaka,imi_certified_mediator\n", unique_address("mei"));

    let too_large = app
        .console_upload_bytes(app.now, &ada, "/console/roster/import", "roster", &oversized)
        .await;
    let not_utf8 = app
        .console_upload_bytes(app.now, &ada, "/console/roster/import", "roster", latin1)
        .await;
    let no_header = import(&app, &ada, &headerless).await;
    let bad_line = import(&app, &ada, "email,name,category\nbo@example.org,Bo,friend\n").await;

    assert_eq!(too_large.status, 413, "{}", too_large.body);
    assert!(too_large.body.contains("<html lang=\"es\">"));
    assert!(too_large.body.contains("ocupa más de 2 MiB"), "{}", too_large.body);
    assert_eq!(not_utf8.status, 400, "{}", not_utf8.body);
    assert!(not_utf8.body.contains("no es texto UTF-8"), "{}", not_utf8.body);
    assert_eq!(no_header.status, 422, "{}", no_header.body);
    assert!(
        no_header.body.contains("La primera línea es de datos"),
        "{}",
        no_header.body
    );
    assert_eq!(bad_line.status, 200, "{}", bad_line.body);
    assert!(
        bad_line
            .body
            .contains("Entradas aceptadas y guardadas: 0. Líneas rechazadas: 1."),
        "{}",
        bad_line.body
    );
    assert!(
        bad_line
            .body
            .contains("(iln_member, imi_certified_mediator o imi_certified_advocate)"),
        "the line's reason in Spanish too: {}",
        bad_line.body
    );
    assert!(app.items_of("roster_entry").await.is_empty(), "nothing imported");
}

#[tokio::test]
async fn an_import_that_stops_part_way_says_how_much_is_saved_and_the_same_file_again_finishes_it() {
    let mut app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let mut file = String::from("email,name,category\n");
    for n in 0..300 {
        file.push_str(&format!("member{n:03}@example.org,Member {n},imi_certified_mediator\n"));
    }
    // Four batches of 25 go through, then DynamoDB keeps handing every batch
    // back unprocessed (throttled), longer than the import retries.
    app.gateway.functions.staff_console.table = app.table_with(Unprocessed::after(4, 1_000));
    let stopped = import(&app, &ada, &file).await;
    app.gateway.functions.staff_console.table = app.table.clone();
    let saved = app.items_of("roster_entry").await.len();
    let again = import(&app, &ada, &file).await;

    assert_eq!(stopped.status, 503, "{}", stopped.body);
    let said: usize = stopped
        .body
        .split("the first ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("how much is saved: {}", stopped.body));
    assert!(
        stopped
            .body
            .contains(&format!("the first {said} of 300 accepted entries are saved"))
    );
    assert!(said <= saved && said <= 100, "{said} said saved, {saved} stored");
    assert!(stopped.body.contains("Upload the same file again to finish it"));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(app.items_of("roster_entry").await.len(), 300);
}

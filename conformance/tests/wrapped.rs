//! A Django project this repository did not write, wrapped by `desktop-django init` with no edits
//! to its files: a login and an admin add work through the ticket-bootstrapped token cookie, with
//! Django's CSRF on (C-AUTH-5, C-AUTH-7). `scripts/test-wrap.sh` (`just test-wrap`) generates the
//! project, creates its superuser and runs this with `--ignored`.

use std::path::PathBuf;
use std::time::Duration;

use conformance::http::{csrf_form_token, Auth, Backend, Response, TOKEN_COOKIE};
use conformance::launch::{Launch, LaunchOptions};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/test-wrap.sh"))
}

/// The `name=value` of each `Set-Cookie`.
fn set_cookies(r: &Response) -> Vec<(String, String)> {
    r.set_cookies()
        .iter()
        .filter_map(|c| {
            let (k, v) = c.split(';').next()?.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// A browser's cookie jar, reduced to what this test needs.
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn take(&mut self, r: &Response) {
        for (k, v) in set_cookies(r) {
            self.0.retain(|(name, _)| *name != k);
            self.0.push((k, v));
        }
    }

    fn get(&self, b: &Backend, path: &str) -> Response {
        let cookies: Vec<(&str, &str)> = self.0.iter().map(|(k, v)| (&**k, &**v)).collect();
        b.get_with_cookies(path, Auth::None, &cookies)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Fetches `path`'s form, then posts `fields` with its CSRF token.
    fn submit(&mut self, b: &Backend, path: &str, fields: &[(&str, &str)]) -> Response {
        let page = self.get(b, path);
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        self.take(&page);
        let csrf = csrf_form_token(&page.body).unwrap_or_else(|| panic!("no CSRF token on {path}"));
        let mut form = vec![("csrfmiddlewaretoken", csrf.as_str())];
        form.extend_from_slice(fields);
        let cookies: Vec<(&str, &str)> = self.0.iter().map(|(k, v)| (&**k, &**v)).collect();
        let r = b
            .post_form(path, Auth::None, &cookies, &form)
            .unwrap_or_else(|e| panic!("{e}"));
        self.take(&r);
        r
    }
}

#[test]
#[ignore = "needs a generated project: run by scripts/test-wrap.sh (just test-wrap)"]
fn a_wrapped_project_logs_in_and_adds_in_the_admin() {
    let project = PathBuf::from(env("DESKTOP_DJANGO_WRAPPED_PROJECT"));
    let password = env("DESKTOP_DJANGO_WRAPPED_PASSWORD");
    let app_data = PathBuf::from(env("DESKTOP_DJANGO_APP_DATA_DIR"));
    let shell = conformance::shells()
        .iter()
        .find(|s| s.spec.name == "headless")
        .expect("the headless shell's descriptor");
    let mut l = Launch::start(
        shell,
        LaunchOptions::default()
            .project(&project)
            .app_data(&app_data),
    );
    let b = l.ready();
    let token = l.token();

    // The shell's bootstrap, from outside: a one-time ticket for the token cookie.
    let minted = b
        .post_form("/desktop-auth/ticket/", Auth::Header(&token), &[], &[])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(minted.status, 200, "{}", minted.body);
    let ticket = minted.json().unwrap()["ticket"]
        .as_str()
        .expect("a ticket")
        .to_string();
    let mut jar = Jar::default();
    let boot = jar.get(
        &b,
        &format!("/desktop-auth/bootstrap/?ticket={ticket}&next=%2F"),
    );
    assert_eq!(boot.status, 302, "bootstrap: {}", boot.body);
    jar.take(&boot);
    assert!(
        jar.0.iter().any(|(k, v)| k == TOKEN_COOKIE && *v == token),
        "the bootstrap set no token cookie"
    );

    let anonymous = jar.get(&b, "/");
    assert_eq!(anonymous.status, 302, "the project's login_required");
    let login = jar.submit(
        &b,
        "/accounts/login/",
        &[("username", "admin"), ("password", &password)],
    );
    assert_eq!(login.status, 302, "login: {}", login.body);
    assert!(
        jar.0.iter().any(|(k, _)| k == "sessionid"),
        "no session after login"
    );
    let home = jar.get(&b, "/");
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Catalogue"), "{}", home.body);

    let added = jar.submit(
        &b,
        "/admin/catalog/item/add/",
        &[("name", "Lantern"), ("price", "9.50"), ("_save", "Save")],
    );
    assert_eq!(added.status, 302, "admin add: {}", added.body);
    let list = jar.get(&b, "/admin/catalog/item/");
    assert!(
        list.body.contains("Lantern"),
        "the item is not in the admin list"
    );
    let home = jar.get(&b, "/");
    assert!(
        home.body.contains("Lantern"),
        "the item is not on the project's page"
    );

    let status = l.quit(Duration::from_secs(30));
    assert!(status.success(), "quit: {status}");
}

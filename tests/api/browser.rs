//! A cookie-keeping "browser" for the HTML pages, plus the shared login dance.

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};
use url::Url;

use crate::helpers::Person;

/// Where following redirects ended: an HTML page on the server, or a redirect
/// that leaves the server's origin (e.g. to a relying party's redirect URI).
#[derive(Debug)]
pub enum Landing {
    Page(Page),
    Left(Url),
}

#[derive(Debug)]
pub struct Page {
    pub url: Url,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Landing {
    pub fn page(self) -> Page {
        match self {
            Landing::Page(page) => page,
            Landing::Left(url) => panic!("expected a page on the server, was redirected to {url}"),
        }
    }

    pub fn left(self) -> Url {
        match self {
            Landing::Left(url) => url,
            Landing::Page(page) => panic!(
                "expected a redirect off the server, got {} {} with body:\n{}",
                page.status, page.url, page.body
            ),
        }
    }
}

impl Page {
    pub fn path(&self) -> &str {
        self.url.path()
    }

    /// Value of the hidden input `name`, rendered as
    /// `<input type="hidden" name="NAME" value="VALUE">`.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("<input type=\"hidden\" name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(html_unescape(&self.body[start..end]))
    }

    /// A form to post from this page: its CSRF token and these fields.
    pub fn form_with(&self, fields: &[(&str, &str)]) -> Vec<(String, String)> {
        let csrf = self.hidden("csrf").expect("a CSRF token on the page");
        let mut all = vec![("csrf".to_string(), csrf)];
        all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    }

    /// All hidden inputs of the page as form fields.
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        let marker = "<input type=\"hidden\" name=\"";
        let mut fields = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let name_end = rest.find('"').expect("hidden input name ends");
            let name = html_unescape(&rest[..name_end]);
            let value_marker = "\" value=\"";
            assert!(
                rest[name_end..].starts_with(value_marker),
                "hidden input `{name}` has a value"
            );
            let value_start = name_end + value_marker.len();
            let value_end = rest[value_start..].find('"').expect("hidden value ends") + value_start;
            fields.push((name, html_unescape(&rest[value_start..value_end])));
            rest = &rest[value_end..];
        }
        fields
    }

    /// `(value, label)` of every submit button named `name`, e.g.
    /// `<button type="submit" name="NAME" value="VALUE">label</button>`
    /// (other attributes, such as a class, may come in any order).
    pub fn buttons(&self, name: &str) -> Vec<(String, String)> {
        let mut buttons = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(at) = rest.find("<button") {
            rest = &rest[at..];
            let tag_end = rest.find('>').expect("button tag ends");
            let tag = &rest[..tag_end];
            let label_end = rest.find("</button>").expect("button closes");
            let label = html_unescape(rest[tag_end + 1..label_end].trim());
            rest = &rest[label_end..];
            if attribute(tag, "type").as_deref() != Some("submit")
                || attribute(tag, "name").as_deref() != Some(name)
            {
                continue;
            }
            buttons.push((attribute(tag, "value").unwrap_or_default(), label));
        }
        buttons
    }

    /// `(name, value)` of every radio button, in page order.
    pub fn radios(&self) -> Vec<(String, String)> {
        let mut radios = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(at) = rest.find("<input") {
            rest = &rest[at..];
            let tag_end = rest.find('>').expect("input tag ends");
            let tag = &rest[..tag_end];
            rest = &rest[tag_end..];
            if attribute(tag, "type").as_deref() == Some("radio") {
                let name = attribute(tag, "name").unwrap_or_default();
                radios.push((name, attribute(tag, "value").unwrap_or_default()));
            }
        }
        radios
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Value of the double-quoted attribute `name` inside an HTML start tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(html_unescape(&tag[start..end]))
}

pub fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Query parameter `name` of `url`.
pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub struct Browser {
    pub http: reqwest::Client,
    origin: Url,
}

impl Browser {
    pub fn new(issuer: &str) -> Self {
        Self::with_language(issuer, None)
    }

    /// A browser that sends `Accept-Language: <language>` on every request.
    pub fn with_language(issuer: &str, language: Option<&str>) -> Self {
        let mut headers = HeaderMap::new();
        if let Some(language) = language {
            headers.insert(
                "accept-language",
                language.parse().expect("language header"),
            );
        }
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("build browser client");
        Browser {
            http,
            origin: Url::parse(issuer).expect("issuer is a URL"),
        }
    }

    pub fn url(&self, path: &str) -> Url {
        self.origin.join(path).expect("path joins the issuer")
    }

    /// GET `url` and follow redirects while they stay on the server.
    pub async fn visit(&self, url: &str) -> Landing {
        let url = self.origin.join(url).expect("valid URL");
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .expect("GET succeeds");
        self.follow(url, response).await
    }

    /// POST a form to `path` on the server and follow the redirects.
    pub async fn submit(&self, path: &str, fields: &[(String, String)]) -> Landing {
        let url = self.url(path);
        let response = self
            .http
            .post(url.clone())
            .form(fields)
            .send()
            .await
            .expect("POST succeeds");
        self.follow(url, response).await
    }

    async fn follow(&self, mut url: Url, mut response: Response) -> Landing {
        for _ in 0..20 {
            if !response.status().is_redirection() {
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.text().await.expect("read body");
                return Landing::Page(Page {
                    url,
                    status,
                    headers,
                    body,
                });
            }
            let location = response
                .headers()
                .get(LOCATION)
                .unwrap_or_else(|| panic!("{} from {url} without Location", response.status()))
                .to_str()
                .expect("Location is ASCII")
                .to_string();
            let next = url.join(&location).expect("Location is a URL");
            if next.origin() != self.origin.origin() {
                return Landing::Left(next);
            }
            url = next;
            response = self
                .http
                .get(url.clone())
                .send()
                .await
                .expect("GET succeeds");
        }
        panic!("too many redirects, last at {url}");
    }
}

/// Signs in at the plain login page (no authorization request) and returns where it led.
pub async fn sign_in(browser: &Browser, email: &str, password: &str) -> Page {
    let login = browser.visit("/login").await.page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), email.into()));
    fields.push(("password".into(), password.into()));
    browser.submit("/login", &fields).await.page()
}

/// How to answer the pages met on the way through an authorization request.
#[derive(Clone, Debug, Default)]
pub struct Answers {
    /// Customer account to pick on /select-account (default: the first offered).
    pub account_id: Option<String>,
    /// Deny instead of allow on /consent.
    pub deny_consent: bool,
    /// On /privacy-choices, the choice for every purpose asked (`granted` or `refused`);
    /// `None` answers "decide later".
    pub purposes: Option<&'static str>,
}

/// Result of a login dance: the paths of the pages shown, and where it left the server.
#[derive(Debug)]
pub struct Dance {
    pub pages: Vec<String>,
    pub landed: Url,
}

/// Starts at `start` (usually an authorization URL) and answers the login,
/// account-choice, consent and privacy-choice pages until the server redirects off-origin.
pub async fn dance(browser: &Browser, start: &str, person: &Person, answers: &Answers) -> Dance {
    let mut pages = Vec::new();
    let mut landing = browser.visit(start).await;
    loop {
        let page = match landing {
            Landing::Left(landed) => return Dance { pages, landed },
            Landing::Page(page) => page,
        };
        let path = page.path().to_string();
        assert!(pages.len() < 6, "stuck in a page loop: {pages:?}");
        let mut fields = page.hidden_fields();
        landing = match path.as_str() {
            "/login" => {
                assert!(
                    !pages.contains(&path),
                    "login page shown again (login failed?):\n{}",
                    page.body
                );
                fields.push(("email".into(), person.email.clone()));
                fields.push(("password".into(), person.password.clone()));
                browser.submit("/login", &fields).await
            }
            "/select-account" => {
                let offered = page.buttons("customer_account_id");
                let choice = match &answers.account_id {
                    Some(id) => id.clone(),
                    None => offered
                        .first()
                        .expect("at least one account offered")
                        .0
                        .clone(),
                };
                fields.push(("customer_account_id".into(), choice));
                browser.submit("/select-account", &fields).await
            }
            "/consent" => {
                let decision = if answers.deny_consent {
                    "deny"
                } else {
                    "allow"
                };
                fields.push(("decision".into(), decision.into()));
                browser.submit("/consent", &fields).await
            }
            "/privacy-choices" => {
                match answers.purposes {
                    Some(choice) => {
                        let mut names: Vec<String> =
                            page.radios().into_iter().map(|(name, _)| name).collect();
                        names.dedup();
                        for name in names {
                            fields.push((name, choice.to_string()));
                        }
                        fields.push(("action".into(), "save".into()));
                    }
                    None => fields.push(("action".into(), "later".into())),
                }
                browser.submit("/privacy-choices", &fields).await
            }
            other => panic!(
                "unexpected page {other} ({}) during login:\n{}",
                page.status, page.body
            ),
        };
        pages.push(path);
    }
}

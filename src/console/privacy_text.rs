//! The console's words for data subject requests, exports, erasure, legal holds,
//! restriction and objection, in English and Swedish.

use crate::privacy::register::{Channel, Kind, Status};
use crate::web::i18n::Locale;

pub struct PrivacyWords {
    pub requests: &'static str,
    pub queue_intro: &'static str,
    pub show_open: &'static str,
    pub show_overdue: &'static str,
    pub show_all: &'static str,
    pub kind: &'static str,
    pub person: &'static str,
    pub channel: &'static str,
    pub received: &'static str,
    pub deadline: &'static str,
    pub status: &'static str,
    pub overdue: &'static str,
    pub register: &'static str,
    pub register_intro: &'static str,
    pub person_id: &'static str,
    pub no_such_person: &'static str,
    pub verification: &'static str,
    pub purpose: &'static str,
    pub purpose_for_objection: &'static str,
    pub request: &'static str,
    pub reason: &'static str,
    pub act_at: &'static str,
    pub closed_at: &'static str,
    pub actions: &'static str,
    pub when: &'static str,
    pub what: &'static str,
    pub apps_told: &'static str,
    pub app: &'static str,
    pub message: &'static str,
    pub state: &'static str,
    pub last_error: &'static str,
    pub delivered: &'static str,
    pub retrying: &'static str,
    pub queued: &'static str,
    pub failed: &'static str,
    pub no_apps_told: &'static str,
    pub move_along: &'static str,
    pub move_note: &'static str,
    pub new_status: &'static str,
    pub change_status: &'static str,
    pub data_protection: &'static str,
    pub export: &'static str,
    pub export_note: &'static str,
    pub verification_default: &'static str,
    pub erase: &'static str,
    pub erase_note: &'static str,
    pub erase_title: &'static str,
    pub erase_goes: &'static str,
    pub goes_profile: &'static str,
    pub goes_sign_in: &'static str,
    pub goes_memberships: &'static str,
    pub goes_no_memberships: &'static str,
    pub goes_apps: &'static str,
    pub goes_no_apps: &'static str,
    pub goes_rest: &'static str,
    pub goes_keys: &'static str,
    pub erase_stays: &'static str,
    pub confirm_erase: &'static str,
    pub erase_for_good: &'static str,
    pub confirm_missing: &'static str,
    pub erasure_pending: &'static str,
    pub held: &'static str,
    pub held_since: &'static str,
    pub no_hold: &'static str,
    pub hold_reason: &'static str,
    pub set_hold: &'static str,
    pub lift_hold: &'static str,
    pub erase_refused_held: &'static str,
    pub person_requests: &'static str,
    pub done_registered: &'static str,
    pub done_moved: &'static str,
    pub done_erased: &'static str,
    pub done_held: &'static str,
    pub done_lifted: &'static str,
    pub restricted: &'static str,
    pub not_restricted: &'static str,
    pub restrict_note: &'static str,
    pub restrict: &'static str,
    pub lift_restriction_note: &'static str,
    pub lift_restriction: &'static str,
    pub object_note: &'static str,
    pub record_objection: &'static str,
    pub done_restricted: &'static str,
    pub done_unrestricted: &'static str,
    pub done_objected: &'static str,
    kinds: [&'static str; 6],
    channels: [&'static str; 6],
    statuses: [&'static str; 6],
}

impl PrivacyWords {
    pub fn of(locale: Locale) -> &'static PrivacyWords {
        match locale {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }

    /// The notice for `?done=…` after a change on these pages.
    pub fn done(&self, key: &str) -> Option<&'static str> {
        Some(match key {
            "registered" => self.done_registered,
            "moved" => self.done_moved,
            "erased" => self.done_erased,
            "held" => self.done_held,
            "lifted" => self.done_lifted,
            "restricted" => self.done_restricted,
            "unrestricted" => self.done_unrestricted,
            "objected" => self.done_objected,
            _ => return None,
        })
    }

    pub fn kind(&self, kind: Kind) -> &'static str {
        self.kinds[KINDS.iter().position(|k| *k == kind).unwrap_or(0)]
    }

    pub fn channel(&self, channel: Channel) -> &'static str {
        self.channels[CHANNELS.iter().position(|c| *c == channel).unwrap_or(0)]
    }

    pub fn status(&self, status: Status) -> &'static str {
        self.statuses[STATUSES.iter().position(|s| *s == status).unwrap_or(0)]
    }

    /// A stored kind in words; an unknown one as it is.
    pub fn kind_text<'a>(&self, kind: &'a str) -> &'a str {
        Kind::parse(kind).map_or(kind, |k| self.kind(k))
    }

    pub fn channel_text<'a>(&self, channel: &'a str) -> &'a str {
        Channel::parse(channel).map_or(channel, |c| self.channel(c))
    }
}

/// In the order of the word arrays.
pub const KINDS: [Kind; 6] = [
    Kind::Access,
    Kind::Portability,
    Kind::Erasure,
    Kind::Rectification,
    Kind::Restriction,
    Kind::Objection,
];
pub const CHANNELS: [Channel; 6] = [
    Channel::Letter,
    Channel::Phone,
    Channel::Email,
    Channel::InPerson,
    Channel::SelfService,
    Channel::Api,
];
pub const STATUSES: [Status; 6] = [
    Status::Received,
    Status::Verified,
    Status::InProgress,
    Status::Completed,
    Status::Rejected,
    Status::Extended,
];

static EN: PrivacyWords = PrivacyWords {
    requests: "Data subject requests",
    queue_intro: "By deadline: overdue requests first. Each must be answered by its deadline \
                  (one month from receipt, three once extended).",
    show_open: "Open",
    show_overdue: "Overdue",
    show_all: "All",
    kind: "Request",
    person: "Person",
    channel: "Received by",
    received: "Received",
    deadline: "Deadline",
    status: "Status",
    overdue: "overdue",
    register: "Register a request",
    register_intro: "A request received by letter, phone, e-mail or in person. Its deadline is \
                     one month from today.",
    person_id: "Person id",
    no_such_person: "There is no person with this id.",
    verification: "How the requester's identity was verified",
    purpose: "Purpose",
    purpose_for_objection: "Purpose objected to (for an objection)",
    request: "Request",
    reason: "Reason",
    act_at: "To be carried out",
    closed_at: "Closed",
    actions: "What was done",
    when: "When",
    what: "What",
    apps_told: "Portal apps told",
    app: "App",
    message: "Message",
    state: "State",
    last_error: "Last error",
    delivered: "delivered {at}",
    retrying: "retrying since {at} ({n} attempts)",
    queued: "queued since {at}",
    failed: "failed {at}",
    no_apps_told: "No portal app that wants to be told had received the person's data.",
    move_along: "Move the request along",
    move_note: "A rejection and an extension need a reason. An extension moves the deadline to \
                three months from receipt, once, and tells the person why.",
    new_status: "New status",
    change_status: "Change the status",
    data_protection: "Data protection",
    export: "Export data",
    export_note: "Registers an access request and downloads everything held about the person \
                  as a zip (data.json and a readable index.html).",
    verification_default: "Left empty: \u{201c}by the data protection officer\u{201d}.",
    erase: "Erase now",
    erase_note: "Erases the person at once, after a confirmation that shows what goes.",
    erase_title: "Erase this person?",
    erase_goes: "This goes at once, for good:",
    goes_profile: "the profile: {name}, {email}",
    goes_sign_in: "the password, every session, and every sign-in link still out",
    goes_memberships: "memberships and roles in:",
    goes_no_memberships: "no memberships in customer accounts",
    goes_apps: "every grant and token of the apps the person used, each of which is told:",
    goes_no_apps: "no app has received the person's data",
    goes_rest: "remembered choices and interests, invitations to the address, and mail still \
                waiting for the person",
    goes_keys: "the subject key and pseudonym secret: the consent ledger, analytics and audit \
                log stay, but can no longer be tied to the person",
    erase_stays: "The request stays in the register, naming no one.",
    confirm_erase: "I understand that this cannot be undone",
    erase_for_good: "Erase for good",
    confirm_missing: "Tick the box to confirm the erasure.",
    erasure_pending: "An erasure of this person is already registered and waiting; it is carried \
                      out when its time comes. See the person's requests.",
    held: "Legal hold",
    held_since: "since",
    no_hold: "No legal hold: the person can be erased.",
    hold_reason: "Why the data must be kept",
    set_hold: "Set a legal hold",
    lift_hold: "Lift the legal hold",
    erase_refused_held: "The person's data is under a legal hold, so erasure is refused until the \
                         hold is lifted:",
    person_requests: "The person's requests",
    done_registered: "The request is registered.",
    done_moved: "The request's status is changed.",
    done_erased: "The person is erased.",
    done_held: "The legal hold is set: erasure is refused until it is lifted.",
    done_lifted: "The legal hold is lifted.",
    restricted: "Processing is restricted",
    not_restricted: "Processing is not restricted.",
    restrict_note: "The data stays but is not used: audiences skip the person and portal apps \
                    see nothing allowed. Registers a restriction request, completed at once.",
    restrict: "Restrict processing",
    lift_restriction_note: "Tell the person before the restriction is lifted.",
    lift_restriction: "Lift restriction",
    object_note: "Stops processing under the purpose, as a withdrawal of consent does. \
                  Registers an objection request, completed at once.",
    record_objection: "Record an objection",
    done_restricted: "Processing is restricted.",
    done_unrestricted: "The restriction is lifted.",
    done_objected: "The objection is recorded.",
    kinds: [
        "Access",
        "Data portability",
        "Erasure",
        "Rectification",
        "Restriction",
        "Objection",
    ],
    channels: [
        "Letter",
        "Phone",
        "E-mail",
        "In person",
        "Self-service",
        "API",
    ],
    statuses: [
        "Received",
        "Verified",
        "In progress",
        "Completed",
        "Rejected",
        "Extended",
    ],
};

static SV: PrivacyWords = PrivacyWords {
    requests: "Begäranden från registrerade",
    queue_intro: "Efter sista svarsdag: försenade begäranden först. Varje begäran ska besvaras \
                  senast sista svarsdagen (en månad från mottagandet, tre om den förlängts).",
    show_open: "Öppna",
    show_overdue: "Försenade",
    show_all: "Alla",
    kind: "Begäran",
    person: "Person",
    channel: "Kom via",
    received: "Mottagen",
    deadline: "Sista svarsdag",
    status: "Status",
    overdue: "försenad",
    register: "Registrera en begäran",
    register_intro: "En begäran som kommit med brev, per telefon, e-post eller personligen. Sista \
                     svarsdag blir en månad från i dag.",
    person_id: "Person-id",
    no_such_person: "Det finns ingen person med detta id.",
    verification: "Hur den begärandes identitet kontrollerades",
    purpose: "Ändamål",
    purpose_for_objection: "Ändamål som invändningen gäller (vid invändning)",
    request: "Begäran",
    reason: "Skäl",
    act_at: "Utförs",
    closed_at: "Avslutad",
    actions: "Vad som gjorts",
    when: "När",
    what: "Vad",
    apps_told: "Portalappar som underrättats",
    app: "App",
    message: "Meddelande",
    state: "Läge",
    last_error: "Senaste fel",
    delivered: "levererat {at}",
    retrying: "försöker igen sedan {at} ({n} försök)",
    queued: "i kö sedan {at}",
    failed: "misslyckades {at}",
    no_apps_told: "Ingen portalapp som vill underrättas hade fått personens uppgifter.",
    move_along: "För begäran vidare",
    move_note: "Avslag och förlängning kräver ett skäl. En förlängning flyttar sista svarsdag till \
                tre månader från mottagandet, en gång, och berättar för personen varför.",
    new_status: "Ny status",
    change_status: "Ändra status",
    data_protection: "Dataskydd",
    export: "Exportera uppgifter",
    export_note: "Registrerar en begäran om tillgång och laddar ner allt som finns om personen \
                  som en zip-fil (data.json och en läsbar index.html).",
    verification_default: "Lämnas tomt: \u{201d}av dataskyddsombudet\u{201d}.",
    erase: "Radera nu",
    erase_note: "Raderar personen genast, efter en bekräftelse som visar vad som försvinner.",
    erase_title: "Radera den här personen?",
    erase_goes: "Detta försvinner genast och för gott:",
    goes_profile: "profilen: {name}, {email}",
    goes_sign_in: "lösenordet, alla sessioner och alla inloggningslänkar som skickats",
    goes_memberships: "medlemskap och roller i:",
    goes_no_memberships: "inga medlemskap i kundkonton",
    goes_apps: "alla medgivanden och token för apparna som personen använt, som var och en \
                underrättas:",
    goes_no_apps: "ingen app har fått personens uppgifter",
    goes_rest: "sparade val och intressen, inbjudningar till adressen och e-post som väntar på \
                personen",
    goes_keys: "subjektnyckeln och pseudonymhemligheten: samtyckesloggen, statistiken och \
                granskningsloggen finns kvar men kan inte längre knytas till personen",
    erase_stays: "Begäran finns kvar i registret, utan att peka ut någon.",
    confirm_erase: "Jag förstår att detta inte går att ångra",
    erase_for_good: "Radera för gott",
    confirm_missing: "Kryssa i rutan för att bekräfta raderingen.",
    erasure_pending: "En radering av personen är redan registrerad och väntar; den utförs när \
                      tiden är inne. Se personens begäranden.",
    held: "Rättslig spärr",
    held_since: "sedan",
    no_hold: "Ingen rättslig spärr: personen kan raderas.",
    hold_reason: "Varför uppgifterna måste bevaras",
    set_hold: "Sätt en rättslig spärr",
    lift_hold: "Häv den rättsliga spärren",
    erase_refused_held: "Personens uppgifter har en rättslig spärr, så radering nekas tills \
                         spärren hävs:",
    person_requests: "Personens begäranden",
    done_registered: "Begäran är registrerad.",
    done_moved: "Begärans status är ändrad.",
    done_erased: "Personen är raderad.",
    done_held: "Den rättsliga spärren är satt: radering nekas tills den hävs.",
    done_lifted: "Den rättsliga spärren är hävd.",
    restricted: "Behandlingen är begränsad",
    not_restricted: "Behandlingen är inte begränsad.",
    restrict_note: "Uppgifterna finns kvar men används inte: utskick hoppar över personen och \
                    portalappar ser inget tillåtet. Registrerar en begäran om begränsning, \
                    slutförd direkt.",
    restrict: "Begränsa behandlingen",
    lift_restriction_note: "Informera personen innan begränsningen hävs.",
    lift_restriction: "Häv begränsningen",
    object_note: "Stoppar behandlingen för ändamålet, som när ett samtycke återkallas. \
                  Registrerar en invändning, slutförd direkt.",
    record_objection: "Registrera en invändning",
    done_restricted: "Behandlingen är begränsad.",
    done_unrestricted: "Begränsningen är hävd.",
    done_objected: "Invändningen är registrerad.",
    kinds: [
        "Tillgång",
        "Dataportabilitet",
        "Radering",
        "Rättelse",
        "Begränsning",
        "Invändning",
    ],
    channels: [
        "Brev",
        "Telefon",
        "E-post",
        "Personligen",
        "Självbetjäning",
        "API",
    ],
    statuses: [
        "Mottagen",
        "Verifierad",
        "Pågår",
        "Slutförd",
        "Avslagen",
        "Förlängd",
    ],
};

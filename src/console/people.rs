//! What a customer account's page shows of its people, read through the same services as
//! the API: members with a role checkbox per role the visitor may grant, pending
//! invitations, and the form to invite a colleague.

use super::customers::path;
use super::forms::{PAGE_SIZE, RoleChoice, checked_roles, cursor, next_page, role_boxes, select};
use super::request::Visit;
use super::{Console, Words, errors};
use crate::authz::RoleKind;
use crate::clock::rfc3339;
use crate::identity::store::invitations::InvitationRow;
use crate::identity::store::members::MemberRow;
use crate::web::api::Page;
use crate::web::page::hidden;
use axum::response::Response;
use maud::{Markup, html};

/// Member role checkboxes are named `role.<name>`, the invitation's `invite.<name>`, so a
/// refused form never ticks the other's boxes.
pub const MEMBER_ROLE: &str = "role.";
pub const INVITE_ROLE: &str = "invite.";

/// What the account page shows of its people, read through the services.
pub struct People {
    members: Page<MemberRow>,
    invitations: Vec<InvitationRow>,
    choices: Vec<RoleChoice>,
    may_grant: bool,
    may_manage: bool,
}

/// The account's people, or `None` when the visitor may not see them.
pub async fn load(
    console: &Console,
    visit: &Visit,
    customer_id: &str,
) -> Result<Option<People>, Response> {
    if !console.may(&visit.visitor, "people.read", Some(customer_id)) {
        return Ok(None);
    }
    let locale = visit.visitor.locale;
    let by = &visit.visitor.principal;
    let failed =
        |operation: &str, error| errors::page(locale, errors::identity(locale, operation, error));
    let after: Option<String> = cursor(visit)?;
    let rows = console
        .identity
        .list_members(by, customer_id, after.as_deref(), PAGE_SIZE)
        .await
        .map_err(|e| failed("list members", e))?;
    let invitations = console
        .identity
        .pending_invitations(by, customer_id)
        .await
        .map_err(|e| failed("list invitations", e))?;
    Ok(Some(People {
        members: Page::from_rows(rows, PAGE_SIZE, |row| row.email_normalized.clone()),
        invitations,
        choices: console.role_choices(visit, RoleKind::Customer, Some(customer_id)),
        may_grant: console.may(&visit.visitor, "roles.grant", Some(customer_id)),
        may_manage: console.may(&visit.visitor, "people.manage", Some(customer_id)),
    }))
}

impl People {
    pub fn render(&self, words: &Words, csrf: &str, visit: &Visit, customer_id: &str) -> Markup {
        html! {
            h2 { (words.members) }
            (self.member_table(words, csrf, customer_id))
            (next_page(words, &path(customer_id), &[], self.members.next_cursor.as_deref()))
            h2 { (words.pending_invitations) }
            (self.invitation_table(words, csrf, customer_id))
            @if self.may_manage { (self.invite_form(words, csrf, visit, customer_id)) }
        }
    }

    fn member_table(&self, words: &Words, csrf: &str, customer_id: &str) -> Markup {
        html! {
            @if self.members.items.is_empty() {
                p.muted { (words.none_found) }
            } @else {
                table {
                    thead { tr {
                        th { (words.email) } th { (words.name) } th { (words.status) } th { (words.roles) }
                        @if self.may_manage { th {} }
                    } }
                    tbody { @for member in &self.members.items { (self.member_row(words, csrf, customer_id, member)) } }
                }
            }
        }
    }

    fn member_row(
        &self,
        words: &Words,
        csrf: &str,
        customer_id: &str,
        member: &MemberRow,
    ) -> Markup {
        let action = format!("{}/members/{}", path(customer_id), member.person_id);
        let version = member.version.to_string();
        html! {
            tr {
                td { a href=(format!("/console/persons/{}", member.person_id)) { (member.email) } }
                td { (member.display_name) }
                td { (words.status_name(&member.status)) }
                td {
                    @if self.may_grant {
                        form.inline method="post" action=(action) {
                            (hidden("csrf", csrf))
                            (hidden("version", &version))
                            (role_boxes(MEMBER_ROLE, &self.choices, &member.roles))
                            button type="submit" { (words.save) }
                        }
                    } @else {
                        (member.roles.join(", "))
                    }
                }
                @if self.may_manage {
                    td {
                        form.inline method="post" action=(format!("{action}/remove")) {
                            (hidden("csrf", csrf))
                            (hidden("version", &version))
                            button.secondary type="submit" { (words.remove) }
                        }
                    }
                }
            }
        }
    }

    fn invitation_table(&self, words: &Words, csrf: &str, customer_id: &str) -> Markup {
        html! {
            @if self.invitations.is_empty() {
                p.muted { (words.none_found) }
            } @else {
                table {
                    thead { tr {
                        th { (words.email) } th { (words.name) } th { (words.roles) } th { (words.expires) }
                        @if self.may_manage { th {} }
                    } }
                    tbody {
                        @for invitation in &self.invitations {
                            tr {
                                td { (invitation.email) }
                                td { (invitation.display_name) }
                                td { (invitation.roles().join(", ")) }
                                td { (rfc3339(invitation.expires_at)) }
                                @if self.may_manage {
                                    td {
                                        form.inline method="post" action=(format!("{}/invitations/{}/withdraw", path(customer_id), invitation.invitation_id)) {
                                            (hidden("csrf", csrf))
                                            button.secondary type="submit" { (words.withdraw) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// After a refusal the form comes back with what was typed.
    fn invite_form(&self, words: &Words, csrf: &str, visit: &Visit, customer_id: &str) -> Markup {
        let ticked = checked_roles(visit, INVITE_ROLE, &self.choices);
        let choices: Vec<&RoleChoice> = self.choices.iter().filter(|c| c.grantable).collect();
        let languages = [("en", "English"), ("sv", "Svenska")];
        let language = visit.get("locale").unwrap_or(visit.visitor.locale.tag());
        html! {
            h2 { (words.invite) }
            form method="post" action=(format!("{}/invitations", path(customer_id))) {
                (hidden("csrf", csrf))
                label for="invite-email" { (words.email) }
                input id="invite-email" type="email" name="email" required value=(visit.get("email").unwrap_or_default());
                label for="invite-name" { (words.name) }
                input id="invite-name" name="display_name" required maxlength="200" value=(visit.get("display_name").unwrap_or_default());
                fieldset {
                    legend { (words.roles) }
                    @for choice in choices {
                        label.check title=(choice.description) {
                            input type="checkbox" name=(format!("{INVITE_ROLE}{}", choice.name)) checked[ticked.contains(&choice.name)];
                            " " (choice.name)
                        }
                    }
                }
                label for="locale" { (words.language) }
                (select("locale", &languages, Some(language)))
                button type="submit" { (words.send_invitation) }
            }
        }
    }
}

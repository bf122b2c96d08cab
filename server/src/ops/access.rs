//! What each role may see and do (regulation Art. 8, 10, 24): who may issue which command, and
//! which dossiers an account's scope holds.

use motcua_core::workflow::Command;

use crate::db::model::{DossierRecord, Role, User};

/// Whether `role` may issue `cmd` at all (agency scope is checked separately).
pub fn may_command(role: Role, cmd: &Command) -> bool {
    use Command::*;
    match role {
        Role::Receptionist => matches!(
            cmd,
            RequestSupplement { .. }
                | Supplemented
                | Refuse { .. }
                | AcceptAndTransfer { .. }
                | RequestFee { .. }
                | RecordFeePaid { .. }
                | RefundFee { .. }
                | Return { .. }
                | Withdraw { .. }
                | ResolveAtOnce
                | AcceptOnline
                | IssueNotice
                | TransferJoint { .. }
        ),
        Role::Officer => matches!(
            cmd,
            RequestSupplement { .. }
                | Supplemented
                | Consult { .. }
                | AnswerConsultation { .. }
                | ScheduleVerification(_)
                | SubmitForApproval
                | DraftNotice { .. }
                | RequestFee { .. }
                | RecordFeePaid { .. }
                | MarkResultReady
        ),
        Role::Head => !matches!(
            cmd,
            Refuse { .. }
                | AcceptAndTransfer { .. }
                | Return { .. }
                | Withdraw { .. }
                | ResolveAtOnce
                | AcceptOnline
                | IssueNotice
                | TransferJoint { .. }
                | CompleteJointTask { .. }
        ),
        Role::CentreAdmin | Role::SystemAdmin => false,
    }
}

/// Whether `user` may see this dossier: a desk sees what it received, an agency what it handles
/// or takes part in (liên thông: Art. 10.1d sends the whole dossier to every participating
/// agency), admins everything (read-only).
pub fn may_see(user: &User, rec: &DossierRecord) -> bool {
    in_scope(user, rec) || joint_participant(user, rec)
}

/// Whether this dossier is in `user`'s own scope: received by its desk, handled by its agency.
fn in_scope(user: &User, rec: &DossierRecord) -> bool {
    may_see_agencies(
        user,
        rec.receiving_agency.as_str(),
        rec.handling_agency().as_str(),
    )
}

/// Whether `user`'s agency takes part in this joint dossier (Art. 10.1d) without leading it.
pub fn joint_participant(user: &User, rec: &DossierRecord) -> bool {
    matches!(user.role, Role::Officer | Role::Head)
        && user
            .agency
            .as_ref()
            .is_some_and(|a| rec.state.joint.iter().any(|j| &j.agency == a))
}

/// Art. 10.1d: a participating agency's officer or head records its own part's result — for
/// their own agency, while it is awaited — and nothing else of the lead's work.
pub fn may_complete_joint_task(user: &User, rec: &DossierRecord, cmd: &Command) -> bool {
    let Command::CompleteJointTask { agency, .. } = cmd else {
        return false;
    };
    matches!(user.role, Role::Officer | Role::Head)
        && user.agency.as_ref() == Some(agency)
        && rec
            .state
            .joint
            .iter()
            .any(|j| &j.agency == agency && j.result.is_none())
}

/// [`may_see`] for a dossier received by `receiving` and handled by `handling`.
pub fn may_see_agencies(user: &User, receiving: &str, handling: &str) -> bool {
    let own = user.agency.as_ref().map(|a| a.as_str());
    match user.role {
        Role::CentreAdmin | Role::SystemAdmin => true,
        Role::Receptionist => own == Some(receiving),
        Role::Officer | Role::Head => own == Some(handling),
    }
}

/// Whether `user` may act on this dossier (its role may issue the command, and the dossier is
/// in its scope).
///
/// Art. 8.1a: until the desk has checked a dossier and transferred it, it is the desk's alone —
/// the competent agency's officers and heads see it coming but may not act on it.
pub fn may_act(user: &User, rec: &DossierRecord, cmd: &Command) -> bool {
    let transferred = rec.state.agency.is_some();
    may_command(user.role, cmd)
        && user.role != Role::CentreAdmin
        && in_scope(user, rec)
        && (transferred || user.role == Role::Receptionist)
}

/// Art. 10.1b: an officer or head of an agency asked for its opinion answers it themselves —
/// for their own agency, while the opinion is awaited — without seeing the rest of the dossier.
pub fn may_answer_consultation(user: &User, rec: &DossierRecord, cmd: &Command) -> bool {
    let Command::AnswerConsultation { agency, .. } = cmd else {
        return false;
    };
    matches!(user.role, Role::Officer | Role::Head)
        && user.agency.as_ref() == Some(agency)
        && rec
            .state
            .consultations
            .iter()
            .any(|c| &c.agency == agency && c.answer.is_none())
}

/// Whether `user`'s agency was asked for its opinion on this dossier (it may read what the
/// opinion needs).
pub fn consulted(user: &User, rec: &DossierRecord) -> bool {
    matches!(user.role, Role::Officer | Role::Head)
        && user
            .agency
            .as_ref()
            .is_some_and(|a| rec.state.consultations.iter().any(|c| &c.agency == a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_head_approves() {
        for role in [
            Role::Receptionist,
            Role::Officer,
            Role::CentreAdmin,
            Role::SystemAdmin,
        ] {
            assert!(!may_command(role, &Command::Approve), "{role:?}");
        }
        assert!(may_command(Role::Head, &Command::Approve));
        assert!(!may_command(
            Role::Head,
            &Command::Return {
                channel: motcua_core::ReturnChannel::Counter
            }
        ));
    }
}

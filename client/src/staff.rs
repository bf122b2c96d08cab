//! Staff routes: sign-in, the workflow, accounts, the fleet, the calendar.

use motcua_protocol::catalogue::{Agency, Procedure};
use motcua_protocol::routes;
use motcua_protocol::staff::{
    Command, CreatedKiosk, Credentials, DossierList, DossierView, KioskUpdate, KioskView,
    ListQuery, LoginReply, LoginRequest, NewKiosk, NewUser, PasswordChange, ReceiveReply,
    ReceiveRequest, UserView,
};

use crate::{Client, Result};

impl Client {
    /// Sign in; the answer holds the session token (see [`Client::with_token`]).
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginReply> {
        self.anonymous()
            .post(
                routes::LOGIN,
                &LoginRequest {
                    username: username.to_owned(),
                    password: password.to_owned(),
                },
            )
            .await
    }

    /// Sign in and return a client holding the session.
    pub async fn signed_in(&self, username: &str, password: &str) -> Result<(Client, LoginReply)> {
        let reply = self.login(username, password).await?;
        Ok((self.with_token(reply.token.clone()), reply))
    }

    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        self.post_empty(
            routes::PASSWORD,
            &PasswordChange {
                current_password: current.to_owned(),
                new_password: new.to_owned(),
            },
        )
        .await
    }

    pub async fn logout(&self) -> Result<()> {
        self.post_empty(routes::LOGOUT, &serde_json::json!({}))
            .await
    }

    pub async fn me(&self) -> Result<UserView> {
        self.get(routes::ME).await
    }

    /// Receive a dossier at this account's desk.
    pub async fn receive(&self, r: &ReceiveRequest) -> Result<ReceiveReply> {
        self.post(routes::DOSSIERS, r).await
    }

    /// Act on a dossier; what staff see of it afterwards.
    pub async fn act(&self, code: &str, command: &Command) -> Result<DossierView> {
        self.post(&routes::dossier_actions(code), command).await
    }

    pub async fn dossier(&self, code: &str) -> Result<DossierView> {
        self.get(&routes::dossier(code)).await
    }

    pub async fn dossiers(&self, q: &ListQuery) -> Result<DossierList> {
        self.get_query(routes::DOSSIERS, q).await
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        self.get(routes::AGENCIES).await
    }

    pub async fn procedures(&self) -> Result<Vec<Procedure>> {
        self.get(routes::PROCEDURES).await
    }

    pub async fn create_user(&self, u: &NewUser) -> Result<Credentials> {
        self.post(routes::ADMIN_USERS, u).await
    }

    pub async fn create_kiosk(&self, k: &NewKiosk) -> Result<CreatedKiosk> {
        self.post(routes::ADMIN_KIOSKS, k).await
    }

    pub async fn kiosks(&self) -> Result<Vec<KioskView>> {
        self.get(routes::ADMIN_KIOSKS).await
    }

    pub async fn update_kiosk(&self, id: &str, u: &KioskUpdate) -> Result<KioskView> {
        self.send(reqwest::Method::PATCH, &routes::admin_kiosk(id), u)
            .await
    }

    pub async fn revoke_kiosk(&self, id: &str) -> Result<()> {
        self.post_empty(&routes::admin_kiosk_revoke(id), &serde_json::json!({}))
            .await
    }
}

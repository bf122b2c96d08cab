//! The hall's queue: issuing numbers, a counter's actions, boards and a ticket's page.

use motcua_protocol::queue::{
    BoardState, CounterStatus, IssueRequest, QueueConfig, SeatRequest, TicketCommand, TicketView,
};
use motcua_protocol::routes;

use crate::{Client, Result};

impl Client {
    /// The queue of a centre as configured (services, counters).
    pub async fn queue_config(&self, centre: &str) -> Result<QueueConfig> {
        self.get(&routes::queue_config(centre)).await
    }

    /// Configure a centre's queue (administrators).
    pub async fn set_queue_config(&self, centre: &str, cfg: &QueueConfig) -> Result<QueueConfig> {
        self.send(reqwest::Method::PUT, &routes::queue_config(centre), cfg)
            .await
    }

    /// A number issued at reception.
    pub async fn issue_ticket(&self, centre: &str, req: &IssueRequest) -> Result<TicketView> {
        self.post(&routes::queue_tickets(centre), req).await
    }

    /// A number issued by a kiosk online (with its device token).
    pub async fn kiosk_ticket(&self, req: &IssueRequest) -> Result<TicketView> {
        self.post(routes::SYNC_TICKETS, req).await
    }

    /// Sit at a counter.
    pub async fn sit(&self, centre: &str, counter: u16) -> Result<CounterStatus> {
        self.send(
            reqwest::Method::PUT,
            &routes::queue_seat(centre),
            &SeatRequest { counter },
        )
        .await
    }

    /// Call the next ticket to a counter.
    pub async fn call_next(&self, centre: &str, counter: u16) -> Result<CounterStatus> {
        self.post(
            &routes::queue_call_next(centre, counter),
            &serde_json::json!({}),
        )
        .await
    }

    /// Act on a ticket at a counter.
    pub async fn ticket_action(
        &self,
        centre: &str,
        counter: u16,
        number: &str,
        cmd: &TicketCommand,
    ) -> Result<CounterStatus> {
        self.post(&routes::queue_ticket_actions(centre, counter, number), cmd)
            .await
    }

    /// What a centre's display board shows now.
    pub async fn queue_board(&self, centre: &str) -> Result<BoardState> {
        self.get(&routes::public_queue(centre)).await
    }

    /// A ticket's public page.
    pub async fn ticket(&self, id: &str) -> Result<TicketView> {
        self.get(&routes::public_ticket(id)).await
    }
}

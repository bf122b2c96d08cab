//! The hall's queue: issuing numbers, a counter's actions, boards and a ticket's page.

use motcua_protocol::queue::{
    BoardState, BookRequest, BookingOptions, BookingView, CheckInRequest, CounterStatus,
    IssueRequest, QueueConfig, SeatRequest, SlotsQuery, TicketCommand, TicketView,
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

    /// The days and slots a service may be booked in.
    pub async fn booking_slots(&self, centre: &str, q: &SlotsQuery) -> Result<BookingOptions> {
        self.get_query(&routes::public_booking_slots(centre), q)
            .await
    }

    /// Book a slot.
    pub async fn book(&self, centre: &str, req: &BookRequest) -> Result<BookingView> {
        self.post(&routes::public_bookings(centre), req).await
    }

    /// A booking by its code.
    pub async fn booking(&self, code: &str) -> Result<BookingView> {
        self.get(&routes::public_booking(code)).await
    }

    /// Cancel a booking.
    pub async fn cancel_booking(&self, code: &str) -> Result<BookingView> {
        self.post(&routes::public_booking_cancel(code), &serde_json::json!({}))
            .await
    }

    /// Check a booking in at a kiosk (with its device token).
    pub async fn kiosk_check_in(&self, code: &str) -> Result<TicketView> {
        self.post(
            routes::SYNC_CHECK_IN,
            &CheckInRequest {
                code: code.to_owned(),
            },
        )
        .await
    }

    /// Check a booking in at reception.
    pub async fn desk_check_in(&self, centre: &str, code: &str) -> Result<TicketView> {
        self.post(
            &routes::queue_check_in(centre),
            &CheckInRequest {
                code: code.to_owned(),
            },
        )
        .await
    }
}

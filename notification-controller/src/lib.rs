//! notification-controller: events in, alerts out, webhook receivers.

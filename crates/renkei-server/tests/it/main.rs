//! renkei-server integration tests, in-process through the `Router`
//! (and once over a real socket for startup and graceful shutdown).

mod api;
mod checkpoints;
mod intel;
mod intel_portal;
mod portal;
mod support;
mod taxii;
mod webhooks;

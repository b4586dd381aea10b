//! The loopback test world (stub: being written).

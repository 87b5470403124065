"""The portal's tamper-evident audit log (SPEC R3): one hash chain for everything."""

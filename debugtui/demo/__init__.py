"""The demo incident: a sandbox of real files and engines to try debugtui on."""

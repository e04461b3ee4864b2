"""The back-office console (后台): server-rendered pages for auditors and managers."""
